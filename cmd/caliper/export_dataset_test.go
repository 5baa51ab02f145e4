package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestExportAsDatasetRoundTripsThroughDatasetsPush(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	writeFile(t, filepath.Join(dir, "e.eval.yaml"), `name: e
experiment: first
data:
  inline:
    - {id: t-1, input: {q: "2+2"}, expected: "4", metadata: {lang: en}, tags: [math]}
    - {input: "no id"}
task: {expr: input}
scorers: [{name: ok, expr: "true"}]
trials: 2
`)
	if code, out, errOut := run(t, dir, "run", "--store", db); code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	code, plain, errOut := run(t, dir, "experiments", "export", "first", "--store", db)
	if code != ExitOK {
		t.Fatalf("export: exit %d %s", code, errOut)
	}
	// A plain export is rows of an experiment: push says what to do instead.
	writeFile(t, filepath.Join(dir, "rows.jsonl"), plain)
	code, _, errOut = run(t, dir, "datasets", "push", "d", "rows.jsonl", "--store", db)
	if code != ExitInvalid || !strings.Contains(errOut, "--as-dataset") {
		t.Errorf("push of a plain export: exit %d, %s; want 2 pointing at --as-dataset", code, errOut)
	}
	code, out, errOut := run(t, dir, "experiments", "export", "first", "--as-dataset", "--out", "cases.jsonl", "--store", db)
	if code != ExitOK || !strings.Contains(out, "wrote the 2 cases of first") {
		t.Fatalf("export --as-dataset: exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(readFile(t, filepath.Join(dir, "cases.jsonl"))), "\n")
	if len(lines) != 2 || !strings.Contains(strings.Join(lines, "\n"), `{"id":"t-1","input":{"q":"2+2"},"expected":"4","metadata":{"lang":"en"},"tags":["math"]}`) {
		t.Errorf("dataset rows:\n%s", strings.Join(lines, "\n"))
	}
	if code, out, errOut = run(t, dir, "datasets", "push", "d", "cases.jsonl", "--store", db); code != ExitOK {
		t.Fatalf("push: exit %d\n%s%s", code, out, errOut)
	}
	code, pulled, errOut := run(t, dir, "datasets", "pull", "d", "--store", db)
	if code != ExitOK {
		t.Fatalf("pull: exit %d %s", code, errOut)
	}
	for _, l := range lines {
		if !strings.Contains(pulled, l) {
			t.Errorf("pulled dataset lost the row %s:\n%s", l, pulled)
		}
	}
	// The cases read from the dataset keep their ids: a run over it
	// compares case by case with the experiment it came from.
	writeFile(t, filepath.Join(dir, "e.eval.yaml"), strings.Replace(strings.Replace(readFile(t, filepath.Join(dir, "e.eval.yaml")),
		"experiment: first", "experiment: second", 1), "data:\n  inline:", "data:\n  dataset: d\n  xinline:", 1))
	writeFile(t, filepath.Join(dir, "e.eval.yaml"), cutInline(readFile(t, filepath.Join(dir, "e.eval.yaml"))))
	code, out, errOut = run(t, dir, "run", "--store", db, "--base", "first")
	if code != ExitOK || !strings.Contains(out, "2 cases") {
		t.Fatalf("run over the pushed dataset: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = run(t, dir, "compare", "second", "first", "--store", db)
	if code != ExitOK || strings.Contains(out, "only in") || !strings.Contains(out, "2 paired cases") {
		t.Errorf("compare of the run over the dataset with its source: exit %d\n%s", code, out)
	}
}

// cutInline drops the xinline list the test left under data.
func cutInline(s string) string {
	var out []string
	skip := false
	for _, l := range strings.Split(s, "\n") {
		switch {
		case strings.HasPrefix(l, "  xinline:"):
			skip = true
			continue
		case skip && strings.HasPrefix(l, "    "):
			continue
		}
		skip = false
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
