//go:build unix

package functions

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caliperhq/caliper/spec"
)

// readyLine is what worker_echo.py says on stderr when it starts.
var readyLine = regexp.MustCompile(`worker (\d+) ready`)

// step is one call of a worker test and what it must give.
type step struct {
	input   any
	want    []string // error fragments; none: success
	samePID bool     // served by the worker of the previous successful step
	newPID  bool     // served by a worker that is not the previous one
}

func TestWorker(t *testing.T) {
	t.Parallel()
	needPython(t)
	tests := []struct {
		name      string
		script    string
		maxOutput int64
		timeout   time.Duration
		steps     []step
	}{
		{
			name:   "echo reuses its worker",
			script: "worker_echo.py",
			steps:  []step{{input: "a"}, {input: "b", samePID: true}, {input: map[string]any{"k": []any{1.0}}, samePID: true}},
		},
		{
			name:   "an error response fails only its call",
			script: "worker_echo.py",
			steps:  []step{{input: "a"}, {input: map[string]any{"error": "no answer for that"}, want: []string{"python3 worker_echo.py: worker error: no answer for that"}}, {input: "c", samePID: true}},
		},
		{
			name:   "a crash fails its call and the next starts a new worker",
			script: "worker_crash.py",
			steps: []step{
				{input: "a"},
				{input: "crash", want: []string{"python3 worker_crash.py: worker exited: exit status 1; stderr: crashing on purpose"}},
				{input: "b", newPID: true},
				{input: "c", samePID: true},
			},
		},
		{
			name:   "a crash on the first call",
			script: "worker_crash.py",
			steps:  []step{{input: "crash", want: []string{"worker exited: exit status 1"}}, {input: "b"}},
		},
		{
			name:   "a wrong id restarts the worker",
			script: "worker_wrong_id.py",
			steps: []step{
				{input: "a"},
				{input: "wrong", want: []string{`worker answered request "2" with id "nope"`, "restarted"}},
				{input: "b", newPID: true},
			},
		},
		{
			name:   "a line that is not JSON restarts the worker",
			script: "worker_wrong_id.py",
			steps: []step{
				{input: "a"},
				{input: "text", want: []string{`not a JSON object: "debug: thinking..."`, "write logs to stderr"}},
				{input: "b", newPID: true},
			},
		},
		{
			name:      "a line over max_output restarts the worker",
			script:    "worker_huge.py",
			maxOutput: 1000,
			steps: []step{
				{input: map[string]any{"n": 100}},
				{input: map[string]any{"n": 5000}, want: []string{"output larger than 1000 bytes"}},
				{input: map[string]any{"n": 100}, newPID: true},
			},
		},
		{
			name:      "lines longer than the read buffer",
			script:    "worker_huge.py",
			maxOutput: 4 << 20,
			steps:     []step{{input: map[string]any{"n": 3 << 20}}, {input: map[string]any{"n": 200_000}, samePID: true}},
		},
		{
			name:    "a timeout kills the worker",
			script:  "worker_echo.py",
			timeout: 15 * time.Second, // it includes the worker's start under its guard, slow on a loaded machine
			steps: []step{
				{input: map[string]any{"sleep": 60}, want: []string{"python3 worker_echo.py: timed out after 15s; the worker was killed"}},
				{input: "b"},
				{input: "c", samePID: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := pyExec(t, tt.script, true)
			if tt.maxOutput > 0 {
				ex.MaxOutput = tt.maxOutput
			}
			ex.Timeout = tt.timeout
			stderr := &syncBuffer{}
			f := mustNew(t, execBody(ex), Options{Concurrency: 1, Timeout: time.Minute, Stderr: stderr})
			var pids []int
			last := 0
			for i, s := range tt.steps {
				out, err := call(f, &Request{Input: s.input})
				wantErr(t, err, s.want...)
				if err != nil {
					continue
				}
				pid := pidOf(t, out)
				if s.samePID && pid != last {
					t.Errorf("step %d: served by pid %d, want the previous worker %d", i, pid, last)
				}
				if s.newPID && pid == last {
					t.Errorf("step %d: served by the previous worker %d, want a new one", i, pid)
				}
				last = pid
				pids = append(pids, pid)
			}
			// Workers that were replaced are gone, including those that
			// served no call but said they were ready on stderr.
			for _, m := range readyLine.FindAllStringSubmatch(stderr.String(), -1) {
				pid, _ := strconv.Atoi(m[1])
				pids = append(pids, pid)
			}
			for _, pid := range pids {
				if pid != last {
					waitGone(t, pid, "a replaced worker")
				}
			}
		})
	}
}

func TestWorkerRequest(t *testing.T) {
	t.Parallel()
	needPython(t)
	tests := []struct {
		role string
		req  *Request
		want map[string]any
	}{
		{role: RoleTask, req: &Request{Input: "q", Trial: 3, Output: "x"}, want: map[string]any{"input": "q", "trial": 3.0, "output": nil}},
		{role: RoleScorer, req: &Request{Input: "q", Output: map[string]any{"a": "b"}}, want: map[string]any{"input": "q", "trial": 0.0, "output": map[string]any{"a": "b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			t.Parallel()
			f := mustNew(t, execBody(pyExec(t, "worker_echo.py", true)), Options{Role: tt.role})
			out, err := call(f, tt.req)
			wantErr(t, err)
			got := out.(map[string]any)
			delete(got, "pid")
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("worker saw %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestWorkerConcurrency runs many parallel calls and checks that no more than
// Concurrency workers ever served them.
func TestWorkerConcurrency(t *testing.T) {
	t.Parallel()
	needPython(t)
	for _, conc := range []int{1, 3} {
		t.Run(fmt.Sprint(conc), func(t *testing.T) {
			t.Parallel()
			stderr := &syncBuffer{}
			f := mustNew(t, execBody(pyExec(t, "worker_echo.py", true)), Options{Concurrency: conc, Stderr: stderr})
			var mu sync.Mutex
			pids := map[int]int{}
			var wg sync.WaitGroup
			for g := range 16 {
				wg.Go(func() {
					for i := range 50 {
						out, err := call(f, &Request{Input: fmt.Sprintf("%d-%d", g, i)})
						if err != nil {
							t.Error(err)
							return
						}
						if in := out.(map[string]any)["input"]; in != fmt.Sprintf("%d-%d", g, i) {
							t.Errorf("call %d-%d got the answer for %v", g, i, in)
						}
						mu.Lock()
						pids[pidOf(t, out)]++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(pids) == 0 || len(pids) > conc {
				t.Fatalf("%d workers served the calls (%v), want 1 to %d", len(pids), pids, conc)
			}
			if n := strings.Count(stderr.String(), "ready"); n != len(pids) {
				t.Fatalf("%d workers started, %d served: %q", n, len(pids), stderr.String())
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			for pid := range pids {
				waitGone(t, pid, "a worker after Close")
			}
		})
	}
}

func TestWorkerClose(t *testing.T) {
	t.Parallel()
	needPython(t)
	f := mustNew(t, execBody(pyExec(t, "worker_echo.py", true)), Options{Concurrency: 2})
	out, err := call(f, &Request{Input: "a"})
	wantErr(t, err)
	idle := pidOf(t, out)

	busy := make(chan error, 1)
	go func() {
		_, err := call(f, &Request{Input: map[string]any{"sleep": 30}})
		busy <- err
	}()
	time.Sleep(300 * time.Millisecond) // let the call reach a worker
	start := time.Now()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %s", d)
	}
	select {
	case err := <-busy:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("the call in flight got %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the call in flight did not return after Close")
	}
	waitGone(t, idle, "the idle worker")
	if _, err := call(f, &Request{Input: "b"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after Close: %v, want ErrClosed", err)
	}
}

func TestWorkerWaitsForASlot(t *testing.T) {
	t.Parallel()
	needPython(t)
	f := mustNew(t, execBody(pyExec(t, "worker_echo.py", true)), Options{Concurrency: 1})
	go func() { _, _ = call(f, &Request{Input: map[string]any{"sleep": 2}}) }()
	time.Sleep(300 * time.Millisecond)
	ctx, cancel := context.WithTimeoutCause(context.Background(), 200*time.Millisecond, &TimeoutError{After: 200 * time.Millisecond})
	defer cancel()
	_, err := f.Call(ctx, &Request{Input: "b"})
	wantErr(t, err, "timed out after 200ms")
}

func TestWorkerStartErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ex   spec.Exec
		want []string
	}{
		{name: "missing program", ex: spec.Exec{Command: []string{"no-such-worker-caliper"}, Worker: true}, want: []string{"starting:", "executable file not found"}},
		{name: "exits at once", ex: spec.Exec{Command: []string{"sh", "-c", "echo 'cannot start' >&2; exit 2"}, Worker: true}, want: []string{"worker exited: exit status 2; stderr: cannot start"}},
		{name: "closes stdout", ex: spec.Exec{Command: []string{"sh", "-c", "exec >&-; sleep 30"}, Worker: true}, want: []string{"worker closed its stdin or stdout without exiting"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustNew(t, execBody(&tt.ex), Options{})
			_, err := call(f, &Request{Input: "x"})
			wantErr(t, err, tt.want...)
		})
	}
}

// BenchmarkPythonWorker measures calls per second through a pool of Python
// workers (testdata/worker_bench.py) with parallel callers.
func BenchmarkPythonWorker(b *testing.B) {
	needPython(b)
	for _, conc := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", conc), func(b *testing.B) {
			f, err := New(execBody(pyExec(b, "worker_bench.py", true)), Options{Concurrency: conc, Timeout: 10 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			var wg sync.WaitGroup
			for range conc { // start every worker before timing
				wg.Go(func() { _, _ = call(f, &Request{Input: "warm"}) })
			}
			wg.Wait()
			b.SetParallelism(max(1, 2*conc/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				req := &Request{Input: map[string]any{"question": "what is 2+2?"}, Trial: 1}
				for pb.Next() {
					if _, err := call(f, req); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
		})
	}
}
