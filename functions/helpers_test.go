package functions

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// needPython skips tb when python3 is not on PATH.
func needPython(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		tb.Skip("python3 is not on PATH: skipping the tests that run Python scripts from testdata/")
	}
}

// script is the absolute path of a testdata script.
func script(tb testing.TB, name string) string {
	tb.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// pyExec is an exec body running a testdata script with python3.
func pyExec(tb testing.TB, name string, worker bool) *spec.Exec {
	tb.Helper()
	return &spec.Exec{
		Command:   []string{"python3", script(tb, name)},
		Worker:    worker,
		Dir:       tb.TempDir(),
		MaxOutput: spec.DefaultMaxOutput,
	}
}

// mustNew builds a function and closes it when the test ends.
func mustNew(tb testing.TB, b spec.Body, opts Options) Function {
	tb.Helper()
	f, err := New(b, opts)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() {
		if err := f.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return f
}

// execBody wraps ex in a body.
func execBody(ex *spec.Exec) spec.Body { return spec.Body{Kind: spec.KindExec, Exec: ex} }

// wantErr fails t unless err contains every fragment (or is nil when none).
func wantErr(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if len(fragments) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error; want one containing %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Fatalf("error %q does not contain %q", err, f)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

// pidOf is the "pid" field of a worker's output.
func pidOf(t *testing.T, out any) int {
	t.Helper()
	m, ok := out.(map[string]any)
	if !ok {
		t.Fatalf("output %#v is not an object", out)
	}
	pid, ok := m["pid"].(float64)
	if !ok {
		t.Fatalf("output %#v has no pid", out)
	}
	return int(pid)
}

// call is a Call with a background context.
func call(f Function, req *Request) (any, error) { return f.Call(context.Background(), req) }
