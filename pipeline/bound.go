package pipeline

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
)

// callScorer runs one slow scorer in its own goroutine, bounding an
// in-process one (a scorer function whose body is an expression) by the
// eval's timeout and by ctx. Inline scorers are guarded by caseRun.watch.
func (p *Pipeline) callScorer(ctx context.Context, s scorerRunner, env *spec.ScorerEnv) ([]scorers.Score, error) {
	if !s.inProcess {
		return s.score(ctx, env)
	}
	return bounded(ctx, p.Timeout, func(ctx context.Context) ([]scorers.Score, error) { return s.score(ctx, env) })
}

// bounded runs call in a goroutine and returns its answer, or the cause of ctx
// once ctx is done or timeout (when positive) has passed, whichever comes
// first: a *functions.TimeoutError or the abort's cancellation. A call given
// up on runs to its end in the background, its answer dropped; CPU work in Go
// cannot be stopped from outside, and the process ends it when it exits.
func bounded[T any](ctx context.Context, timeout time.Duration, call func(context.Context) (T, error)) (T, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, &functions.TimeoutError{After: timeout})
		defer cancel()
	}
	type answer struct {
		v   T
		err error
	}
	done := make(chan answer, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- answer{err: fmt.Errorf("internal error: %v\n%s", v, debug.Stack())}
			}
		}()
		v, err := call(ctx)
		done <- answer{v, err}
	}()
	select {
	case a := <-done:
		return a.v, a.err
	case <-ctx.Done():
		var zero T
		return zero, context.Cause(ctx)
	}
}

// protect calls call, turning a panic into an error on this call.
func protect[T any](call func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v\n%s", p, debug.Stack())
		}
	}()
	return call()
}
