// Command caliper compiles eval files into a pipeline, runs it, logs every case as
// an experiment and gates CI on the results.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(Execute(NewOSState(), os.Args[1:]))
}

// abortKey marks the context whose cancellation aborts calls in flight.
type abortKey struct{}

// interruptible returns a context cancelled by the first SIGINT or SIGTERM (stop
// starting new work) carrying an abort context cancelled by the second (stop the
// work in flight).
func interruptible(st *State) (context.Context, func()) {
	abort, cancelAbort := context.WithCancel(context.Background())
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), abortKey{}, abort))
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		if _, ok := <-sigs; !ok {
			return
		}
		fmt.Fprintln(st.Stderr, "\ninterrupted: finishing the cases in flight and saving (Ctrl-C again to abort them)")
		cancel()
		if _, ok := <-sigs; ok {
			cancelAbort()
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(sigs)
		cancel()
		cancelAbort()
	}
}
