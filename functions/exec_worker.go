package functions

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caliperhq/caliper/spec"
)

// graceTime is how long Close lets a worker exit on its own once its stdin is
// closed, before killing its process group.
const graceTime = time.Second

// errLineTooLong is returned by readLine for a line longer than its limit.
var errLineTooLong = errors.New("line too long")

// workerPool runs its program as long-lived workers speaking JSON Lines: one
// request line {"id": "...", ...Request fields} on stdin, one response line
// {"id": "...", "output": ...} or {"id": "...", "error": "..."} on stdout.
//
// Up to Options.Concurrency workers are started lazily, each serving one call
// at a time: a call takes an idle worker, or starts one when fewer exist, or
// waits. A worker that exits, answers another id, writes a line that is not
// JSON or more than exec.max_output bytes, or runs out of time, is killed with
// its process group; its call gets the error and the next call starts a fresh
// one. A {"error": ...} response, or one with a key other than id, output and
// error, fails only its call. A worker that exits between calls (one that
// recycles itself) fails none: a request it never took goes to another.
//
// Workers start with PYTHONUNBUFFERED=1 unless the environment sets it, so
// that a Python worker's print() reaches caliper without an explicit flush.
type workerPool struct {
	prog  *program
	seq   atomic.Uint64
	slots chan struct{} // one token per live process
	idle  chan *worker
	done  chan struct{} // closed by Close

	mu     sync.Mutex
	closed bool
	live   map[*worker]struct{}
	wg     sync.WaitGroup // one per live worker
}

// worker is one process of a pool.
type worker struct {
	cmd     *exec.Cmd
	stdin   *os.File
	stdout  *os.File
	r       *bufio.Reader
	stderr  *stderrTail
	exited  chan struct{} // closed once the process has been waited for
	retired sync.Once
}

func newWorkerPool(ex *spec.Exec, opts Options) (*workerPool, error) {
	prog, err := newProgram(ex, opts)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(prog.env, func(kv string) bool { return strings.HasPrefix(kv, "PYTHONUNBUFFERED=") }) {
		prog.env = append([]string{"PYTHONUNBUFFERED=1"}, prog.env...)
	}
	return &workerPool{
		prog:  prog,
		slots: make(chan struct{}, opts.Concurrency),
		idle:  make(chan *worker, opts.Concurrency),
		done:  make(chan struct{}),
		live:  make(map[*worker]struct{}),
	}, nil
}

// Call sends req to a worker and waits for its response.
func (p *workerPool) Call(ctx context.Context, req *Request) (any, error) {
	body, err := p.prog.encodeRequest(req)
	if err != nil {
		return nil, err
	}
	id := strconv.FormatUint(p.seq.Add(1), 10)
	// The request always encodes "input" first, so body is never "{}".
	line := make([]byte, 0, len(body)+len(id)+10)
	line = append(append(append(line, `{"id":"`...), id...), `",`...)
	line = append(append(line, body[1:]...), '\n')

	if ctx.Err() != nil { // do not kill a worker for a call that is already over
		return nil, fmt.Errorf("%s: %w", p.prog.name, context.Cause(ctx))
	}
	ctx, cancel := withTimeout(ctx, p.prog.timeout)
	defer cancel()
	// A worker that exited before it took the request, as a worker that
	// recycles itself does, did not fail the call: another worker gets it.
	// Each such worker is retired, and at most cap(p.slots) can be idle, so
	// past that many tries the request reaches a worker started for it.
	start := time.Now()
	out, err := p.send(ctx, id, line)
	var nt *notTakenError
	for try := 0; errors.As(err, &nt) && try < cap(p.slots); try++ {
		out, err = p.send(ctx, id, line)
	}
	if errors.As(err, &nt) {
		err = nt.err
	}
	if err == nil && p.prog.role == RoleTask {
		out, err = takeAnswer(ctx, req, out.(map[string]any), start)
		if err != nil {
			err = fmt.Errorf("request %q: %w", id, err)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.prog.name, err)
	}
	return out, nil
}

// send hands one request line to a worker and returns its answer.
func (p *workerPool) send(ctx context.Context, id string, line []byte) (any, error) {
	w, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	out, keep, err := p.roundTrip(ctx, w, id, line)
	if keep {
		p.release(w)
	} else {
		p.retire(w, 0)
	}
	return out, err
}

// notTakenError is a request that its worker never took: the worker was gone
// before it read the request, or it exited cleanly without answering. The
// request can be sent to another worker.
type notTakenError struct{ err error }

func (e *notTakenError) Error() string { return e.err.Error() }
func (e *notTakenError) Unwrap() error { return e.err }

