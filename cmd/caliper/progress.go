package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caliperhq/caliper/pipeline"
)

// progress shows how a run goes on stderr: one line rewritten in place on a
// terminal, a plain line every few seconds otherwise (CI logs). Each shows
// the rows done of the total (once the data is counted), the errors, the
// rate and the time left at that rate.
type progress struct {
	pipeline.Counter
	w        io.Writer
	name     string
	unit     string // what a row is called: case with one trial, row otherwise
	terminal bool
	start    time.Time
	now      func() time.Time
	total    atomic.Int64 // rows this run produces; 0 while not known
	done     chan struct{}
	once     sync.Once
	wg       sync.WaitGroup
}

// progressBarWidth is how many cells the bar on a terminal has.
const progressBarWidth = 20

func newProgress(st *State, name string, trials int) *progress {
	p := &progress{w: st.Stderr, name: name, unit: "case", terminal: st.Terminal, start: time.Now(), now: time.Now, done: make(chan struct{})}
	if trials > 1 {
		p.unit = "row"
	}
	every := 5 * time.Second
	if p.terminal {
		every = 100 * time.Millisecond
	}
	p.wg.Add(1)
	go p.loop(every)
	return p
}

// setTotal gives the number of rows the run produces, once known.
func (p *progress) setTotal(rows int) {
	if rows > 0 {
		p.total.Store(int64(rows))
	}
}

func (p *progress) loop(every time.Duration) {
	defer p.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			if p.terminal {
				fmt.Fprint(p.w, "\r\033[K")
			}
			return
		case <-t.C:
			p.print()
		}
	}
}

func (p *progress) print() {
	line := p.line(p.now())
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		return
	}
	fmt.Fprintln(p.w, line)
}

// line is the progress at now: "qa: [====      ] 40/100 cases (40%) · 1
// error · 8.0 cases/s · ETA 8s · 5s"; the bar on a terminal only, the total,
// percentage and ETA once the total is known.
func (p *progress) line(now time.Time) string {
	n, errs, total := p.Done.Load(), p.Errors.Load(), p.total.Load()
	elapsed := now.Sub(p.start)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(n) / s
	}
	var b strings.Builder
	b.WriteString(p.name + ": ")
	if total > 0 {
		if p.terminal {
			b.WriteString(progressBar(n, total) + " ")
		}
		fmt.Fprintf(&b, "%d/%d %s (%d%%)", n, total, plural(int(total), p.unit, p.unit+"s"), min(100, 100*n/total))
	} else {
		fmt.Fprintf(&b, "%d %s", n, plural(int(n), p.unit, p.unit+"s"))
	}
	fmt.Fprintf(&b, " · %d %s · %s %ss/s", errs, plural(int(errs), "error", "errors"), formatRate(rate), p.unit)
	if total > 0 && n < total {
		b.WriteString(" · ETA ")
		if rate > 0 {
			b.WriteString(formatETA(time.Duration(float64(total-n) / rate * float64(time.Second))))
		} else {
			b.WriteString("-")
		}
	}
	b.WriteString(" · " + elapsed.Round(time.Second).String())
	return b.String()
}

// progressBar draws n of total as a bar of progressBarWidth cells.
func progressBar(n, total int64) string {
	full := int(min(progressBarWidth, progressBarWidth*n/total))
	return "[" + strings.Repeat("=", full) + strings.Repeat(" ", progressBarWidth-full) + "]"
}

// formatRate writes a rate with about three significant digits.
func formatRate(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	case r >= 10:
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.2f", r)
}

// formatETA rounds a time left to what a person reads: seconds under a
// minute, minutes under an hour.
func formatETA(d time.Duration) string {
	switch {
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < time.Hour:
		return d.Round(10 * time.Second).String()
	}
	return d.Round(time.Minute).String()
}

func (p *progress) stop() {
	p.once.Do(func() { close(p.done) })
	p.wg.Wait()
}
