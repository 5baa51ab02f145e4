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
	start   time.Time
	results [][]scorers.Score
	errs    []error
	// result, the task's request, the scorers' env and the arrays behind
	// results, errs and the result's scores (for the usual few scorers) are
	// allocated with the caseRun, in one allocation.
	result     Result
	req        functions.Request
	env        spec.ScorerEnv
	resultsBuf [4][]scorers.Score
	errsBuf    [4]error
	scoresBuf  [4]scorers.Score
	slots      [4]scorers.Score // where the first inline scorers put a score
	slow       sync.WaitGroup   // the slow scorers, running concurrently
	guard      *guard           // the worker's, watching the in-process calls
	// replayed is the stored transcript of a rescored agent task.
	replayed *functions.AgentRun
	// metrics is the map of the result's metrics, kept when the caseRun is
	// reused.
	metrics map[string]float64
}

// newCase is the caseRun of job j, reusing spare, a finished caseRun of the
// same worker, when not nil.
func (p *Pipeline) newCase(spare *caseRun, w *runner, g *guard, j job) *caseRun {
	c := spare
	if c == nil {
		c = new(caseRun)
	} else {
		c.reuse()
	}
	c.p, c.w, c.j, c.guard = p, w, j, g
	c.result = Result{Case: &c.j.c, Trial: j.trial}
	c.r = &c.result
	if p.traced {
		c.tr = &functions.Trace{}
	}
	return c
}

// reuse readies a finished caseRun for its worker's next case without
// clearing all of it: the fields newCase does not set are set before they
// are read (req and start by task; env, results and errs by afterTask; each
// scorer's result and error by inline; the scores by assemble), but for
// these.
func (c *caseRun) reuse() {
	c.tr, c.replayed = nil, nil
	// afterTask sets "duration" first: alone, it is set again.
	if len(c.metrics) > 1 {
		clear(c.metrics)
	}
}

// spare is c, for its worker's next case, once c is done and nothing still
// holds it; nil when a call of the case may still run: the pipeline's calls
// can outlive their case unless they all run in this process and inline.
func (c *caseRun) spare() *caseRun {
	if !c.p.reusesCases {
		return nil
	}
	return c
}

// ctx is the context of a call of the case that runs in its own goroutine or
// process, under span when the case is traced.
func (c *caseRun) ctx(span string) context.Context {
	return c.traced(c.w.calls, span)
}

// guardedCtx is the context of an in-process call g watches: the guard's,
// cancelled when it gives up on the call.
func (c *caseRun) guardedCtx(g *guard, span string) context.Context {
	return c.traced(g.ctx, span)
}

func (c *caseRun) traced(ctx context.Context, span string) context.Context {
	if c.tr == nil {
		return ctx
	}
	return functions.WithTrace(ctx, c.tr, span)
}

// task runs the task and then the scorers of the case and trial, and hands
// the result to the runner. A panic in any of them is an error on this case,
// not a crash of the run. It reports whether the calling goroutine still
// holds its worker's role.
func (c *caseRun) task() bool {
	cs := &c.j.c
	c.req = functions.Request{Input: cs.Input, Expected: cs.Expected, Metadata: cs.Metadata, Tags: cs.Tags, Parameters: c.p.Parameters, Trial: c.j.trial, Trace: c.tr}
	req := &c.req
	c.start = time.Now()
	rp := c.j.replay
	if rp == nil && c.p.replays != nil {
		rp = c.p.replayOf(cs.ID, c.j.trial)
	}
	if rp != nil {
		c.replayed = rp.agent
		return c.afterTask(rp.output, rp.error())
	}
	if !c.p.taskInProcess {
		ctx := c.ctx("task")
		out, err := protect(func() (any, error) { return c.p.task.Call(ctx, req) })
		return c.afterTask(out, err)
	}
	g, n := c.watch(taskStep)
	ctx := c.guardedCtx(g, "task")
	out, err := protect(func() (any, error) { return c.p.task.Call(ctx, req) })
	if !g.end(n) {
		return false
	}
	return c.afterTask(out, err)
}

// afterTask records the task's answer, starts the slow scorers and runs the
// inline ones.
func (c *caseRun) afterTask(out any, err error) bool {
	r := c.r
	r.Duration = time.Since(c.start)
	if c.metrics == nil {
		c.metrics = make(map[string]float64, 1)
	}
	r.Metrics = c.metrics
	r.Metrics["duration"] = r.Duration.Seconds()
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
	c.env = spec.ScorerEnv{
		Input: cs.Input, Output: out, Expected: cs.Expected, HasExpected: cs.ExpectedPresent(), Metadata: cs.Metadata, Tags: cs.Tags,
		Trial: c.j.trial, Parameters: c.p.Parameters, Metrics: r.Metrics,
		Messages: run.Messages, ToolCalls: run.ToolCalls,
	}
	if n := len(c.p.scorers); n <= len(c.resultsBuf) {
		c.results, c.errs = c.resultsBuf[:n], c.errsBuf[:n]
	} else {
		c.results, c.errs = make([][]scorers.Score, n), make([]error, n)
	}
	for i, s := range c.p.scorers {
		if s.slow {
			c.slow.Add(1)
			go func() {
				defer c.slow.Done()
				ctx := c.ctx(s.name)
				c.results[i], c.errs[i] = protect(func() ([]scorers.Score, error) { return c.p.callScorer(ctx, s, &c.env) })
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
			c.results[i], c.errs[i] = protect(func() ([]scorers.Score, error) { return s.score(ctx, &c.env) })
			continue
		}
		// A built-in given up on by the guard is told so through its
		// context: the long ones watch it and stop computing.
		g, n := c.watch(i)
		ctx := c.guardedCtx(g, s.name)
		res, err := protect(func() ([]scorers.Score, error) { return s.scoreInto(ctx, &c.env, c.slot(i)) })
		if !g.end(n) {
			return false
		}
		c.results[i], c.errs[i] = res, err
	}
	c.slow.Wait()
	c.r.Scores = c.scoresBuf[:0]
	c.p.assemble(c.r, c.results, c.errs)
	return c.done()
}

// slot is where the i-th scorer can append its score without allocating;
// empty beyond the first few scorers.
func (c *caseRun) slot(i int) []scorers.Score {
	if i < len(c.slots) {
		return c.slots[i : i : i+1]
	}
	return nil
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
