package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
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
}

// Sink receives every result as it finishes. Add is called from many workers
// at once. An error is an infrastructure failure, such as a store that cannot
// keep the result: the run stops issuing cases, cancels the calls in flight
// and returns it.
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
	c     *datasets.Case
	trial int
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

	var sinkErr error
	var failOnce sync.Once
	fail := func(err error) {
		failOnce.Do(func() { sinkErr = err; stopCalls(err) })
	}
	jobs := make(chan job, p.Concurrency)
	var wg sync.WaitGroup
	var rows, cancelled atomic.Int64
	for range p.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if !p.deliver(calls, j, sink, fail) {
					cancelled.Add(1)
					continue
				}
				rows.Add(1)
			}
		}()
	}
	stats, err := p.produce(issue, src, jobs, ro)
	close(jobs)
	wg.Wait()
	stats.Rows, stats.Cancelled = int(rows.Load()), int(cancelled.Load())
	if stats.Cancelled > 0 {
		stats.Interrupted = true
	}
	if sinkErr != nil {
		err = errors.Join(err, sinkErr)
	}
	return stats, err
}

// deliver runs job j unless its calls are cancelled, and hands its result to
// sink. A result that failed once calls were cancelled is not a result (its
// errors may be the cancellation's): it is dropped, to run again on resume.
// deliver reports whether sink took a result.
func (p *Pipeline) deliver(calls context.Context, j job, sink Sink, fail func(error)) bool {
	if calls.Err() != nil {
		return false
	}
	r := p.runCase(calls, j)
	if calls.Err() != nil && (r.Error != "" || len(r.ScorerErrors) > 0) {
		return false
	}
	if err := sink.Add(r); err != nil {
		fail(err)
		return false
	}
	return true
}

func (p *Pipeline) produce(ctx context.Context, src CaseSource, jobs chan<- job, ro RunOptions) (Stats, error) {
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
		cp := c
		for trial := range p.Trials {
			if skip != nil && skip(cp.ID, trial) {
				st.Skipped++
				continue
			}
			select {
			case jobs <- job{c: &cp, trial: trial}:
			case <-ctx.Done():
				st.Interrupted = true
				return st, nil
			}
		}
	}
}

// runCase runs the task and then the scorers of one case and trial. A panic in
// any of them is an error on this case, not a crash of the run.
func (p *Pipeline) runCase(abort context.Context, j job) (r *Result) {
	r = &Result{Case: j.c, Trial: j.trial}
	defer func() {
		if v := recover(); v != nil {
			r.Error = fmt.Sprintf("internal error: %v\n%s", v, debug.Stack())
			r.Scores = p.zeroScores()
		}
	}()
	c := j.c
	var tr *functions.Trace
	if p.traced {
		tr = &functions.Trace{}
		defer func() { p.collect(tr, r) }()
	}
	req := &functions.Request{Input: c.Input, Expected: c.Expected, Metadata: c.Metadata, Tags: c.Tags, Parameters: p.Parameters, Trial: j.trial, Trace: tr}
	start := time.Now()
	tctx := abort
	if tr != nil {
		tctx = functions.WithTrace(abort, tr, "task")
	}
	out, err := p.callTask(tctx, req)
	r.Duration = time.Since(start)
	r.Metrics = map[string]float64{"duration": r.Duration.Seconds()}
	for k, v := range tr.Metrics() {
		r.Metrics[k] = v
	}
	if err != nil {
		r.Error = errorMessage(err)
		if p.Eval.ErrorScore != "skip" {
			r.Scores = p.zeroScores()
		}
		return r
	}
	r.Output = out
	env := &spec.ScorerEnv{
		Input: c.Input, Output: out, Expected: c.Expected, Metadata: c.Metadata, Tags: c.Tags,
		Trial: j.trial, Parameters: p.Parameters, Metrics: r.Metrics,
	}
	p.score(abort, env, r, tr)
	return r
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

func (p *Pipeline) zeroScores() []scorers.Score {
	out := make([]scorers.Score, len(p.scorers))
	for i, s := range p.scorers {
		out[i] = scorers.Score{Name: s.name}
	}
	return out
}

// score runs the scorers: the cheap ones inline, the slow ones concurrently.
func (p *Pipeline) score(abort context.Context, env *spec.ScorerEnv, r *Result, tr *functions.Trace) {
	results := make([][]scorers.Score, len(p.scorers))
	errs := make([]error, len(p.scorers))
	var wg sync.WaitGroup
	for i, s := range p.scorers {
		run := func() {
			defer func() {
				if v := recover(); v != nil {
					errs[i] = fmt.Errorf("internal error: %v", v)
				}
			}()
			ctx := abort
			if tr != nil {
				ctx = functions.WithTrace(abort, tr, s.name)
			}
			results[i], errs[i] = p.callScorer(ctx, s, env)
		}
		if s.slow {
			wg.Add(1)
			go func() { defer wg.Done(); run() }()
		} else {
			run()
		}
	}
	wg.Wait()
	for i, s := range p.scorers {
		if errs[i] != nil {
			if r.ScorerErrors == nil {
				r.ScorerErrors = map[string]string{}
			}
			r.ScorerErrors[s.name] = errorMessage(errs[i])
			if p.Eval.ErrorScore != "skip" {
				r.Scores = append(r.Scores, scorers.Score{Name: s.name})
			}
			continue
		}
		r.Scores = append(r.Scores, results[i]...)
	}
}
