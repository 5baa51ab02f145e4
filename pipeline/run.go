package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/scorers"
)

// Result is one finished case and trial.
type Result struct {
	Case         *datasets.Case
	Trial        int
	Output       any
	Error        string            // the task's error; empty when it succeeded
	Scores       []scorers.Score   // after the eval's error_score policy
	ScorerErrors map[string]string // scorer name -> error, for scorers that failed
	Duration     time.Duration     // the task call
	Metrics      map[string]float64
	Spans        []functions.Span // model calls of the task and the scorers
	// Messages is the transcript of an agent task, a JSON array; nil for
	// other tasks. StopReason is why its tool loop ended (functions.Stop*).
	Messages   json.RawMessage
	StopReason string
}

// Sink receives every result as it finishes. Add is called from many workers
// at once. r, and the slices and maps it holds, are the sink's only during
// Add: a worker reuses them for its next case. An error is an infrastructure
// failure, such as a store that cannot keep the result: the run stops issuing
// cases, cancels the calls in flight and returns it.
type Sink interface {
	Add(r *Result) error
}

// CaseSource yields cases until io.EOF.
type CaseSource interface {
	Next() (datasets.Case, error)
}

// RunOptions change one run.
type RunOptions struct {
	// Skip reports cases and trials already done (resuming); they are not run.
	Skip func(caseID string, trial int) bool
	// Abort, when done, stops issuing cases and cancels the calls in flight:
	// a case cancelled that way, or still queued, is not a result and reaches
	// no sink. Cancelling Run's own context only stops issuing cases: the
	// queued ones and the calls in flight finish or time out.
	Abort context.Context
	// MaxCost, when positive, stops starting cases once the estimated cost of
	// the model calls made so far passes it (USD).
	MaxCost float64
}

// Stats counts what a run did.
type Stats struct {
	Cases       int  // distinct cases read
	Rows        int  // case trials the sinks took
	Skipped     int  // case trials skipped as already done
	Cancelled   int  // case trials handed out but cancelled or never run: not results
	Interrupted bool // the run stopped before every case trial was a result
	OverBudget  bool // --max-cost stopped the run
}

type job struct {
	c      datasets.Case
	trial  int
	replay *replayed // the stored task answer of a rescore; nil when the task runs
	// reserved is the estimated cost held against --max-cost until the
	// case is done.
	reserved float64
}

// Run reads cases from src and runs each trial with at most Concurrency in
// flight, sending each result to sink as it finishes. Failed cases are results;
// a failure to read the cases and a sink's error are errors of the run.
func (p *Pipeline) Run(ctx context.Context, src CaseSource, sink Sink, ro RunOptions) (Stats, error) {
	abort := ro.Abort
	if abort == nil {
		abort = context.Background()
	}
	calls, stopCalls := context.WithCancelCause(abort)
	defer stopCalls(nil)
	issue, stopIssuing := context.WithCancel(ctx)
	defer stopIssuing()
	defer context.AfterFunc(calls, stopIssuing)()

	w := &runner{p: p, calls: calls, jobs: make(chan job, p.Concurrency), sink: sink, stopCalls: stopCalls, stopIssuing: stopIssuing}
	w.workers.Add(p.Concurrency)
	for range p.Concurrency {
		go w.loop(newGuard(w))
	}
	stats, err := p.produce(issue, src, w.jobs, ro)
	close(w.jobs)
	w.workers.Wait()
	stats.Rows, stats.Cancelled = int(w.rows.Load()), int(w.cancelled.Load())
	if stats.Cancelled > 0 {
		stats.Interrupted = true
	}
	if w.sinkErr != nil {
		err = errors.Join(err, w.sinkErr)
	}
	return stats, err
}

// runner is the workers of one run. A worker's role can pass to another
// goroutine mid-case (see caseRun.takeOver); workers counts roles, not
// goroutines.
type runner struct {
	p           *Pipeline
	calls       context.Context
	jobs        chan job
	sink        Sink
	stopCalls   context.CancelCauseFunc
	stopIssuing func()
	workers     sync.WaitGroup
	rows        atomic.Int64
	cancelled   atomic.Int64
	failOnce    sync.Once
	sinkErr     error
}

// loop runs jobs until there are none, unless its goroutine loses its case to
// a takeover: the goroutine that took over goes on with the loop, with a
// guard of its own.
func (w *runner) loop(g *guard) {
	var spare *caseRun
	for j := range w.jobs {
		if w.calls.Err() != nil {
			w.cancelled.Add(1)
			continue
		}
		c := w.p.newCase(spare, w, g, j)
		if !c.task() {
			return
		}
		spare = c.spare()
	}
	g.stop()
	w.workers.Done()
}

