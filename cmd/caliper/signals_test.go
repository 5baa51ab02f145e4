package main

import (
	"context"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fakeSignals is a State's signal source that a test drives.
type fakeSignals struct {
	c            chan os.Signal
	mu           sync.Mutex
	unsubscribed bool
}

func (f *fakeSignals) subscribe() (<-chan os.Signal, func()) {
	return f.c, func() { f.mu.Lock(); f.unsubscribed = true; f.mu.Unlock() }
}

// syncBuffer is a strings.Builder safe for the watcher goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func signalState(grace time.Duration) (*State, *fakeSignals, *syncBuffer, chan int) {
	sigs := &fakeSignals{c: make(chan os.Signal)}
	var stderr syncBuffer
	exits := make(chan int, 1)
	st := &State{Stderr: &stderr, Signals: sigs.subscribe, Exit: func(code int) { exits <- code }, AbortGrace: grace}
	return st, sigs, &stderr, exits
}

// TestSignalsStopThenAbortThenExit walks the three stages with SIGTERM and
// SIGINT mixed: stop issuing, abort the calls in flight, exit at once.
func TestSignalsStopThenAbortThenExit(t *testing.T) {
	t.Parallel()
	st, sigs, stderr, exits := signalState(time.Hour)
	ctx, stop := interruptible(st)
	abort := abortOf(ctx)

	sigs.c <- syscall.SIGTERM
	<-ctx.Done()
	if abort.Err() != nil {
		t.Fatal("the first signal must not abort the calls in flight")
	}
	sigs.c <- os.Interrupt
	<-abort.Done()
	select {
	case code := <-exits:
		t.Fatalf("the second signal exited (%d): it must only abort", code)
	default:
	}
	sigs.c <- syscall.SIGTERM
	if code := <-exits; code != ExitRun {
		t.Errorf("the third signal exited with %d, want %d", code, ExitRun)
	}
	stop()
	out := stderr.String()
	for _, want := range []string{"interrupted (terminated): finishing the cases in flight", "again: aborting the cases in flight", "a third time: exiting now", "--resume"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	sigs.mu.Lock()
	defer sigs.mu.Unlock()
	if !sigs.unsubscribed {
		t.Error("stop must unsubscribe from the signals")
	}
}

// TestSignalsGraceAfterTheSecond: work that ignores the abort is not waited
// for past the grace period.
func TestSignalsGraceAfterTheSecond(t *testing.T) {
	t.Parallel()
	st, sigs, stderr, exits := signalState(time.Millisecond)
	_, stop := interruptible(st)
	defer stop()
	sigs.c <- os.Interrupt
	sigs.c <- os.Interrupt
	if code := <-exits; code != ExitRun {
		t.Errorf("exit %d after the grace period, want %d", code, ExitRun)
	}
	if !strings.Contains(stderr.String(), "did not stop within 1ms of the second signal") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// TestNoSignalsWithoutASource: a State without Signals (tests) still gets
// contexts, cancelled by stop.
func TestNoSignalsWithoutASource(t *testing.T) {
	t.Parallel()
	ctx, stop := interruptible(&State{})
	if ctx.Err() != nil || abortOf(ctx) == nil {
		t.Fatal("want live run and abort contexts")
	}
	stop()
	if ctx.Err() != context.Canceled || abortOf(ctx).Err() != context.Canceled {
		t.Error("stop must cancel both contexts")
	}
}
