package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// TestExplicitNullExpectedEndToEnd runs the binary on a JSONL row whose
// expected is an explicit null and one without expected: the first is
// compared (exact_match and json_diff of null and null are 1, as in
// autoevals), the second is a scorer error. The stored rows keep the
// difference, so --rescore and data: {experiment} score them the same way.
func TestExplicitNullExpectedEndToEnd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rows.jsonl"), `{"id": "null", "input": 1, "expected": null}
{"id": "absent", "input": 2}
`)
	const scorers = `scorers:
  - use: exact_match
  - use: json_diff
`
	writeFile(t, filepath.Join(dir, "n.eval.yaml"), "name: n\nexperiment: first\ndata: {file: rows.jsonl}\ntask: {expr: 'nil'}\n"+scorers)
	db := filepath.Join(dir, "s.db")
	check := func(what, exp string) {
		t.Helper()
		ctx := context.Background()
		st, err := store.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		e, err := st.Experiment(ctx, "n", exp)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		rows := map[string]*store.Row{}
		if err := st.Rows(ctx, e.ID, func(r *store.Row) error { rows[r.CaseID] = r; return nil }); err != nil {
			t.Fatal(err)
		}
		if r := rows["null"]; r == nil || string(r.Expected) != "null" || r.Scores["exact_match"] != 1 || r.Scores["json_diff"] != 1 || len(r.ScorerErrors) != 0 {
			t.Errorf("%s: the row with expected null: %+v; want expected null and both scores 1", what, r)
		}
		if r := rows["absent"]; r == nil || r.Expected != nil || !strings.Contains(r.ScorerErrors["exact_match"], "no expected value") {
			t.Errorf("%s: the row without expected: %+v; want no expected and a scorer error", what, r)
		}
	}
	code, out, errOut := runCaliper(t, dir, nil, "run", ".", "--store", db)
	if code != ExitFailed && code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	check("run", "first")

	writeFile(t, filepath.Join(dir, "n.eval.yaml"), "name: n\nexperiment: second\ndata: {file: rows.jsonl}\ntask: {expr: 'nil'}\n"+scorers)
	if code, out, errOut := runCaliper(t, dir, nil, "run", ".", "--store", db, "--rescore", "first"); code != ExitFailed && code != ExitOK {
		t.Fatalf("rescore: exit %d\n%s%s", code, out, errOut)
	}
	check("--rescore", "second")

	writeFile(t, filepath.Join(dir, "n.eval.yaml"), "name: n\nexperiment: third\ndata: {experiment: first}\ntask: {expr: 'nil'}\n"+scorers)
	if code, out, errOut := runCaliper(t, dir, nil, "run", ".", "--store", db); code != ExitFailed && code != ExitOK {
		t.Fatalf("data.experiment: exit %d\n%s%s", code, out, errOut)
	}
	check("data: {experiment}", "third")
}