// finish hands a case's result to the sink. A result that failed once calls
// were cancelled is not a result (its errors may be the cancellation's): it is
// dropped, to run again on resume. The sink's first error stops the run.
func (w *runner) finish(r *Result) {
	if w.calls.Err() != nil && (r.Error != "" || len(r.ScorerErrors) > 0) {
		w.cancelled.Add(1)
		return
	}
	if err := w.sink.Add(w.p.maskResult(r)); err != nil {
		w.failOnce.Do(func() { w.sinkErr = err; w.stopIssuing(); w.stopCalls(err) })
		w.cancelled.Add(1)
		return
	}
	w.rows.Add(1)
}

func (p *Pipeline) produce(ctx context.Context, src CaseSource, jobs chan<- job, ro RunOptions) (Stats, error) {
	if rs, ok := src.(*replaySource); ok {
		return p.produceReplay(ctx, rs, jobs, ro)
	}
	var st Stats
	skip := ro.Skip
	for {
		if ctx.Err() != nil {
			st.Interrupted = true
			return st, nil
		}
		if ro.MaxCost > 0 && p.Spent() > ro.MaxCost {
			st.OverBudget = true
			return st, nil
		}
		c, err := src.Next()
		if errors.Is(err, io.EOF) {
			return st, nil
		}
		if err != nil {
			if ctx.Err() != nil {
				st.Interrupted = true
				return st, nil
			}
			return st, fmt.Errorf("reading cases: %w", err)
		}
		st.Cases++
		for trial := range p.Trials {
			if skip != nil && skip(c.ID, trial) {
				st.Skipped++
				continue
			}
			j := job{c: c, trial: trial}
			if ro.MaxCost > 0 {
				if j.reserved = p.reserve(&c, trial, ro.MaxCost); j.reserved < 0 {
					st.OverBudget = true
					return st, nil
				}
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				p.release(j.reserved)
				st.Interrupted = true
				return st, nil
			}
		}
	}
}

// reserve holds the estimated cost of a case trial's model calls against
// max before it starts, so the calls in flight cannot together pass it: it
// returns the amount held, or -1 when the spent and held costs plus this one
// would pass max while other cases are in flight.
func (p *Pipeline) reserve(c *datasets.Case, trial int, max float64) float64 {
	est := 0.0
	if err := p.estimateCase(c, trial, func(ests []llm.Estimate) {
		for _, e := range ests {
			est += e.Cost
		}
	}); err != nil {
		est = 0 // a case that cannot be estimated is held at nothing; its actual cost still counts
	}
	for {
		old := p.reserved.Load()
		held := math.Float64frombits(old)
		// With nothing in flight a case may start whatever its estimate (the
		// estimate counts max_tokens, an upper bound), so a run whose one
		// case is estimated past the limit still goes on, one case at a time.
		if est > 0 && held > 0 && p.Spent()+held+est > max {
			return -1
		}
		if p.reserved.CompareAndSwap(old, math.Float64bits(held+est)) {
			return est
		}
	}
}

// release returns a reservation once its case is done.
func (p *Pipeline) release(usd float64) {
	if usd > 0 {
		p.addBits(&p.reserved, -usd)
	}
}

// addBits adds usd to a float64 kept as bits.
func (p *Pipeline) addBits(v *atomic.Uint64, usd float64) {
	for {
		old := v.Load()
		if v.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+usd)) {
			return
		}
	}
}

// Spent is the estimated cost, in USD, of the model calls of the cases finished so far.
func (p *Pipeline) Spent() float64 {
	return math.Float64frombits(p.spent.Load())
}

func (p *Pipeline) spend(usd float64) {
	for {
		old := p.spent.Load()
		if p.spent.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+usd)) {
			return
		}
	}
}

// collect moves a case's spans and model metrics (its scorers' included) into
// its result, and counts its cost against --max-cost.
func (p *Pipeline) collect(tr *functions.Trace, r *Result) {
	r.Spans = tr.Spans()
	if r.Metrics == nil {
		r.Metrics = map[string]float64{}
	}
	for k, v := range tr.Metrics() {
		r.Metrics[k] = v
	}
	if cost := r.Metrics["estimated_cost"]; cost > 0 {
		p.spend(cost)
	}
}

// assemble puts the scorers' results and errors into r, appending to
// r.Scores, in the eval's order, after its error_score policy.
func (p *Pipeline) assemble(r *Result, results [][]scorers.Score, errs []error) {
	for i, s := range p.scorers {
		if errs[i] != nil {
			if r.ScorerErrors == nil {
				r.ScorerErrors = map[string]string{}
			}
			r.ScorerErrors[s.name] = errorMessage(errs[i])
			p.errorScore(r, s.name, stageScorer, r.ScorerErrors[s.name])
			continue
		}
		r.Scores = append(r.Scores, results[i]...)
	}
}
