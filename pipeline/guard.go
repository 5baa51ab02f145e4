package pipeline

import (
	"context"
	"sync"
	"time"

	"github.com/caliperhq/caliper/functions"
)

// taskStep is the step of a guarded task call; a guarded scorer's step is
// its index in Pipeline.scorers.
const taskStep = -1

// watch guards one in-process call of the case: the task (taskStep) or the
// scorer at index step. If the call is still running when the eval's timeout
// passes or calls are cancelled, the guard's context is cancelled, with a
// *functions.TimeoutError or the abort's cause, and the case passes to a new
// goroutine, with a worker's role and guard of its own: it goes on after the
// step (see caseRun.resume), then with the worker's loop. The call's
// goroutine, once the call returns, finds that g.end(n) is false and stops.
// The call runs to its end in the background, its answer dropped; the
// process ends it when it exits.
func (c *caseRun) watch(step int) (*guard, int) {
	g := c.guard
	return g, g.begin(c, step)
}

// resume goes on with a case whose step was given up on, with cause as the
// step's error.
func (c *caseRun) resume(step int, cause error) bool {
	if step == taskStep {
		return c.afterTask(nil, cause)
	}
	c.errs[step] = cause
	return c.inline(step + 1)
}

// guard watches the in-process calls of one worker, one after the other, with
// one timer, one abort callback and one context for them all.
type guard struct {
	w *runner
	// ctx is the guarded calls': cancelled when the guard gives up on one,
	// so that the long built-ins stop computing.
	ctx       context.Context
	giveUp    context.CancelCauseFunc
	mu        sync.Mutex
	n         int // counts the calls begun
	running   bool
	abandoned bool      // the running call was given up on: the guard is done
	deadline  time.Time // of the running call
	armed     bool      // the timer will tick
	c         *caseRun
	step      int // of the running call
	timer     *time.Timer
	stopAbort func() bool
}

// newGuard is the guard of a worker's role.
func newGuard(w *runner) *guard {
	g := &guard{w: w}
	g.ctx, g.giveUp = context.WithCancelCause(w.calls)
	if d := w.p.Timeout; d > 0 {
		g.timer = time.AfterFunc(d, func() { g.tick(&functions.TimeoutError{After: d}) })
		g.timer.Stop()
	}
	g.stopAbort = context.AfterFunc(w.calls, func() { g.fire(context.Cause(w.calls)) })
	return g
}

func (g *guard) begin(c *caseRun, step int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n++
	g.running, g.c, g.step = true, c, step
	if g.timer != nil {
		d := g.w.p.Timeout
		g.deadline = time.Now().Add(d)
		if !g.armed {
			g.armed = true
			g.timer.Reset(d)
		}
	}
	return g.n
}

func (g *guard) end(n int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.abandoned || n != g.n {
		return false
	}
	g.running, g.c = false, nil
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

// abandon gives up on the running call, with g.mu held: its context is
// cancelled and a new goroutine takes its case over.
func (g *guard) abandon(cause error) {
	g.running, g.abandoned = false, true
	g.giveUp(cause)
	c, step := g.c, g.step
	go func() {
		g.stop()
		c.guard = newGuard(g.w)
		if c.resume(step, cause) {
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
	g.giveUp(nil)
}
