package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const addEval = `name: adder
experiment: first
parameters:
  add: {type: integer, default: 0}
data: {inline: [{id: a, input: 1}, {id: b, input: 2}]}
task: {expr: input + parameters.add}
scorers: [{name: ran, expr: "true"}]
`

// TestResumeRefusesOtherParametersOrAnEditedEval: --resume must not merge
// rows of runs with other parameters or another version of the eval file.
func TestResumeRefusesOtherParametersOrAnEditedEval(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	evalFile := filepath.Join(dir, "adder.eval.yaml")
	writeFile(t, evalFile, addEval)
	db := filepath.Join(dir, "s.db")
	if code, out, errOut := run(t, dir, "run", "--store", db, "--param", "add=1"); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut := run(t, dir, "run", "--store", db, "--resume=first", "--param", "add=2")
	if code != ExitInvalid || !strings.Contains(errOut, `parameter add: 1 in first, 2 now`) || !strings.Contains(errOut, "without --resume") {
		t.Errorf("resume with another --param: exit %d, %s; want exit 2 naming the parameter and how to start anew", code, errOut)
	}
	if code, _, errOut = run(t, dir, "run", "--store", db, "--resume=first"); code != ExitInvalid || !strings.Contains(errOut, `parameter add: 1 in first, 0 now`) {
		t.Errorf("resume falling back to the default: exit %d, %s; want exit 2", code, errOut)
	}
	if code, out, errOut := run(t, dir, "run", "--store", db, "--resume=first", "--param", "add=1"); code != ExitOK {
		t.Errorf("resume with the same parameters: exit %d\n%s%s", code, out, errOut)
	}
	writeFile(t, evalFile, strings.Replace(addEval, `expr: "true"`, `expr: "output > 0"`, 1))
	code, _, errOut = run(t, dir, "run", "--store", db, "--resume=first", "--param", "add=1")
	if code != ExitInvalid || !strings.Contains(errOut, "the eval's files (adder.eval.yaml) changed since first started") {
		t.Errorf("resume after editing the eval: exit %d, %s; want exit 2 saying the file changed", code, errOut)
	}
}

// TestThirdSignalExitsAtOnce: when the work in flight ignores the abort of a
// second signal, a third one ends the process at once, with exit 3.
func TestThirdSignalExitsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := buildCaliper(t, dir)
	long := strings.Repeat("a", 200000)
	writeFile(t, filepath.Join(dir, "d.jsonl"), `{"id": "x", "input": "`+long+`", "expected": "`+strings.Repeat("b", 200000)+`"}`+"\n")
	writeFile(t, filepath.Join(dir, "slow.eval.yaml"), "name: slow\ndata: {file: d.jsonl}\ntask: {expr: input}\nscorers: [{use: levenshtein}]\n")
	cmd := exec.Command(bin, "run", "--store", filepath.Join(dir, "s.db"))
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(time.Second)
	for range 3 {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		time.Sleep(300 * time.Millisecond)
	}
	select {
	case err := <-done:
		exitErr, ok := err.(*exec.ExitError)
		if !ok || exitErr.ExitCode() != ExitRun {
			t.Errorf("after three SIGTERMs: %v, want exit %d\n%s", err, ExitRun, stderr.String())
		}
		if !strings.Contains(stderr.String(), "interrupted (terminated): finishing the cases in flight") {
			t.Errorf("SIGTERM must be handled as SIGINT is:\n%s", stderr.String())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("caliper still ran 20 s after a third SIGTERM\n%s", stderr.String())
	}
	_ = os.Remove(bin)
}

// TestResumeRefusesAnEditedFunctionFile: the spec hash covers the files the
// eval uses, not only the eval file.
func TestResumeRefusesAnEditedFunctionFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "functions", "inc.yaml"), "slug: inc\ntype: task\nexpr: input + 1\n")
	writeFile(t, filepath.Join(dir, "inc.eval.yaml"), "name: inc\nexperiment: first\ndata: {inline: [{id: a, input: 1}]}\ntask: {function: inc}\nscorers: [{name: ran, expr: \"true\"}]\n")
	db := filepath.Join(dir, "s.db")
	if code, out, errOut := run(t, dir, "run", "--store", db); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := run(t, dir, "run", "--store", db, "--resume=first"); code != ExitOK {
		t.Fatalf("resume of an unchanged eval: exit %d\n%s%s", code, out, errOut)
	}
	writeFile(t, filepath.Join(dir, "functions", "inc.yaml"), "slug: inc\ntype: task\nexpr: input + 2\n")
	code, _, errOut := run(t, dir, "run", "--store", db, "--resume=first")
	if code != ExitInvalid || !strings.Contains(errOut, "(functions/inc.yaml, inc.eval.yaml) changed since first started") {
		t.Errorf("resume after editing the function file: exit %d, %s; want exit 2", code, errOut)
	}
}
