package pipeline

import (
	"context"
	"sync"
	"time"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
)

// caseRun is one case and trial while its task and scorers run. One goroutine
// at a time advances it: the worker that took the job, or, when an in-process
// call overruns the eval's timeout or outlives an abort, the goroutine that
// takes over from it (see watch). Its steps return false when the goroutine
// running them lost the case that way and must stop.
type caseRun struct {
	p       *Pipeline
	w       *runner
	j       job
	r       *Result
	tr      *functions.Trace
	env     *spec.ScorerEnv
	start   time.Time
	results [][]scorers.Score
	errs    []error
	slow    sync.WaitGroup // the slow scorers, running concurrently
	guard   *guard         // the worker's, watching the in-process calls
	// replayed is the stored transcript of a rescored agent task.
	replayed *functions.AgentRun
}

// runCase runs the task and then the scorers of one case and trial, and
// hands the result to the runner. A panic in any of them is an error on this
// case, not a crash of the run. It reports whether the calling goroutine
// still holds its worker's role.
func (p *Pipeline) runCase(w *runner, g *guard, j job) bool {
	c := &caseRun{p: p, w: w, j: j, r: &Result{Case: j.c, Trial: j.trial}, guard: g}
	if p.traced {
		c.tr = &functions.Trace{}
	}
	return c.task()
}

func (c *caseRun) ctx(span string) context.Context {
	if c.tr == nil {
		return c.w.calls
	}
	return functions.WithTrace(c.w.calls, c.tr, span)
}

func (c *caseRun) task() bool {
	cs := c.j.c
	req := &functions.Request{Input: cs.Input, Expected: cs.Expected, Metadata: cs.Metadata, Tags: cs.Tags, Parameters: c.p.Parameters, Trial: c.j.trial, Trace: c.tr}
	ctx := c.ctx("task")
	c.start = time.Now()
	rp := c.j.replay
	if rp == nil && c.p.replays != nil {
		rp = c.p.replayOf(cs.ID, c.j.trial)
	}
	if rp != nil {
		c.replayed = rp.agent
		return c.afterTask(rp.output, rp.error())
	}
	call := func() (any, error) { return c.p.task.Call(ctx, req) }
	if !c.p.taskInProcess {
		out, err := protect(call)
		return c.afterTask(out, err)
	}
	g, step := c.watch(func(cause error) bool { return c.afterTask(nil, cause) })
	out, err := protect(call)
	if !g.end(step) {
		return false
	}
	return c.afterTask(out, err)
}

// afterTask records the task's answer, starts the slow scorers and runs the
// inline ones.
func (c *caseRun) afterTask(out any, err error) bool {
	r := c.r
	r.Duration = time.Since(c.start)
	r.Metrics = map[string]float64{"duration": r.Duration.Seconds()}
	run := c.agentRun(r)
	for k, v := range c.tr.Metrics() {
		r.Metrics[k] = v
	}
	r.Case = withReported(r.Case, c.tr)
	if err != nil {
		r.Error = errorMessage(err)
		for _, s := range c.p.scorers {
			c.p.errorScore(r, s.name, stageTask, r.Error)
		}
		return c.done()
	}
	r.Output = out
	cs := r.Case
	c.env = &spec.ScorerEnv{
		Input: cs.Input, Output: out, Expected: cs.Expected, HasExpected: cs.ExpectedPresent(), Metadata: cs.Metadata, Tags: cs.Tags,
		Trial: c.j.trial, Parameters: c.p.Parameters, Metrics: r.Metrics,
		Messages: run.Messages, ToolCalls: run.ToolCalls,
	}
	c.results = make([][]scorers.Score, len(c.p.scorers))
	c.errs = make([]error, len(c.p.scorers))
	for i, s := range c.p.scorers {
		if s.slow {
			c.slow.Add(1)
			go func() {
				defer c.slow.Done()
				ctx := c.ctx(s.name)
				c.results[i], c.errs[i] = protect(func() ([]scorers.Score, error) { return c.p.callScorer(ctx, s, c.env) })
			}()
		}
	}
	return c.inline(0)
}

// agentRun is the transcript of an agent task, run or replayed, which it
// records on r; empty for other tasks.
func (c *caseRun) agentRun(r *Result) functions.AgentRun {
	run, _ := c.tr.AgentRun()
	if c.replayed != nil {
		run = *c.replayed
		run.SetMetrics(r.Metrics)
	}
	if run.Messages != nil {
		r.Messages, r.StopReason = encode(run.Messages), run.StopReason
	}
	return run
}

