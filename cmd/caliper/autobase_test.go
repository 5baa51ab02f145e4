package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const labelEval = `name: labelled
experiment: "run-{{parameters.label}}"
parameters:
  label: {type: string, default: a}
data: {file: cases.jsonl}
task: {expr: 'input'}
scorers:
  - {name: correct, expr: output == expected}
gates:
  - scores.correct.regressions == 0
`

// TestAutoBaseIgnoresAnEarlyFeatureRun reproduces a misleading base in a
// real git repository: main's CI records a run; on a new feature branch,
// before its first commit, a run with other parameters and the broken change
// uncommitted is made at the same commit; the change is committed and run
// with base auto. The base must be main's run, so the regression is caught,
// and the summary must say why it was chosen.
func TestAutoBaseIgnoresAnEarlyFeatureRun(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, `{"id": "c%03d", "input": %d, "expected": %d}`+"\n", i, i, i)
	}
	writeFile(t, filepath.Join(dir, "cases.jsonl"), b.String())
	writeFile(t, filepath.Join(dir, "labelled.eval.yaml"), labelEval)
	writeFile(t, filepath.Join(dir, ".gitignore"), "*.db*\n")
	git(t, dir, "init", "-q")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "eval")
	db := filepath.Join(dir, "s.db")
	env := map[string]string{"GITHUB_REF_NAME": ""}
	code, out, errOut := runEnv(t, dir, env, "run", "--store", db, "--base", "auto")
	if code != ExitFailed || !strings.Contains(out, "no base experiment") {
		t.Fatalf("main's first run, with a gate on regressions and no base: exit %d, want 1 and \"no base experiment\"\n%s%s", code, out, errOut)
	}

	git(t, dir, "checkout", "-q", "-b", "feature")
	broken := strings.Replace(labelEval, "task: {expr: 'input'}", "task: {expr: 'int(input) % 4 == 0 ? -1 : input'}", 1)
	writeFile(t, filepath.Join(dir, "labelled.eval.yaml"), broken)
	if code, out, errOut := runEnv(t, dir, env, "run", "--store", db, "--param", "label=b"); code != ExitFailed {
		t.Fatalf("the early feature run: exit %d\n%s%s", code, out, errOut)
	}
	git(t, dir, "commit", "-q", "-am", "break a quarter of the cases")

	code, out, errOut = runEnv(t, dir, env, "run", "--store", db, "--base", "auto")
	if code != ExitFailed || !strings.Contains(out, "compared with run-a:") || !strings.Contains(out, "↓50") {
		t.Fatalf("the feature run with base auto: exit %d, want 1 comparing with main's run-a and 50 regressions\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "base auto: run-a ran at") || !strings.Contains(out, "on branch main") || !strings.Contains(out, "other eval files") {
		t.Errorf("the summary does not say why run-a is the base:\n%s", out)
	}
}

// TestBaseNotRequired checks that base_required: false lets the gates that
// compare with a base pass when there is none.
func TestBaseNotRequired(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "cases.jsonl"), `{"id": "a", "input": 1, "expected": 1}`+"\n")
	writeFile(t, filepath.Join(dir, "labelled.eval.yaml"), labelEval+"base_required: false\n")
	code, out, errOut := run(t, dir, "run", "--store", filepath.Join(dir, "s.db"))
	if code != ExitOK || !strings.Contains(out, "passes without one (base_required: false)") {
		t.Errorf("exit %d, want 0 and the gate passing without a base\n%s%s", code, out, errOut)
	}
}
