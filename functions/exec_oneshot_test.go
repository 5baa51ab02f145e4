//go:build unix

package functions

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caliperhq/caliper/spec"
)

func TestOneShotOutput(t *testing.T) {
	t.Parallel()
	needPython(t)
	tests := []struct {
		name string
		role string
		req  *Request
		want any
	}{
		{
			name: "json echo",
			req:  &Request{Input: map[string]any{"a": 1}, Expected: "x", Trial: 2, Parameters: map[string]any{"m": "gpt"}},
			want: map[string]any{"input": map[string]any{"a": 1.0}, "expected": "x", "metadata": nil, "trial": 2.0, "parameters": map[string]any{"m": "gpt"}},
		},
		{
			name: "task request has no output",
			req:  &Request{Input: "q", Output: "leaked"},
			want: map[string]any{"input": "q", "expected": nil, "metadata": nil, "parameters": nil, "trial": 0.0},
		},
		{
			name: "scorer request has the output",
			role: RoleScorer,
			req:  &Request{Input: "q", Output: "answer"},
			want: map[string]any{"input": "q", "expected": nil, "metadata": nil, "parameters": nil, "trial": 0.0, "output": "answer"},
		},
		{
			name: "scorer request has a null output",
			role: RoleScorer,
			req:  &Request{Input: "q"},
			want: map[string]any{"input": "q", "expected": nil, "metadata": nil, "parameters": nil, "trial": 0.0, "output": nil},
		},
		{name: "text loses one trailing newline", req: &Request{Input: map[string]any{"text": "hello\n\n"}}, want: "hello\n"},
		{name: "text without newline", req: &Request{Input: map[string]any{"text": "plain words"}}, want: "plain words"},
		{name: "json text is decoded", req: &Request{Input: map[string]any{"text": " [1, true]\n"}}, want: []any{1.0, true}},
		{name: "empty output", req: &Request{Input: map[string]any{"text": ""}}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustNew(t, execBody(pyExec(t, "oneshot_echo.py", false)), Options{Role: tt.role})
			got, err := call(f, tt.req)
			wantErr(t, err)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("output %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestOneShotErrors(t *testing.T) {
	t.Parallel()
	needPython(t)
	tests := []struct {
		name      string
		script    string
		maxOutput int64
		input     any
		want      []string // error fragments; none: success
	}{
		{name: "exit status and stderr", script: "oneshot_fail.py", want: []string{"python3 oneshot_fail.py: exit status 3; stderr: something went wrong\ndetails: bad input"}},
		{name: "output over max_output", script: "oneshot_big.py", maxOutput: 100, input: map[string]any{"n": 101}, want: []string{"output larger than 100 bytes", "max_output"}},
		{name: "output of max_output", script: "oneshot_big.py", maxOutput: 100, input: map[string]any{"n": 100}},
		{name: "output far over max_output", script: "oneshot_big.py", maxOutput: 10, input: map[string]any{"n": 1 << 20}, want: []string{"output larger than 10 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := pyExec(t, tt.script, false)
			if tt.maxOutput > 0 {
				ex.MaxOutput = tt.maxOutput
			}
			f := mustNew(t, execBody(ex), Options{})
			_, err := call(f, &Request{Input: tt.input})
			wantErr(t, err, tt.want...)
			var ee *exec.ExitError
			if tt.script == "oneshot_fail.py" && (!errors.As(err, &ee) || ee.ExitCode() != 3) {
				t.Fatalf("error %v does not wrap an exit error with code 3", err)
			}
		})
	}
}

// TestOneShotKillsGroup checks that a timeout or a cancellation kills the
// program and the grandchild it started.
func TestOneShotKillsGroup(t *testing.T) {
	t.Parallel()
	needPython(t)
	tests := []struct {
		name    string
		timeout time.Duration // exec.timeout
		opt     time.Duration // Options.Timeout
		cancel  bool
		want    string
	}{
		// Timeouts leave Python the time to start its grandchild on a loaded
		// machine, under a guard that takes a second to start with -race.
		{name: "exec timeout", timeout: 15 * time.Second, opt: time.Hour, want: "python3 oneshot_sleep.py: timed out after 15s"},
		{name: "default timeout", opt: 15500 * time.Millisecond, want: "timed out after 15.5s"},
		{name: "cancelled", cancel: true, want: "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := pyExec(t, "oneshot_sleep.py", false)
			ex.Timeout = tt.timeout
			f := mustNew(t, execBody(ex), Options{Timeout: tt.opt})
			pidfile := filepath.Join(t.TempDir(), "pid")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				go func() {
					for {
						if b, err := os.ReadFile(pidfile); err == nil && len(b) > 0 {
							cancel()
							return
						}
						time.Sleep(10 * time.Millisecond)
					}
				}()
			}
			start := time.Now()
			_, err := f.Call(ctx, &Request{Input: map[string]any{"pidfile": pidfile}})
			wantErr(t, err, tt.want)
			if !tt.cancel && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("errors.Is(%v, context.DeadlineExceeded) is false", err)
			}
			if d := time.Since(start); d > 45*time.Second {
				t.Errorf("the call took %s", d)
			}
			b, rerr := os.ReadFile(pidfile)
			if rerr != nil {
				t.Fatalf("the script did not write its grandchild's pid: %v", rerr)
			}
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			waitGone(t, pid, "the grandchild")
		})
	}
}

