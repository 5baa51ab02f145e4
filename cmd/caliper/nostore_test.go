package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
)

func TestNoStoreRunsAndReportsWithoutWritingAnExperiment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	writeFile(t, filepath.Join(dir, "e.eval.yaml"), `name: e
experiment: kept
parameters: {add: {type: integer, default: 0}}
data: {inline: [{input: 1, expected: 1}, {input: 2, expected: 2}]}
task: {expr: input + parameters.add}
scorers: [{name: exact, expr: output == expected}]
`)
	if code, out, errOut := run(t, dir, "run", "--store", db); code != ExitOK {
		t.Fatalf("stored run: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := run(t, dir, "run", "--store", db, "--no-store", "--base", "kept", "--param", "add=1", "--json", "r.json")
	if code != ExitOK || !strings.Contains(out, "not stored (--no-store)") || !strings.Contains(out, "compared with kept") {
		t.Fatalf("--no-store: exit %d\n%s%s", code, out, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "r.json")); err != nil || !strings.Contains(string(b), `"exact"`) {
		t.Errorf("the JSON report of a --no-store run: %v %s", err, b)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	exps, err := st.Experiments(context.Background(), store.ListOptions{})
	if err != nil || len(exps) != 1 || exps[0].Name != "kept" {
		t.Errorf("the store holds %d experiments (%v), want only the one stored before", len(exps), err)
	}
	code, _, errOut = run(t, dir, "run", "--store", db, "--no-store", "--resume")
	if code != ExitInvalid || !strings.Contains(errOut, "--no-store cannot be used with --resume") {
		t.Errorf("--no-store --resume: exit %d, %s", code, errOut)
	}
}
