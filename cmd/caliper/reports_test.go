package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportFlag writes reports through --report FORMAT=FILE, refuses
// unknown formats as a usage error before running, and appends the GitHub
// step summary once per command.
func TestReportFlag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "one", "ok.eval.yaml"), okEval)
	writeFile(t, filepath.Join(dir, "two", "ok.eval.yaml"), strings.Replace(okEval, "name: ok", "name: other", 1))
	db := filepath.Join(dir, "s.db")
	step := filepath.Join(dir, "step.md")
	env := map[string]string{"GITHUB_STEP_SUMMARY": step}
	code, out, errOut := runEnv(t, dir, env, "run", "--store", db, "--report", "terminal=out/summary.txt", "--report", "junit=out/j.xml", "--json", "out/r.json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for file, want := range map[string]string{"out/summary.txt": "other · experiment", "out/j.xml": "<testsuites", "out/r.json": `"caliper.report"`} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil || !strings.Contains(string(b), want) || !strings.Contains(string(b), "ok") {
			t.Errorf("%s: %v, want %q and both evals in:\n%s", file, err, want, b)
		}
	}
	b, _ := os.ReadFile(step)
	if strings.Count(string(b), "other") == 0 || strings.Count(string(b), "## ") != 2 {
		t.Errorf("the step summary must hold each eval once:\n%s", b)
	}
	for _, bad := range []string{"nope=x.txt", "junit"} {
		code, _, errOut := run(t, dir, "run", "--store", db, "--report", bad)
		if code != ExitInvalid || !strings.Contains(errOut, "--report") {
			t.Errorf("--report %s: exit %d, %s; want a usage error", bad, code, errOut)
		}
	}
}