func TestOneShotEnvDirStderr(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name   string
		ex     spec.Exec
		opts   Options
		want   any
		err    []string
		stderr string
	}{
		{
			name: "env over the base environment",
			ex:   spec.Exec{Command: []string{"sh", "-c", `printf '%s/%s' "$A" "$B"`}, Env: map[string]string{"B": "from-exec"}},
			opts: Options{Env: []string{"A=base", "B=base"}},
			want: "base/from-exec",
		},
		{
			name: "dir",
			ex:   spec.Exec{Command: []string{"sh", "-c", "pwd"}, Dir: dir},
			want: dir,
		},
		{
			name:   "stderr lines are prefixed",
			ex:     spec.Exec{Command: []string{"sh", "-c", "echo one >&2; printf two >&2; echo 42"}},
			opts:   Options{Stderr: &syncBuffer{}},
			want:   42.0,
			stderr: "[sh] one\n[sh] two\n",
		},
		{
			name: "missing program",
			ex:   spec.Exec{Command: []string{"no-such-program-caliper"}},
			err:  []string{"no-such-program-caliper: starting:", "executable file not found", "install it or fix exec.command"},
		},
		{
			name: "killed by a signal",
			ex:   spec.Exec{Command: []string{"sh", "-c", "echo dying >&2; kill -9 $$"}},
			err:  []string{"signal: killed; stderr: dying"},
		},
		{
			name: "non-zero exit without stderr",
			ex:   spec.Exec{Command: []string{"sh", "-c", "exit 7"}},
			err:  []string{"sh: exit status 7 (nothing on stderr)"},
		},
		{
			name: "background process holding stdout",
			ex:   spec.Exec{Command: []string{"sh", "-c", "sleep 30 & echo done"}},
			want: "done",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.ex.Dir == "" {
				tt.ex.Dir = t.TempDir()
			}
			f := mustNew(t, execBody(&tt.ex), tt.opts)
			got, err := call(f, &Request{Input: "x"})
			wantErr(t, err, tt.err...)
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("output %#v, want %#v", got, tt.want)
			}
			if tt.stderr != "" {
				if s := tt.opts.Stderr.(*syncBuffer).String(); s != tt.stderr {
					t.Fatalf("stderr %q, want %q", s, tt.stderr)
				}
			}
		})
	}
}

func TestOneShotClosed(t *testing.T) {
	t.Parallel()
	f := mustNew(t, execBody(&spec.Exec{Command: []string{"true"}}), Options{})
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := call(f, &Request{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after Close: %v, want ErrClosed", err)
	}
}
