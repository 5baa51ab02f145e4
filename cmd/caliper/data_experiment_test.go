package main

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
)

func TestDataFromAStoredExperiment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	writeFile(t, filepath.Join(dir, "gen", "gen.eval.yaml"), `name: gen
experiment: first
data:
  inline:
    - {id: one, input: 1, expected: 2, metadata: {lang: en}, tags: [a]}
    - {id: two, input: 2, expected: 4}
    - {id: three, input: 3, expected: 6}
task: {expr: 'input * 2 + (input == 3 ? 1 : 0)'}
scorers: [{name: exact, expr: output == expected}]
trials: 2
`)
	code, out, errOut := run(t, dir, "run", "gen", "--store", db)
	if code != ExitOK {
		t.Fatalf("gen: exit %d\n%s%s", code, out, errOut)
	}
	// The stored outputs become the expected values of another eval.
	writeFile(t, filepath.Join(dir, "hill", "hill.eval.yaml"), `name: hill
experiment: labels
data:
  experiment: gen/first
  fields: {expected: row.output}
task: {expr: 'input * 2'}
scorers: [{name: same, expr: output == expected}]
`)
	// Without fields, the cases keep their id, input, expected, metadata and tags.
	writeFile(t, filepath.Join(dir, "same", "same.eval.yaml"), `name: same
experiment: copy
data: {experiment: first}
task: {expr: 'input * 2'}
scorers: [{name: exact, expr: output == expected}]
`)
	for _, eval := range []string{"hill", "same"} {
		code, out, errOut = run(t, dir, "run", eval, "--store", db)
		if code != ExitOK {
			t.Fatalf("%s: exit %d\n%s%s", eval, code, out, errOut)
		}
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct{ eval, exp, want string }{
		{"hill", "labels", "one:1:2:1 three:3:7:0 two:2:4:1"},
		{"same", "copy", "one:1:2:1 three:3:6:1 two:2:4:1"},
	} {
		e, err := st.Experiment(context.Background(), tc.eval, tc.exp)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		err = st.Rows(context.Background(), e.ID, func(r *store.Row) error {
			got = append(got, strings.Join([]string{r.CaseID, string(r.Input), string(r.Expected), map[bool]string{true: "1", false: "0"}[r.Scores[map[string]string{"hill": "same", "same": "exact"}[tc.eval]] == 1]}, ":"))
			if r.CaseID == "one" && (string(r.Metadata) != `{"lang":"en"}` || strings.Join(r.Tags, ",") != "a") {
				t.Errorf("%s: case one has metadata %s tags %v, want the stored ones", tc.eval, r.Metadata, r.Tags)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(got)
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: rows %v, want %s (one row per case, from its first trial)", tc.eval, got, tc.want)
		}
	}
	code, _, errOut = run(t, dir, "run", "same", "--store", filepath.Join(dir, "other.db"))
	if code != ExitInvalid || !strings.Contains(errOut, `experiment "first"`) {
		t.Errorf("data.experiment missing from the store: exit %d, %s", code, errOut)
	}
}
