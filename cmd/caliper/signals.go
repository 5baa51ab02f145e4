package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/caliperhq/caliper/internal/exitcode"
)

// abortKey marks the context whose cancellation aborts calls in flight.
type abortKey struct{}

// abortOf returns the abort context interruptible put in ctx, or nil.
func abortOf(ctx context.Context) context.Context {
	abort, _ := ctx.Value(abortKey{}).(context.Context)
	return abort
}

// interruptible returns a context cancelled by the first SIGINT or SIGTERM
// (stop starting new work) carrying an abort context cancelled by the second
// (stop the work in flight). A third signal, or work that outlives the grace
// period after the second, ends the process at once through st.Exit.
func interruptible(st *State) (context.Context, func()) {
	abort, cancelAbort := context.WithCancel(context.Background())
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), abortKey{}, abort))
	if st.Signals == nil {
		return ctx, func() { cancel(); cancelAbort() }
	}
	sigs, unsubscribe := st.Signals()
	done := make(chan struct{})
	go watchSignals(st, sigs, done, cancel, cancelAbort)
	return ctx, func() {
		close(done)
		unsubscribe()
		cancel()
		cancelAbort()
	}
}

func watchSignals(st *State, sigs <-chan os.Signal, done <-chan struct{}, stop, abort func()) {
	grace := st.AbortGrace
	if grace <= 0 {
		grace = defaultAbortGrace
	}
	var overdue <-chan time.Time
	for n := 1; ; n++ {
		select {
		case <-done:
			return
		case <-overdue:
			exitNow(st, fmt.Sprintf("the work in flight did not stop within %s of the second signal", grace))
			return
		case s := <-sigs:
			switch n {
			case 1:
				fmt.Fprintf(st.Stderr, "\n%s: finishing the cases in flight and saving (Ctrl-C again to abort them)\n", name(s))
				stop()
			case 2:
				fmt.Fprintf(st.Stderr, "\n%s again: aborting the cases in flight (once more to exit at once)\n", name(s))
				abort()
				overdue = time.After(grace)
			default:
				exitNow(st, fmt.Sprintf("%s a third time", name(s)))
				return
			}
		}
	}
}

// exitNow ends the process without waiting for anything.
func exitNow(st *State, why string) {
	fmt.Fprintf(st.Stderr, "\ncaliper: %s: exiting now; the rows stored so far are kept: run again with --resume to finish\n", why)
	if st.Exit != nil {
		st.Exit(exitcode.Run)
	}
}

func name(s os.Signal) string {
	if s == nil {
		return "interrupted"
	}
	return "interrupted (" + s.String() + ")"
}
