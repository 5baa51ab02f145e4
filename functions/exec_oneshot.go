package functions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caliperhq/caliper/spec"
)

// oneShot runs its program once per call: the request as JSON on stdin, the
// output on stdout. The program is isolated (on Linux under a guard, see
// guard_linux.go; elsewhere in its own process group), and killGroup ends it
// and what it started when the call times out or is cancelled, and when the
// call ends, so nothing a call started outlives it.
type oneShot struct {
	prog   *program
	slots  chan struct{} // one per process running
	closed atomic.Bool
}

func newOneShot(ex *spec.Exec, opts Options) (*oneShot, error) {
	prog, err := newProgram(ex, opts)
	if err != nil {
		return nil, err
	}
	return &oneShot{prog: prog, slots: make(chan struct{}, opts.Concurrency)}, nil
}

// Call runs the program for req; at most Options.Concurrency run at once.
func (f *oneShot) Call(ctx context.Context, req *Request) (any, error) {
	if f.closed.Load() {
		return nil, ErrClosed
	}
	p := f.prog
	in, err := p.encodeRequest(req)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, p.timeout)
	defer cancel()
	select {
	case f.slots <- struct{}{}:
		defer func() { <-f.slots }()
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", p.name, context.Cause(ctx))
	}

	cmd, stderr := p.command()
	out := &capWriter{max: p.maxOutput}
	out.onFull = func() { killGroup(cmd.Process) }
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stdout = out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, p.startError(err)
	}
	stop := context.AfterFunc(ctx, func() { killGroup(cmd.Process) })
	err = cmd.Wait()
	stop()
	killGroup(cmd.Process) // whatever it left running
	stderr.flush()

	switch {
	case out.full():
		return nil, fmt.Errorf("%s: output larger than %d bytes: raise exec.max_output or write less", p.name, p.maxOutput)
	case err == nil:
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%s: %w", p.name, context.Cause(ctx))
	case errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState.Success():
		// It exited cleanly, but left a process holding its stdout or stderr.
	default:
		return nil, fmt.Errorf("%s: %w%s", p.name, err, stderr.suffix())
	}
	v := decodeOutput(out.buf.Bytes())
	if m, ok := isAnswer(v); ok && p.role == RoleTask {
		ans, err := takeAnswer(ctx, req, m, start)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		return ans, nil
	}
	return v, nil
}

// Close makes later calls fail; calls in flight finish.
func (f *oneShot) Close() error {
	f.closed.Store(true)
	return nil
}

// capWriter keeps up to max bytes; past that it calls onFull once and
// discards the rest.
type capWriter struct {
	max    int64
	onFull func()

	mu   sync.Mutex
	buf  bytes.Buffer
	over bool
}

func (w *capWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.over {
		return len(p), nil
	}
	if int64(w.buf.Len())+int64(len(p)) > w.max {
		w.over = true
		w.onFull()
		return len(p), nil
	}
	w.buf.Write(p)
	return len(p), nil
}

func (w *capWriter) full() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.over
}
