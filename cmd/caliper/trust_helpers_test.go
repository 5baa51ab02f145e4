package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/store"
)

// trustWorker is a Python worker that logs the input of every request it
// receives to $CALIPER_TEST_LOG before answering, sleeps $CALIPER_TEST_SLEEP
// seconds, and answers {"n": 2*input, "pad": $CALIPER_TEST_PAD x's}. One input
// in five gets a wrong answer, so the scores are not all 1.
const trustWorker = `import json, os, sys, time
log = open(os.environ["CALIPER_TEST_LOG"], "a")
sleep = float(os.environ.get("CALIPER_TEST_SLEEP", "0"))
pad = "x" * int(os.environ.get("CALIPER_TEST_PAD", "0"))
for line in sys.stdin:
    req = json.loads(line)
    log.write(str(req["input"]) + "\n")
    log.flush()
    time.sleep(sleep)
    n = req["input"] * 2 + (1 if req["input"] % 5 == 0 else 0)
    print(json.dumps({"id": req["id"], "output": {"n": n, "pad": pad}}), flush=True)
`

// writeTrustEval writes eval `name` of n cases (inputs 0..n-1, ids c00000...)
// answered by trustWorker, with extra appended to the eval's YAML.
func writeTrustEval(t *testing.T, dir, name string, n int, extra string) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id": "c%05d", "input": %d, "expected": %d}`+"\n", i, i, 2*i)
	}
	writeFile(t, filepath.Join(dir, name, "data.jsonl"), b.String())
	writeFile(t, filepath.Join(dir, name, "task.py"), trustWorker)
	writeFile(t, filepath.Join(dir, name, name+".eval.yaml"), `name: `+name+`
data: {file: data.jsonl}
task: {exec: {command: [python3, task.py], worker: true}}
scorers:
  - {name: right, expr: output.n == expected}
  - {name: close, use: numeric_diff, with: {output: output.n}}
`+extra)
}

func needPython3(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed: the test's task is a Python program")
	}
}

// trustExperiment returns the only experiment of eval in the store at path,
// its stored summary and its rows.
func trustExperiment(t *testing.T, path, eval string) (*store.Experiment, *report.Summary, []*store.Row) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exps, err := db.Experiments(ctx, store.ListOptions{Eval: eval})
	if err != nil || len(exps) != 1 {
		t.Fatalf("want one experiment of %s in %s, got %d (%v)", eval, path, len(exps), err)
	}
	var sum report.Summary
	if len(exps[0].Summary) > 0 {
		if err := json.Unmarshal(exps[0].Summary, &sum); err != nil {
			t.Fatal(err)
		}
	}
	var rows []*store.Row
	if err := db.Rows(ctx, exps[0].ID, func(r *store.Row) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return &exps[0], &sum, rows
}

// sameSummary reports how got differs from want in what a run's result is:
// cases, rows, errors and every score (not durations or names).
func sameSummary(got, want *report.Summary) error {
	if got.Cases != want.Cases || got.Rows != want.Rows || got.Errors != want.Errors || got.SkippedRows != want.SkippedRows {
		return fmt.Errorf("cases/rows/errors/skipped %d/%d/%d/%d, want %d/%d/%d/%d",
			got.Cases, got.Rows, got.Errors, got.SkippedRows, want.Cases, want.Rows, want.Errors, want.SkippedRows)
	}
	if len(got.Scores) != len(want.Scores) {
		return fmt.Errorf("%d scores, want %d", len(got.Scores), len(want.Scores))
	}
	for i, w := range want.Scores {
		g := got.Scores[i]
		if g.Name != w.Name || g.Count != w.Count || g.Errors != w.Errors || fmt.Sprintf("%.12f", g.Mean) != fmt.Sprintf("%.12f", w.Mean) {
			return fmt.Errorf("score %s: %+v, want %+v", w.Name, g, w)
		}
	}
	return nil
}

// waitExit waits at most d for cmd to end and returns its exit code; it kills
// the process and fails the test when it is still running.
func waitExit(t *testing.T, cmd *exec.Cmd, d time.Duration, what string) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return 0
	case <-time.After(d):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
		t.Fatalf("%s: still running %s later; killed it", what, d)
		return -1
	}
}

// waitLogged waits until the log at path has at least n lines.
func waitLogged(t *testing.T, path string, n int, d time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(d); len(logged(t, path)) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%s has %d lines after %s, want %d", path, len(logged(t, path)), d, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// storedInputs returns the input of every stored row as text.
func storedInputs(rows []*store.Row) map[string]bool {
	out := map[string]bool{}
	for _, r := range rows {
		out[string(r.Input)] = true
	}
	return out
}

// trustCmd is the command line bin args in dir, with the environment plus env
// (KEY=VALUE).
func trustCmd(bin, dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// waitForExperiment waits until the store at path holds an experiment of eval,
// so a signal sent after it reaches a run that has started, however slowly a
// loaded machine starts the binary.
func waitForExperiment(t *testing.T, path, eval string, within time.Duration) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		db, err := store.OpenReadOnly(ctx, path)
		if err != nil {
			continue
		}
		exps, err := db.Experiments(ctx, store.ListOptions{Eval: eval})
		_ = db.Close()
		if err == nil && len(exps) > 0 {
			return
		}
	}
	t.Fatalf("no experiment of %s in %s after %s", eval, path, within)
}
