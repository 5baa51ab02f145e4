package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
)

func TestExperimentsShowCases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	add := func(e *store.Experiment, rows ...*store.Row) {
		if err := db.CreateExperiment(ctx, e); err != nil {
			t.Fatal(err)
		}
		w := db.NewWriter(e.ID, store.WriterOptions{})
		for _, r := range rows {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	row := func(id string, score float64, out, errMsg string) *store.Row {
		o, _ := json.Marshal(out)
		r := &store.Row{CaseID: id, Input: json.RawMessage(`{}`), Output: o, Scores: map[string]float64{"correct": score}, Error: errMsg}
		if errMsg != "" {
			r.Output = nil
		}
		return r
	}
	base := &store.Experiment{Eval: "qa", Name: "main"}
	judgeFailed := row("d", 1, "10", "")
	judgeFailed.ScorerErrors = map[string]string{"judge": "no select_choice tool call"}
	add(base, row("a", 1, "4", ""), row("b", 1, "6", ""), row("c", 1, "8", ""), row("d", 1, "10", ""))
	add(&store.Experiment{Eval: "qa", Name: "feature", Base: base.ID},
		row("a", 1, "4", ""), row("b", 0, "\x1b[31mred\x1b[0m seven", ""), row("c", 0, "", "timed out after 30s"), judgeFailed)
	db.Close()

	tests := []struct {
		name      string
		args      []string
		want, not []string
	}{
		{"cases", []string{"--cases"}, []string{"CASE", "a ", "b ", "c ", "error: timed out after 30s", "4 rows"}, []string{"\x1b"}},
		{"errors", []string{"--errors"}, []string{"c ", "error: timed out", "d ", "scorer error: judge: no select_choice tool call", "2 rows"}, []string{"a  "}},
		{"regressed", []string{"--regressed"}, []string{"CHANGE", "-1.000", "b ", "c ", "2 rows"}, []string{"\na "}},
	}
	for _, tc := range tests {
		code, out, errOut := run(t, t.TempDir(), append([]string{"experiments", "show", "--store", path, "feature"}, tc.args...)...)
		if code != ExitOK {
			t.Fatalf("%s: exit %d\n%s%s", tc.name, code, out, errOut)
		}
		rows := out[strings.Index(out, "\nCASE"):]
		for _, w := range tc.want {
			if !strings.Contains(rows, w) {
				t.Errorf("%s: no %q in\n%s", tc.name, w, rows)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(rows, w) {
				t.Errorf("%s: %q in\n%s", tc.name, w, rows)
			}
		}
	}
	if code, _, errOut := run(t, t.TempDir(), "experiments", "show", "--store", path, "main", "--regressed"); code != ExitInvalid || !strings.Contains(errOut, "compared with no base") {
		t.Errorf("--regressed without a base: exit %d: %s", code, errOut)
	}
}
