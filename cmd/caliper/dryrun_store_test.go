package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDryRunCountsStoreData checks that --dry-run of an eval whose data is
// a store dataset or a stored experiment counts its cases from the store,
// running nothing.
func TestDryRunCountsStoreData(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), "store: s.db\n")
	writeFile(t, filepath.Join(dir, "qa.jsonl"), `{"id": "a", "input": 1}
{"id": "b", "input": 2}
{"id": "c", "input": 3}
`)
	if code, out, errOut := run(t, dir, "datasets", "push", "qa", "qa.jsonl"); code != ExitOK {
		t.Fatalf("push: exit %d\n%s%s", code, out, errOut)
	}
	writeFile(t, filepath.Join(dir, "first.eval.yaml"), "name: first\nexperiment: base\ndata: {dataset: qa}\ntask: {expr: input}\nscorers: [{name: ok, expr: \"true\"}]\n")
	code, out, errOut := run(t, dir, "run", "first.eval.yaml", "--dry-run")
	if code != ExitOK || !strings.Contains(out, "first: 3 cases × 1 trials = 3 rows") {
		t.Fatalf("dry run of a store dataset: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := run(t, dir, "run", "first.eval.yaml"); code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	writeFile(t, filepath.Join(dir, "second.eval.yaml"), "name: second\ndata: {experiment: first/base}\ntrials: 2\ntask: {expr: input}\nscorers: [{name: ok, expr: \"true\"}]\n")
	code, out, errOut = run(t, dir, "run", "second.eval.yaml", "--dry-run")
	if code != ExitOK || !strings.Contains(out, "second: 3 cases × 2 trials = 6 rows") {
		t.Fatalf("dry run of a stored experiment: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, dir, "experiments", "list")
	if code != ExitOK || strings.Count(out, "base") != 1 || strings.Contains(out, "second") {
		t.Errorf("the dry runs wrote an experiment: exit %d\n%s%s", code, out, errOut)
	}
}
