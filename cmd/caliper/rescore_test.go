package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// writeRescoreEval writes an eval whose task is a Python program that logs
// every call to calls.log, and whose judge is a Python scorer that gives 1 to
// the outputs at least as long as the number in its threshold file.
func writeRescoreEval(t *testing.T, dir string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "d.jsonl"), `{"id": "a", "input": "x", "expected": "x"}
{"id": "b", "input": "xyz", "expected": "xyz"}
{"id": "c", "input": "xyzzy", "expected": "xyzzy", "metadata": {"k": 1}, "tags": ["t"]}
`)
	writeFile(t, filepath.Join(dir, "task.py"), `import json, sys
req = json.load(sys.stdin)
with open("calls.log", "a") as f:
    f.write(req["input"] + "\n")
print(json.dumps(req["input"] * 2))
`)
	writeFile(t, filepath.Join(dir, "judge.py"), `import json, sys
req = json.load(sys.stdin)
n = int(open("threshold").read())
print(json.dumps(1 if len(req["output"]) >= n else 0))
`)
	writeFile(t, filepath.Join(dir, "threshold"), "1")
	writeFile(t, filepath.Join(dir, "r.eval.yaml"), `name: r
description: doubles its input
tags: [smoke]
experiment: first
data: {file: d.jsonl}
task: {exec: {command: [python3, task.py]}}
scorers:
  - name: long
    exec: {command: [python3, judge.py]}
trials: 2
`)
}

func TestRescoreScoresStoredOutputsWithoutCallingTheTask(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed: the test's task and judge are Python programs")
	}
	t.Parallel()
	dir := t.TempDir()
	writeRescoreEval(t, dir)
	db := filepath.Join(dir, "s.db")
	code, out, errOut := run(t, dir, "run", "--store", db)
	if code != ExitOK || !strings.Contains(out, "long") {
		t.Fatalf("first run: exit %d\n%s%s", code, out, errOut)
	}
	callsBefore := len(logged(t, filepath.Join(dir, "calls.log")))
	if callsBefore != 6 {
		t.Fatalf("the task ran %d times, want 6 (3 cases × 2 trials)", callsBefore)
	}
	// The judge changes: only outputs of 6 characters or more pass now.
	writeFile(t, filepath.Join(dir, "threshold"), "6")
	writeFile(t, filepath.Join(dir, "r.eval.yaml"), strings.Replace(readFile(t, filepath.Join(dir, "r.eval.yaml")), "experiment: first", "experiment: second", 1))
	code, out, errOut = run(t, dir, "run", "--store", db, "--rescore", "first")
	if code != ExitOK {
		t.Fatalf("rescore: exit %d\n%s%s", code, out, errOut)
	}
	if got := len(logged(t, filepath.Join(dir, "calls.log"))); got != callsBefore {
		t.Errorf("--rescore called the task %d times, want 0", got-callsBefore)
	}
	if !strings.Contains(errOut, "rescoring the 6 stored outputs of first") {
		t.Errorf("rescore did not say what it scores: %s", errOut)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	first, err := st.Experiment(context.Background(), "r", "first")
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.Experiment(context.Background(), "r", "second")
	if err != nil {
		t.Fatal(err)
	}
	if o := second.OutputsFrom; o == nil || o.ID != first.ID || o.Name != "first" || o.Eval != "r" {
		t.Errorf("outputs_from of the rescore = %+v, want experiment first (%s)", o, first.ID)
	}
	if first.OutputsFrom != nil {
		t.Errorf("a run that called its task records outputs_from %+v", first.OutputsFrom)
	}
	if second.Description != "doubles its input" || strings.Join(second.Tags, ",") != "smoke" {
		t.Errorf("description %q tags %v, want the eval's", second.Description, second.Tags)
	}
	scores := map[string]float64{}
	rows := 0
	err = st.Rows(context.Background(), second.ID, func(r *store.Row) error {
		rows++
		scores[r.CaseID] = r.Scores["long"]
		if r.CaseID == "c" && (string(r.Metadata) != `{"k":1}` || strings.Join(r.Tags, ",") != "t") {
			t.Errorf("case c lost its metadata or tags: %s %v", r.Metadata, r.Tags)
		}
		if string(r.Output) == "" {
			t.Errorf("case %s trial %d has no output", r.CaseID, r.Trial)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Outputs "xx", "xyzxyz", "xyzzyxyzzy": the new judge fails only "xx".
	if rows != 6 || scores["a"] != 0 || scores["b"] != 1 || scores["c"] != 1 {
		t.Errorf("rescored %d rows with scores %v, want 6 rows and a=0 b=1 c=1", rows, scores)
	}
	code, out, _ = run(t, dir, "experiments", "show", "second", "--store", db)
	if code != ExitOK || !strings.Contains(out, "outputs from: experiment first of r") || !strings.Contains(out, "tags: smoke") {
		t.Errorf("experiments show of the rescore: exit %d\n%s", code, out)
	}
}

func TestRescoreOfAMissingExperimentIsInvalid(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "e.eval.yaml"), `name: e
data: {inline: [{input: 1}]}
task: {expr: input}
scorers: [{name: one, expr: "true"}]
`)
	code, _, errOut := run(t, dir, "run", "--store", filepath.Join(dir, "s.db"), "--rescore", "nope")
	if code != ExitInvalid || !strings.Contains(errOut, `experiment "nope"`) {
		t.Errorf("exit %d, %s; want 2 naming the experiment", code, errOut)
	}
	code, _, errOut = run(t, dir, "run", "--store", filepath.Join(dir, "s.db"), "--rescore", "x", "--resume")
	if code != ExitInvalid || !strings.Contains(errOut, "cannot be used together") {
		t.Errorf("--rescore with --resume: exit %d, %s", code, errOut)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTaskReplayScoresTheStoredOutputOfEachCase(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed: the test's task and judge are Python programs")
	}
	t.Parallel()
	dir := t.TempDir()
	writeRescoreEval(t, dir)
	db := filepath.Join(dir, "s.db")
	if code, out, errOut := run(t, dir, "run", "--store", db); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, out, errOut)
	}
	writeFile(t, filepath.Join(dir, "threshold"), "6")
	writeFile(t, filepath.Join(dir, "replay", "replay.eval.yaml"), `name: replay
experiment: judged
data:
  inline:
    - {id: a, input: x}
    - {id: b, input: xyz}
    - {id: z, input: new}
task: {replay: r/first}
scorers:
  - name: long
    exec: {command: [python3, judge.py], dir: ..}
`)
	code, out, errOut := run(t, dir, "run", "replay", "--store", db)
	if code != ExitOK || !strings.Contains(out, "3 cases, 3 rows · 1 error") {
		t.Fatalf("replay: exit %d\n%s%s", code, out, errOut)
	}
	if got := len(logged(t, filepath.Join(dir, "calls.log"))); got != 6 {
		t.Errorf("task.replay called the task %d times", got-6)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := st.Experiment(context.Background(), "replay", "judged")
	if err != nil {
		t.Fatal(err)
	}
	if e.OutputsFrom == nil || e.OutputsFrom.Name != "first" {
		t.Errorf("outputs_from = %+v, want first", e.OutputsFrom)
	}
	got := map[string]string{}
	err = st.Rows(context.Background(), e.ID, func(r *store.Row) error {
		got[r.CaseID] = string(r.Output) + "|" + r.Error
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got["a"] != `"xx"|` || got["b"] != `"xyzxyz"|` || !strings.Contains(got["z"], "has no output for case z trial 0") {
		t.Errorf("replayed rows %v", got)
	}
}
