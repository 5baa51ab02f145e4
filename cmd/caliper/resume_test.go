package main

import (
	"bufio"
	"context"
	"encoding/json"
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

// buildCaliper builds the command once per test into dir.
func buildCaliper(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "caliper")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeSlowEval writes an eval of n cases whose Python worker takes 20 ms a case
// and logs every case it runs to $CALIPER_TEST_LOG.
func writeSlowEval(t *testing.T, dir string, n int) {
	t.Helper()
	var rows []string
	for i := range n {
		rows = append(rows, fmt.Sprintf(`{"id": "c%03d", "input": %d, "expected": %d}`, i, i, i-i%7))
	}
	writeFile(t, filepath.Join(dir, "slow", "data.jsonl"), strings.Join(rows, "\n")+"\n")
	writeFile(t, filepath.Join(dir, "slow", "task.py"), `import json, os, sys, time
log = open(os.environ["CALIPER_TEST_LOG"], "a")
for line in sys.stdin:
    req = json.loads(line)
    time.sleep(0.02)
    log.write(str(req["input"]) + "\n")
    log.flush()
    print(json.dumps({"id": req["id"], "output": req["input"] - req["input"] % 7 if req["input"] % 3 else req["input"]}), flush=True)
`)
	writeFile(t, filepath.Join(dir, "slow", "slow.eval.yaml"), `name: slow
data: {file: data.jsonl}
task: {exec: {command: [python3, task.py], worker: true}}
scorers:
  - {name: exact, expr: output == expected}
  - use: numeric_diff
max_concurrency: 2
`)
}

func runBinary(t *testing.T, bin, dir, log string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CALIPER_TEST_LOG="+log)
	return cmd
}

func summaryOf(t *testing.T, dbPath string) (*store.Experiment, *report.Summary) {
	t.Helper()
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exps, err := db.Experiments(context.Background(), store.ListOptions{Eval: "slow"})
	if err != nil || len(exps) != 1 {
		t.Fatalf("want one experiment of slow, got %d (%v)", len(exps), err)
	}
	var s report.Summary
	if len(exps[0].Summary) > 0 {
		if err := json.Unmarshal(exps[0].Summary, &s); err != nil {
			t.Fatal(err)
		}
	}
	return &exps[0], &s
}

func logged(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		out = append(out, sc.Text())
	}
	return out
}

// TestKilledRunResumes SIGKILLs a run midway, resumes it, and checks that the
// final summary equals an uninterrupted run's and that no stored case ran again.
func TestKilledRunResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed: the test's task is a Python program")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := buildCaliper(t, dir)
	const n = 150
	writeSlowEval(t, dir, n)

	whole := filepath.Join(dir, "whole.db")
	if out, err := runBinary(t, bin, dir, filepath.Join(dir, "whole.log"), "run", "--store", whole, "slow").CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	_, want := summaryOf(t, whole)

	killed := filepath.Join(dir, "killed.db")
	cmd := runBinary(t, bin, dir, filepath.Join(dir, "first.log"), "run", "--store", killed, "slow")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); len(logged(t, filepath.Join(dir, "first.log"))) < 50; {
		if time.Now().After(deadline) {
			t.Fatal("the run did not get through 50 cases in 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // past one flush of the writer
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	exp, _ := summaryOf(t, killed)
	if exp.Status != store.StatusRunning || exp.Rows == 0 || exp.Rows >= n {
		t.Fatalf("after SIGKILL: status %q with %d rows; want a running experiment with part of the rows", exp.Status, exp.Rows)
	}
	stored := map[string]bool{}
	db, err := store.Open(context.Background(), killed)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Rows(context.Background(), exp.ID, func(r *store.Row) error { stored[string(r.Input)] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	resumeLog := filepath.Join(dir, "resume.log")
	if out, err := runBinary(t, bin, dir, resumeLog, "run", "--store", killed, "--resume", "slow").CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	for _, input := range logged(t, resumeLog) {
		if stored[input] {
			t.Errorf("case with input %s was stored before the kill and ran again on resume", input)
		}
	}
	if got := len(logged(t, resumeLog)); got != n-len(stored) {
		t.Errorf("resume ran %d cases, want the %d not stored", got, n-len(stored))
	}
	exp, got := summaryOf(t, killed)
	if exp.Status != store.StatusCompleted || exp.Rows != n {
		t.Fatalf("after resume: status %q, %d rows; want completed with %d", exp.Status, exp.Rows, n)
	}
	if got.Cases != want.Cases || got.Rows != want.Rows || got.Errors != want.Errors {
		t.Errorf("resumed summary counts %d/%d/%d, uninterrupted %d/%d/%d", got.Cases, got.Rows, got.Errors, want.Cases, want.Rows, want.Errors)
	}
	for i, w := range want.Scores {
		if g := got.Scores[i]; g.Name != w.Name || g.Count != w.Count || fmt.Sprintf("%.12f", g.Mean) != fmt.Sprintf("%.12f", w.Mean) {
			t.Errorf("score %s: resumed %+v, uninterrupted %+v", w.Name, g, w)
		}
	}
}

// TestRetryErrors re-runs only the errored cases of an experiment, into a new one
// that keeps the rows that succeeded.
func TestRetryErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var rows []string
	for i := range 30 {
		rows = append(rows, fmt.Sprintf(`{"id": "c%02d", "input": %d}`, i, i))
	}
	writeFile(t, filepath.Join(dir, "d.jsonl"), strings.Join(rows, "\n")+"\n")
	writeFile(t, filepath.Join(dir, "flaky.eval.yaml"), `name: flaky
experiment: first
parameters:
  fail: {type: boolean, default: false}
  add: {type: integer, default: 0}
data: {file: d.jsonl}
task: {expr: 'parameters.fail && int(input) % 3 == 0 ? int("boom") : input + parameters.add'}
scorers: [{name: ran, expr: "true"}]
`)
	db := filepath.Join(dir, "s.db")
	code, out, _ := run(t, dir, "run", "--store", db, "--param", "fail=true")
	if code != ExitOK || !strings.Contains(out, "30 cases, 30 rows · 10 errors") {
		t.Fatalf("flaky run: exit %d\n%s", code, out)
	}
	code, out, errOut := run(t, dir, "run", "--store", db, "--retry-errors", "first", "--param", "add=100")
	if code != ExitOK || !strings.Contains(errOut, "20 rows kept, 10 to run") || !strings.Contains(out, "experiment first-retry") || !strings.Contains(out, "30 cases, 30 rows · 0 errors") {
		t.Fatalf("retry: exit %d\n%s%s", code, out, errOut)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	retry, err := st.Experiment(context.Background(), "flaky", "first-retry")
	if err != nil {
		t.Fatal(err)
	}
	rerun := 0
	err = st.Rows(context.Background(), retry.ID, func(r *store.Row) error {
		var in, got float64
		json.Unmarshal(r.Input, &in)
		json.Unmarshal(r.Output, &got)
		if got == in+100 {
			rerun++
			if int(in)%3 != 0 {
				t.Errorf("case %s succeeded the first time but ran again", r.CaseID)
			}
		}
		return nil
	})
	if err != nil || rerun != 10 {
		t.Errorf("%d cases ran again (%v), want the 10 that errored", rerun, err)
	}
}
