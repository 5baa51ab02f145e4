package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSkippedRowsAreCounted runs a dataset with two malformed rows under
// on_error: skip: the count is in the terminal summary, the JSON report and
// the experiment's stored summary.
func TestSkippedRowsAreCounted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "d.jsonl"), `{"id": "a", "input": 1}
{"id": "b", "input": 2
{"id": "c", "input": 3}
not json
{"id": "d", "input": 4}
`)
	writeFile(t, filepath.Join(dir, "skip.eval.yaml"), `name: skip
data: {file: d.jsonl, on_error: skip}
task: {expr: input}
scorers: [{name: ran, expr: "true"}]
`)
	db := filepath.Join(dir, "s.db")
	code, out, errOut := run(t, dir, "run", "--store", db, "--json", "r.json")
	if code != ExitOK || !strings.Contains(out, "3 cases, 3 rows · 0 errors · 2 malformed rows skipped (data.on_error: skip)") {
		t.Errorf("exit %d; want the skipped rows counted in the summary:\n%s%s", code, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "r.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Evals []struct {
			SkippedRows *int `json:"skipped_rows"`
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Evals) != 1 || doc.Evals[0].SkippedRows == nil || *doc.Evals[0].SkippedRows != 2 {
		t.Errorf("JSON report (%v): want skipped_rows 2 in\n%s", err, b)
	}
	_, sum, _ := trustExperiment(t, db, "skip")
	if sum.SkippedRows != 2 {
		t.Errorf("stored summary: skipped_rows %d, want 2", sum.SkippedRows)
	}
}
