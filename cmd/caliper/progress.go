package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/caliperhq/caliper/pipeline"
)

// progress shows how a run goes on stderr: one line rewritten in place on a
// terminal, a plain line every few seconds otherwise (CI logs).
type progress struct {
	pipeline.Counter
	w        io.Writer
	name     string
	terminal bool
	start    time.Time
	done     chan struct{}
	once     sync.Once
	wg       sync.WaitGroup
}

func newProgress(st *State, name string) *progress {
	p := &progress{w: st.Stderr, name: name, terminal: st.Terminal, start: time.Now(), done: make(chan struct{})}
	every := 5 * time.Second
	if p.terminal {
		every = 100 * time.Millisecond
	}
	p.wg.Add(1)
	go p.loop(every)
	return p
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
	n, errs := p.Done.Load(), p.Errors.Load()
	rate := float64(n) / time.Since(p.start).Seconds()
	line := fmt.Sprintf("%s: %d rows, %d errors, %.0f rows/s, %s", p.name, n, errs, rate, time.Since(p.start).Round(time.Second))
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		return
	}
	fmt.Fprintln(p.w, line)
}

func (p *progress) stop() {
	p.once.Do(func() { close(p.done) })
	p.wg.Wait()
}