// roundTrip writes one request line to w and reads its response. keep says
// whether w can serve another call.
func (p *workerPool) roundTrip(ctx context.Context, w *worker, id string, line []byte) (out any, keep bool, err error) {
	stop := context.AfterFunc(ctx, w.interrupt)
	_, writeErr := w.stdin.Write(line)
	err = writeErr
	var resp []byte
	if err == nil {
		for {
			resp, err = readLine(w.r, p.prog.maxOutput)
			if err != nil || len(bytes.TrimSpace(resp)) > 0 {
				break
			}
		}
	}
	interrupted := !stop()
	switch {
	case interrupted:
		return nil, false, fmt.Errorf("%w; the worker was killed and the next call starts a new one", context.Cause(ctx))
	case err != nil && p.isClosed():
		return nil, false, ErrClosed
	case errors.Is(err, errLineTooLong):
		return nil, false, fmt.Errorf("output larger than %d bytes: raise exec.max_output or answer with less; the worker was restarted", p.prog.maxOutput)
	case err != nil:
		exitErr := w.exitError()
		answered := len(bytes.TrimSpace(resp)) > 0
		if !answered && w.neverTook(writeErr != nil, len(line)) {
			return nil, false, &notTakenError{err: exitErr}
		}
		return nil, false, exitErr
	}

	var r map[string]json.RawMessage
	if json.Unmarshal(resp, &r) != nil || r == nil {
		return nil, false, fmt.Errorf("worker wrote a line that is not a JSON object: %q: stdout is for responses only, write logs to stderr; the worker was restarted", snippet(p.prog.mask, bytes.TrimSpace(resp), 200))
	}
	rawID, ok := r["id"]
	if !ok {
		return nil, false, fmt.Errorf(`worker answered request %q without an "id": echo the request's id in its response; the worker was restarted`, id)
	}
	if got := ""; json.Unmarshal(rawID, &got) != nil || got != id {
		return nil, false, fmt.Errorf(`worker answered request %q with id %s: answer each request, in order, with its own id; the worker was restarted`, id, snippet(p.prog.mask, rawID, 100))
	}
	// The worker is in step: a bad answer fails its call only.
	if err := checkResponseKeys(r, id, p.prog.role); err != nil {
		return nil, true, err
	}
	if e, ok := r["error"]; ok && string(e) != "null" {
		var msg string
		if json.Unmarshal(e, &msg) != nil {
			msg = string(e)
		}
		return nil, true, fmt.Errorf("worker error: %s", msg)
	}
	rawOut, ok := r["output"]
	if !ok {
		return nil, true, fmt.Errorf(`worker answered request %q with neither "output" nor "error": answer {"id": ..., "output": ...} or {"id": ..., "error": "..."}`, id)
	}
	var ans any
	if err := json.Unmarshal(rawOut, &ans); err != nil {
		return nil, true, fmt.Errorf("worker answered request %q with an output that cannot be read: %w", id, err)
	}
	if p.prog.role != RoleTask {
		return ans, true, nil
	}
	// A task's line is its answer object: the output and what it reports.
	answer := map[string]any{keyOutput: ans}
	for _, k := range answerKeys[1:] {
		if raw, ok := r[k]; ok {
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, true, fmt.Errorf("worker answered request %q with a %q that cannot be read: %w", id, k, err)
			}
			answer[k] = v
		}
	}
	return answer, true, nil
}

// responseKeys are the keys a worker response may hold; a task's may also
// hold the keys of an answer object (metadata, metrics, tags, spans).
var responseKeys = []string{"id", "output", "error"}

// checkResponseKeys rejects a response key outside the protocol, such as a
// misspelt "ouptut", which would otherwise be dropped silently.
func checkResponseKeys(r map[string]json.RawMessage, id, role string) error {
	allowed, holds := responseKeys, `"id" and "output" or "error", nothing else`
	if role == RoleTask {
		allowed = append(slices.Clone(responseKeys), answerKeys[1:]...)
		holds = `"id" and "output" or "error", and optionally "metadata", "metrics", "tags" and "spans"`
	}
	var unknown []string
	for k := range r {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	hint := ""
	if s := spec.Suggest(unknown[0], allowed); s != "" {
		hint = fmt.Sprintf("; did you mean %q?", s)
	}
	return fmt.Errorf(`worker answered request %q with an unknown key %q%s: a response holds %s`, id, unknown[0], hint, holds)
}

// acquire returns an idle live worker, or starts one when fewer than
// Concurrency exist, or waits for one.
func (p *workerPool) acquire(ctx context.Context) (*worker, error) {
	for {
		var w *worker
		select {
		case <-p.done:
			return nil, ErrClosed
		case w = <-p.idle:
		default:
			select {
			case w = <-p.idle:
			case p.slots <- struct{}{}:
				w, err := p.start()
				if err != nil {
					<-p.slots
					return nil, err
				}
				return w, nil
			case <-ctx.Done():
				return nil, context.Cause(ctx)
			case <-p.done:
				return nil, ErrClosed
			}
		}
		if w.alive() {
			return w, nil
		}
		p.retire(w, 0) // it died while idle
	}
}

// start starts a worker; the caller holds a slot for it.
func (p *workerPool) start() (*worker, error) {
	if p.isClosed() {
		return nil, ErrClosed
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("starting worker: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("starting worker: %w", err)
	}
	cmd, stderr := p.prog.command()
	cmd.Stdin, cmd.Stdout = inR, outW
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, p.prog.startError(err)
	}
	w := &worker{
		cmd: cmd, stdin: inW, stdout: outR, r: bufio.NewReaderSize(outR, 64<<10),
		stderr: stderr, exited: make(chan struct{}),
	}
	go func() {
		_ = cmd.Wait()
		close(w.exited)
	}()

	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		w.stop(0)
		return nil, ErrClosed
	}
	p.live[w] = struct{}{}
	p.wg.Add(1)
	return w, nil
}

