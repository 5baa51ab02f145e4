package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestExperimentsRecordTheCommitMessage(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "e.eval.yaml"), `name: e
description: one case
tags: [smoke, ci]
experiment: first
data: {inline: [{input: 1}]}
task: {expr: input}
scorers: [{name: ok, expr: "true"}]
`)
	writeFile(t, filepath.Join(dir, ".gitignore"), "*.db*\n")
	git(t, dir, "init", "-q")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "judge: a stricter threshold\n\nThe body is not kept.")
	db := filepath.Join(dir, "s.db")
	if code, out, errOut := run(t, dir, "run", "--store", db); code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ := run(t, dir, "experiments", "show", "first", "--store", db)
	for _, want := range []string{"commit message: judge: a stricter threshold\n", "description: one case\n", "tags: smoke, ci\n"} {
		if code != ExitOK || !strings.Contains(out, want) {
			t.Errorf("experiments show: exit %d, want %q in\n%s", code, want, out)
		}
	}
	code, out, _ = run(t, dir, "experiments", "show", "first", "--json", "--store", db)
	if code != ExitOK || !strings.Contains(out, `"commit_message": "judge: a stricter threshold"`) {
		t.Errorf("experiments show --json:\n%s", out)
	}
}
