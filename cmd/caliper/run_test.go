package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

const gatedEval = `name: gated
data:
  inline:
    - {id: a, input: 1, expected: 1}
    - {id: b, input: 2, expected: 3}
task: {expr: input}
scorers: [{name: correct, expr: output == expected}]
thresholds: {correct: 0.9}
gates: ["errors == 0"]
`

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "gated.eval.yaml"), gatedEval)
	writeFile(t, filepath.Join(dir, "ok", "ok.eval.yaml"), strings.Replace(strings.Replace(gatedEval, "name: gated", "name: ok", 1), "correct: 0.9", "correct: 0.5", 1))
	db := filepath.Join(dir, "store.db")

	code, out, errOut := run(t, dir, "run", "--store", db, "ok")
	if code != ExitOK || !strings.Contains(out, "pass  threshold correct: mean 0.500 >= 0.500") {
		t.Fatalf("passing eval: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, dir, "run", "--store", db, "gated.eval.yaml")
	if code != ExitFailed || !strings.Contains(out, "FAIL  threshold correct: mean 0.500 < 0.900") || !strings.Contains(errOut, "1 of 1 eval failed") {
		t.Fatalf("failing threshold: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = run(t, dir, "run", "--store", db, "--filter", "^nothing$")
	if code != ExitInvalid || !strings.Contains(errOut, "no eval matches") {
		t.Errorf("--filter matching nothing: exit %d, %s", code, errOut)
	}
	code, _, errOut = run(t, dir, "run", "--store", db, "--param", "nope=1", "ok")
	if code != ExitInvalid || !strings.Contains(errOut, "declares no such parameter") {
		t.Errorf("unknown --param: exit %d, %s", code, errOut)
	}
	writeFile(t, filepath.Join(dir, "bad", "bad.eval.yaml"), "name: bad\n")
	if code, _, errOut = run(t, dir, "run", "--store", db, "bad"); code != ExitInvalid || !strings.Contains(errOut, `missing the required key "data"`) {
		t.Errorf("invalid eval: exit %d, %s", code, errOut)
	}

	code, out, _ = run(t, dir, "experiments", "list", "--store", db)
	if code != ExitOK || !strings.Contains(out, "gated") || !strings.Contains(out, "completed") || strings.Count(out, "\n") != 3 {
		t.Errorf("experiments list: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, dir, "experiments", "show", "--store", db, "--eval", "gated", firstExperiment(t, db, "gated"))
	if code != ExitOK || !strings.Contains(out, "correct") || !strings.Contains(out, "FAIL  threshold") {
		t.Errorf("experiments show: exit %d\n%s", code, out)
	}
	if code, _, errOut = run(t, dir, "experiments", "show", "--store", db, "no-such"); code != ExitInvalid || !strings.Contains(errOut, "not found") {
		t.Errorf("experiments show of a missing experiment: exit %d, %s", code, errOut)
	}
}

func firstExperiment(t *testing.T, path, eval string) string {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exps, err := db.Experiments(context.Background(), store.ListOptions{Eval: eval})
	if err != nil || len(exps) == 0 {
		t.Fatalf("no experiment of %s: %v", eval, err)
	}
	return exps[0].Name
}

func TestRunParamsAndLimit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "p.eval.yaml"), `name: params
parameters:
  add: {type: integer, default: 0}
data: {inline: [{input: 1}, {input: 2}, {input: 3}, {input: 4}]}
task: {expr: input + parameters.add}
scorers: [{name: big, expr: output >= 10}]
`)
	db := filepath.Join(dir, "s.db")
	code, out, errOut := run(t, dir, "run", "--store", db, "--param", "add=10", "--limit", "3", "--trials", "2", "-j", "2")
	if code != ExitOK || !strings.Contains(out, "3 cases, 6 rows") || !regexp.MustCompile(`big\s+1\.000\s+3\s+0`).MatchString(out) {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut = run(t, dir, "run", "--store", db, "--param", "add=ten"); code != ExitInvalid || !strings.Contains(errOut, "want a value of type integer") {
		t.Errorf("a mistyped --param: exit %d, %s", code, errOut)
	}
}

// TestInterruptKeepsFinishedRows runs the real binary on a slow eval, sends it
// SIGINT, and checks the store: the experiment is marked interrupted and holds
// every row that finished, and only those.
func TestInterruptKeepsFinishedRows(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed: the test's task is a Python program")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "caliper")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var rows []string
	for i := range 200 {
		rows = append(rows, fmt.Sprintf(`{"id": "c%d", "input": %d}`, i, i))
	}
	writeFile(t, filepath.Join(dir, "slow", "data.jsonl"), strings.Join(rows, "\n")+"\n")
	writeFile(t, filepath.Join(dir, "slow", "task.py"), "import json, sys, time\nfor line in sys.stdin:\n    req = json.loads(line)\n    time.sleep(0.05)\n    print(json.dumps({'id': req['id'], 'output': req['input']}), flush=True)\n")
	writeFile(t, filepath.Join(dir, "slow", "slow.eval.yaml"), `name: slow
data: {file: data.jsonl}
task: {exec: {command: [python3, task.py], worker: true}}
scorers: [{name: ok, expr: output == input}]
max_concurrency: 2
`)
	db := filepath.Join(dir, "s.db")
	cmd := exec.Command(bin, "run", "--store", db, "slow")
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	exitErr, ok := err.(*exec.ExitError)
	if !ok || exitErr.ExitCode() != ExitRun {
		t.Fatalf("want exit %d after SIGINT, got %v\n%s", ExitRun, err, stderr.String())
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	exps, err := st.Experiments(context.Background(), store.ListOptions{Eval: "slow"})
	if err != nil || len(exps) != 1 {
		t.Fatalf("experiments: %v %v", exps, err)
	}
	e := exps[0]
	if e.Status != store.StatusInterrupted {
		t.Errorf("status %q, want interrupted", e.Status)
	}
	if e.Rows == 0 || e.Rows >= 200 {
		t.Errorf("%d rows stored: want the finished part of the run", e.Rows)
	}
	n := 0
	err = st.Rows(context.Background(), e.ID, func(r *store.Row) error {
		n++
		if r.Error != "" || r.Scores["ok"] != 1 {
			t.Errorf("row %s: error %q scores %v: in-flight cases must finish, not be cut", r.CaseID, r.Error, r.Scores)
		}
		return nil
	})
	if err != nil || n != e.Rows {
		t.Errorf("read %d rows (%v), experiment says %d", n, err, e.Rows)
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr should say the run was interrupted:\n%s", stderr.String())
	}
}

func TestRunFromStoreDataset(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	writeFile(t, filepath.Join(dir, "v1.jsonl"), `{"id":"a","input":1,"expected":1}`+"\n"+`{"id":"b","input":2,"expected":3}`+"\n")
	writeFile(t, filepath.Join(dir, "v2.jsonl"), `{"id":"a","input":1,"expected":1}`+"\n"+`{"id":"b","input":2,"expected":2}`+"\n"+`{"id":"c","input":3,"expected":3}`+"\n")
	writeFile(t, filepath.Join(dir, "latest", "x.eval.yaml"), "name: latest\ndata: {dataset: nums}\ntask: {expr: input}\nscorers: [{name: ok, expr: output == expected}]\n")
	writeFile(t, filepath.Join(dir, "pinned", "x.eval.yaml"), "name: pinned\ndata: {dataset: nums@1}\ntask: {expr: input}\nscorers: [{name: ok, expr: output == expected}]\n")
	if code, _, errOut := run(t, dir, "run", "--store", db, "latest"); code != ExitRun || !strings.Contains(errOut, "caliper datasets push") {
		t.Fatalf("a dataset not pushed yet: exit %d, %s", code, errOut)
	}
	for _, f := range []string{"v1.jsonl", "v2.jsonl"} {
		if code, out, errOut := run(t, dir, "datasets", "push", "--store", db, "nums", f); code != ExitOK {
			t.Fatalf("push %s: exit %d\n%s%s", f, code, out, errOut)
		}
	}
	tests := []struct {
		eval, want string
		version    int
	}{{"latest", "3 cases, 3 rows", 2}, {"pinned", "2 cases, 2 rows", 1}}
	for _, tt := range tests {
		code, out, errOut := run(t, dir, "run", "--store", db, tt.eval)
		if code != ExitOK || !strings.Contains(out, tt.want) {
			t.Fatalf("%s: exit %d\n%s%s", tt.eval, code, out, errOut)
		}
		st, err := store.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		exps, err := st.Experiments(context.Background(), store.ListOptions{Eval: tt.eval})
		st.Close()
		if err != nil || len(exps) != 1 || exps[0].Dataset != "nums" || exps[0].DatasetVersion != tt.version {
			t.Errorf("%s: experiment %+v, %v; want dataset nums version %d recorded", tt.eval, exps, err, tt.version)
		}
	}
}
