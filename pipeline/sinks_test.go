package pipeline

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
	_ "github.com/caliperhq/caliper/store/sqlite"
)

// storedSummary writes results through the store as a run does and returns
// the summary of the live sink and of the rows read back, as compare sees
// them, with the rows.
func storedSummary(t *testing.T, results ...*Result) (live, stored *report.Summary, rows []*store.Row) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := &store.Experiment{Eval: "e", Name: "x"}
	if err := db.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	w := db.NewWriter(e.ID, store.WriterOptions{})
	agg := report.NewAggregator([]string{"a", "b"})
	for _, r := range results {
		SummarySink{A: agg}.Add(r)
		if err := w.Write(ToRow(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Rows(ctx, e.ID, func(r *store.Row) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	stored, err = report.Summarize(report.RowSlice(rows), report.SummaryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return agg.Summary(len(results)), stored, rows
}

// scorerErrorCount is the errors of scorer name in s.
func scorerErrorCount(s *report.Summary, name string) int {
	for _, sc := range s.Scores {
		if sc.Name == name {
			return sc.Errors
		}
	}
	return 0
}

// TestNaNMetadataKeepsScorerErrors is issue 9: NaN in one scorer's metadata
// erased every scorer error of the row.
func TestNaNMetadataKeepsScorerErrors(t *testing.T) {
	t.Parallel()
	r := &Result{
		Case:         &datasets.Case{Case: spec.Case{ID: "c1", Input: "q"}},
		Output:       "a",
		Scores:       []scorers.Score{{Name: "a", Value: 0.5, Metadata: map[string]any{"ratio": math.NaN(), "n": 2}}, {Name: "b", Value: 0}},
		ScorerErrors: map[string]string{"b": "judge: rate limited"},
	}
	live, stored, rows := storedSummary(t, r)
	want := `{"_caliper_note":"not a JSON number, stored as null: ratio (NaN)","n":2,"ratio":null}`
	if got := string(rows[0].ScoreMeta["a"]); got != want {
		t.Errorf("scorer a's metadata = %s, want %s", got, want)
	}
	if got := scorerErrorCount(live, "b"); got != 1 {
		t.Errorf("live: scorer b has %d errors, want 1", got)
	}
	if got := scorerErrorCount(stored, "b"); got != 1 {
		t.Errorf("stored: scorer b has %d errors, want 1", got)
	}
}

// TestScorerMetadataErrorKeyIsNoError is issue 9: a scorer whose own metadata
// has an "error" key counted as 0 errors live and 1 in compare.
func TestScorerMetadataErrorKeyIsNoError(t *testing.T) {
	t.Parallel()
	r := &Result{
		Case:   &datasets.Case{Case: spec.Case{ID: "c1", Input: "q"}},
		Output: "a",
		Scores: []scorers.Score{{Name: "a", Value: 1, Metadata: map[string]any{"error": "none found"}}, {Name: "b", Value: 1}},
	}
	live, stored, _ := storedSummary(t, r)
	if l, s := scorerErrorCount(live, "a"), scorerErrorCount(stored, "a"); l != 0 || s != 0 {
		t.Errorf("scorer a: %d errors live, %d stored, want 0 and 0", l, s)
	}
}

// keptRows keeps the row of every result, as a progress display may.
type keptRows struct {
	mu   sync.Mutex
	rows map[string]*store.Row
}

func (k *keptRows) Add(r *Result) error {
	row := ToRow(r)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.rows[row.CaseID] = row
	return nil
}

// TestToRowKeepsItsMetrics keeps the ToRow rows of a run whose workers reuse
// their cases' memory, and checks each against the stored row of its case.
func TestToRowKeepsItsMetrics(t *testing.T) {
	t.Parallel()
	ev := loadEval(t, `name: kept
data: {inline: [{id: a, input: 1}, {id: b, input: 2}, {id: c, input: 3}, {id: d, input: 4}, {id: e, input: 5}, {id: f, input: 6}]}
task: {expr: input * 2}
scorers: [{name: ok, expr: "true"}]
max_concurrency: 2
`, nil)
	p, err := Compile(ev, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	kept := &keptRows{rows: map[string]*store.Row{}}
	out, err := p.RunExperiment(ctx, ExperimentOptions{Store: db, Name: "k", Progress: kept})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := db.Rows(ctx, out.Experiment.ID, func(r *store.Row) error {
		n++
		if k := kept.rows[r.CaseID]; k == nil || !reflect.DeepEqual(k.Metrics, r.Metrics) || k.Scores["ok"] != 1 {
			t.Errorf("case %s: kept row %+v, stored metrics %v", r.CaseID, k, r.Metrics)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Errorf("%d rows stored, want 6", n)
	}
}