// release returns a healthy worker to the idle pool.
func (p *workerPool) release(w *worker) {
	p.mu.Lock()
	if !p.closed {
		p.idle <- w // never blocks: there are at most cap(p.idle) workers
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	p.retire(w, 0)
}

// retire stops w, once, and frees its slot.
func (p *workerPool) retire(w *worker, grace time.Duration) {
	w.retired.Do(func() {
		w.stop(grace)
		p.mu.Lock()
		delete(p.live, w)
		p.mu.Unlock()
		<-p.slots
		p.wg.Done()
	})
}

func (p *workerPool) isClosed() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Close stops every worker: it closes their stdin, gives them a second to
// exit, kills their process groups and waits for them. Calls in flight fail
// with ErrClosed unless their worker answers first.
func (p *workerPool) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.done)
	}
	ws := slices.Collect(maps.Keys(p.live))
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() { p.retire(w, graceTime) })
	}
	wg.Wait()
	p.wg.Wait()
	return nil
}

// alive reports whether w's process is still running.
func (w *worker) alive() bool {
	select {
	case <-w.exited:
		return false
	default:
		return true
	}
}

// interrupt kills w's process group and unblocks a call reading or writing.
func (w *worker) interrupt() {
	killGroup(w.cmd.Process)
	now := time.Now()
	_ = w.stdout.SetReadDeadline(now)
	_ = w.stdin.SetWriteDeadline(now)
}

// stop closes w's stdin, waits up to grace for it to exit, kills its process
// group (and anything it left running) and waits for it.
func (w *worker) stop(grace time.Duration) {
	_ = w.stdin.Close()
	if grace > 0 {
		t := time.NewTimer(grace)
		select {
		case <-w.exited:
		case <-t.C:
		}
		t.Stop()
	}
	killGroup(w.cmd.Process)
	<-w.exited
	_ = w.stdout.Close()
	w.stderr.flush()
}

// exitError explains a worker that stopped answering: it exited, or closed its
// stdout or stdin and is killed.
func (w *worker) exitError() error {
	t := time.NewTimer(graceTime)
	defer t.Stop()
	select {
	case <-w.exited:
	case <-t.C:
		killGroup(w.cmd.Process)
		<-w.exited
		return fmt.Errorf("worker closed its stdin or stdout without exiting; it was killed%s", w.stderr.suffix())
	}
	return fmt.Errorf("worker exited: %s%s", w.cmd.ProcessState, w.stderr.suffix())
}

// neverTook reports whether w, which stopped without answering, can be said
// not to have taken the request of n bytes: writing it failed, the request
// is still unread in w's stdin, or w exited cleanly (status 0), as a worker
// does that recycles itself. A worker that crashes holding a request (any
// other exit, with the request read) took it.
func (w *worker) neverTook(writeFailed bool, n int) bool {
	if writeFailed {
		return true
	}
	if unread, ok := pipeUnread(w.stdin); ok && unread >= n {
		return true
	}
	st := w.cmd.ProcessState
	return st != nil && st.Exited() && st.ExitCode() == 0
}

// readLine reads one line, without its newline, failing with errLineTooLong
// when it is longer than limit bytes. The line is valid until the next read.
// On another error it returns the bytes of the unfinished line with it.
func readLine(r *bufio.Reader, limit int64) ([]byte, error) {
	var long []byte
	for {
		frag, err := r.ReadSlice('\n')
		switch {
		case err == nil:
			line := frag
			if long != nil {
				line = append(long, frag...)
			}
			line = line[:len(line)-1]
			if int64(len(line)) > limit {
				return nil, errLineTooLong
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			long = append(long, frag...)
			if int64(len(long)) > limit {
				return nil, errLineTooLong
			}
		default:
			return append(long, frag...), err // what came before the end, if anything
		}
	}
}
