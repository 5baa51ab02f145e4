package pipeline

import (
	"context"
	"sync"
	"sync/atomic"
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
func (c *caseRun) watch(step int) (*guard, uint64) {
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
// one timer, one abort callback and one context for them all. Beginning and
// ending a call is two atomic operations and reads no clock: the timer, while
// calls run, ticks every Timeout/timeoutTicks and gives up on a call it has
// seen running for a whole Timeout, so a call is given up on at most
// 2·Timeout/timeoutTicks after its time is up.
type guard struct {
	w *runner
	// ctx is the guarded calls': cancelled when the guard gives up on one,
	// so that the long built-ins stop computing.
	ctx    context.Context
	giveUp context.CancelCauseFunc
	// state is the count of calls begun, shifted left by two, with
	// callRunning and guardAbandoned.
	state     atomic.Uint64
	c         atomic.Pointer[caseRun] // of the running call
	step      atomic.Int64            // of the running call
	armed     atomic.Bool             // the timer will tick
	timer     *time.Timer
	stopAbort func() bool

	ticking sync.Mutex // the timer's: what it saw at its last ticks
	seen    uint64     // the call running at seenAt, shifted as in state
	seenAt  time.Time
}

const (
	callRunning    = 1
	guardAbandoned = 2 // the running call was given up on: the guard is done
	stateFlags     = callRunning | guardAbandoned
	oneCall        = 4 // one call begun, in state
	// timeoutTicks is how many times a guard's timer ticks in a Timeout.
	timeoutTicks = 32
)

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

// begin marks the start of the call at step of c; only the goroutine that
// holds the worker's role calls it, and end after it.
func (g *guard) begin(c *caseRun, step int) uint64 {
	g.c.Store(c)
	g.step.Store(int64(step))
	n := g.state.Load()&^stateFlags + oneCall
	g.state.Store(n | callRunning)
	if g.timer != nil && g.armed.CompareAndSwap(false, true) {
		g.timer.Reset(g.w.p.Timeout / timeoutTicks)
	}
	return n
}

// end marks the end of call n; false when the guard gave up on it.
func (g *guard) end(n uint64) bool {
	return g.state.CompareAndSwap(n|callRunning, n)
}

// tick is the timer's: while calls run it ticks again, and gives up on a
// call it has seen running for a whole Timeout; between calls it stops,
// and the next call arms it again.
func (g *guard) tick(cause error) {
	g.ticking.Lock()
	defer g.ticking.Unlock()
	s := g.state.Load()
	if s&guardAbandoned != 0 {
		return
	}
	if s&callRunning == 0 {
		g.armed.Store(false)
		// A call that began since the load above saw the timer armed.
		if s = g.state.Load(); s&callRunning == 0 || !g.armed.CompareAndSwap(false, true) {
			return
		}
	}
	now := time.Now()
	if s != g.seen {
		g.seen, g.seenAt = s, now
	} else if now.Sub(g.seenAt) >= g.w.p.Timeout {
		g.abandon(s, cause)
		return
	}
	g.timer.Reset(g.w.p.Timeout / timeoutTicks)
}

// fire gives up on the running call, if any.
func (g *guard) fire(cause error) {
	if s := g.state.Load(); s&callRunning != 0 {
		g.abandon(s, cause)
	}
}

// abandon gives up on the call running in state s, unless it has ended: its
// context is cancelled and a new goroutine takes its case over.
func (g *guard) abandon(s uint64, cause error) {
	if !g.state.CompareAndSwap(s, s&^callRunning|guardAbandoned) {
		return
	}
	g.giveUp(cause)
	c, step := g.c.Load(), int(g.step.Load())
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