// inline runs the cheap scorers from the i-th on, in this goroutine, then
// waits for the slow ones.
func (c *caseRun) inline(from int) bool {
	for i := from; i < len(c.p.scorers); i++ {
		s := c.p.scorers[i]
		if s.slow {
			continue
		}
		if c.w.calls.Err() != nil {
			c.w.cancelled.Add(1) // an aborted case is not a result
			return true
		}
		if !s.inProcess {
			ctx := c.ctx(s.name)
			c.results[i], c.errs[i] = protect(func() ([]scorers.Score, error) { return s.score(ctx, c.env) })
			continue
		}
		// A built-in given up on by the guard is told so through ctx: the
		// long ones watch it and stop computing.
		ctx, giveUp := context.WithCancelCause(c.ctx(s.name))
		g, step := c.watch(func(cause error) bool { giveUp(cause); c.errs[i] = cause; return c.inline(i + 1) })
		res, err := protect(func() ([]scorers.Score, error) { return s.score(ctx, c.env) })
		giveUp(nil)
		if !g.end(step) {
			return false
		}
		c.results[i], c.errs[i] = res, err
	}
	c.slow.Wait()
	c.p.assemble(c.r, c.results, c.errs)
	return c.done()
}

// done hands the finished result to the runner.
func (c *caseRun) done() bool {
	if c.tr != nil {
		c.p.collect(c.tr, c.r)
	}
	c.p.release(c.j.reserved)
	c.w.finish(c.r)
	return true
}

// watch guards one in-process call, which nothing can interrupt. If the call
// is still running when the eval's timeout passes or calls are cancelled, the
// case passes to a new goroutine, with a worker's role and guard of its own:
// it runs then(cause), with a *functions.TimeoutError or the abort's cause,
// and goes on with the worker's loop. The call's goroutine, once the call
// returns, finds that g.end(step) is false and stops. The call runs to its
// end in the background, its answer dropped; the process ends it when it
// exits.
func (c *caseRun) watch(then func(cause error) bool) (*guard, int) {
	g := c.guard
	return g, g.begin(c, then)
}

// guard watches the in-process calls of one worker, one after the other, with
// one timer and one abort callback for them all.
type guard struct {
	w         *runner
	mu        sync.Mutex
	step      int // counts the calls begun
	running   bool
	abandoned bool      // the running call was given up on: the guard is done
	deadline  time.Time // of the running call
	armed     bool      // the timer will tick
	c         *caseRun
	then      func(error) bool
	timer     *time.Timer
	stopAbort func() bool
}

// newGuard is the guard of a worker's role.
func newGuard(w *runner) *guard {
	g := &guard{w: w}
	if d := w.p.Timeout; d > 0 {
		g.timer = time.AfterFunc(d, func() { g.tick(&functions.TimeoutError{After: d}) })
		g.timer.Stop()
	}
	g.stopAbort = context.AfterFunc(w.calls, func() { g.fire(context.Cause(w.calls)) })
	return g
}

func (g *guard) begin(c *caseRun, then func(error) bool) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.step++
	g.running, g.c, g.then = true, c, then
	if g.timer != nil {
		d := g.w.p.Timeout
		g.deadline = time.Now().Add(d)
		if !g.armed {
			g.armed = true
			g.timer.Reset(d)
		}
	}
	return g.step
}

func (g *guard) end(step int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.abandoned || step != g.step {
		return false
	}
	g.running, g.c, g.then = false, nil, nil
	return true
}

// tick is the timer's: the timer is left running between calls, and each
// tick gives up on the running call once its deadline has passed, re-arms
// for a later deadline, or, between calls, lets the next call arm it again.
func (g *guard) tick(cause error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch left := time.Until(g.deadline); {
	case !g.running:
		g.armed = false
	case left > 0:
		g.timer.Reset(left)
	default:
		g.abandon(cause)
	}
}

// fire gives up on the running call, if any.
func (g *guard) fire(cause error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.running {
		g.abandon(cause)
	}
}

// abandon gives up on the running call, with g.mu held: a new goroutine
// takes its case over.
func (g *guard) abandon(cause error) {
	g.running, g.abandoned = false, true
	c, then := g.c, g.then
	go func() {
		g.stop()
		c.guard = newGuard(g.w)
		if then(cause) {
			g.w.loop(c.guard)
		}
	}()
}

// stop ends the guard of a worker's role.
func (g *guard) stop() {
	if g.timer != nil {
		g.timer.Stop()
	}
	g.stopAbort()
}
