//go:build unix

package functions

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWorkerIdleExit checks that a worker that exits on its own between
// calls costs no call an error: 200 calls through workers that recycle
// themselves every 5 answers all succeed, whether the worker is gone before
// the next request or only just after it was written.
func TestWorkerIdleExit(t *testing.T) {
	t.Parallel()
	needPython(t)
	for _, tt := range []struct {
		name  string
		args  []string
		conc  int
		calls int
	}{
		{"exits at once", []string{"5"}, 1, 200},
		{"lingers after its last answer", []string{"5", "linger"}, 1, 100},
		{"several workers", []string{"5"}, 4, 200},
		{"after every answer", []string{"1"}, 2, 40},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := pyExec(t, "worker_recycle.py", true)
			ex.Command = append(ex.Command, tt.args...)
			f := mustNew(t, execBody(ex), Options{Concurrency: tt.conc, Timeout: time.Minute})
			var failed atomic.Int32
			var wg sync.WaitGroup
			for g := range tt.conc {
				wg.Go(func() {
					for i := range tt.calls / tt.conc {
						in := fmt.Sprintf("%d-%d", g, i)
						out, err := call(f, &Request{Input: in})
						if err != nil {
							failed.Add(1)
							t.Errorf("call %s: %v", in, err)
							continue
						}
						if got := out.(map[string]any)["input"]; got != in {
							t.Errorf("call %s got the answer for %v", in, got)
						}
					}
				})
			}
			wg.Wait()
			if n := failed.Load(); n > 0 {
				t.Errorf("%d of %d calls failed, want 0", n, tt.calls)
			}
		})
	}
}

// TestWorkerCrashDuringCall checks that a worker that crashes while it holds a
// call still fails that call, and only once: the call is not sent again.
func TestWorkerCrashDuringCall(t *testing.T) {
	t.Parallel()
	needPython(t)
	f := mustNew(t, execBody(pyExec(t, "worker_crash.py", true)), Options{Concurrency: 1})
	wantErr(t, mustCall(t, f, "a"))
	_, err := call(f, &Request{Input: "crash"})
	wantErr(t, err, "worker exited: exit status 1")
	wantErr(t, mustCall(t, f, "b"))
}

func mustCall(t *testing.T, f Function, in any) error {
	t.Helper()
	_, err := call(f, &Request{Input: in})
	return err
}

// TestWorkerResponseKeys checks that a response key outside the protocol is
// an error naming it, not dropped.
func TestWorkerResponseKeys(t *testing.T) {
	t.Parallel()
	needPython(t)
	tests := []struct {
		name string
		resp map[string]any
		want []string
	}{
		{"output", map[string]any{"output": 1}, nil},
		{"error", map[string]any{"error": "no"}, []string{"worker error: no"}},
		{"a misspelt output", map[string]any{"ouptut": 1}, []string{`worker answered request "1" with an unknown key "ouptut"; did you mean "output"?`, `a response holds "id" and "output" or "error"`}},
		{"an unknown key beside output", map[string]any{"output": 1, "score": 2}, []string{`unknown key "score"`}},
		{"neither output nor error", map[string]any{}, []string{`worker answered request "1" with neither "output" nor "error"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustNew(t, execBody(pyExec(t, "worker_keys.py", true)), Options{Concurrency: 1})
			_, err := call(f, &Request{Input: tt.resp})
			wantErr(t, err, tt.want...)
		})
	}
}
