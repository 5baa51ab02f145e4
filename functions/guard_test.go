//go:build linux

package functions

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readPids waits for the spawn_setsid.py pids file and returns the pids of
// the child and the setsid grandchild.
func readPids(t *testing.T, path string) []int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			var pids []int
			for _, f := range strings.Fields(string(b)) {
				pid, err := strconv.Atoi(f)
				if err != nil {
					t.Fatalf("pids file %q: %v", b, err)
				}
				pids = append(pids, pid)
			}
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("the task wrote no pids to %s", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNothingOutlivesTheCall checks that a child and a grandchild that left
// the process group with setsid are gone when a call ends: normally, on a
// timeout, and when a worker pool is closed.
func TestNothingOutlivesTheCall(t *testing.T) {
	t.Parallel()
	needPython(t)
	tests := []struct {
		name    string
		worker  bool
		hang    bool
		timeout time.Duration
		want    []string
	}{
		{name: "one-shot that answers", want: nil},
		{name: "one-shot that times out", hang: true, timeout: 10 * time.Second, want: []string{"timed out"}},
		{name: "worker, after Close", worker: true},
		{name: "worker that times out", worker: true, hang: true, timeout: 10 * time.Second, want: []string{"timed out"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pidsFile := filepath.Join(t.TempDir(), "pids")
			ex := pyExec(t, "spawn_setsid.py", tt.worker)
			if tt.worker {
				ex.Command = append(ex.Command, "worker")
			}
			ex.Env = map[string]string{"PIDS_FILE": pidsFile}
			if tt.hang {
				ex.Env["HANG"] = "1"
			}
			ex.Timeout = tt.timeout
			f, err := New(execBody(ex), Options{Concurrency: 1, Env: os.Environ(), Timeout: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.Call(context.Background(), &Request{Input: "x"})
			wantErr(t, err, tt.want...)
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			pids := readPids(t, pidsFile)
			waitGone(t, pids[0], "the child")
			waitGone(t, pids[1], "the setsid grandchild")
		})
	}
}
