package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/caliperhq/caliper/store"
)

func TestQueryRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e := &store.Experiment{Eval: "e", Name: "q"}
	if err := s.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	w := s.NewWriter(e.ID, store.WriterOptions{})
	for i := range 10 {
		r := &store.Row{CaseID: fmt.Sprintf("c%d", i), Input: []byte(fmt.Sprintf(`{"q":"Question %d"}`, i)),
			Output: []byte(fmt.Sprintf(`"answer %d"`, i%3)), Scores: map[string]float64{`we"ird.name`: float64(i%4) / 4}}
		if i%3 == 0 {
			r.Error, r.Output, r.Scores = "boom", nil, nil
		}
		if i != 5 {
			r.Metrics = map[string]float64{"tokens": float64(100 - i)}
		}
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	half := 0.5
	tests := []struct {
		name  string
		q     store.RowQuery
		want  []string
		total int
	}{
		{"all", store.RowQuery{}, []string{"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"}, 10},
		{"page", store.RowQuery{Offset: 2, Limit: 3}, []string{"c2", "c3", "c4"}, 10},
		{"desc", store.RowQuery{Desc: true, Limit: 2}, []string{"c9", "c8"}, 10},
		{"errored", store.RowQuery{Errored: true}, []string{"c0", "c3", "c6", "c9"}, 4},
		{"text any case", store.RowQuery{Text: "QUESTION 7"}, []string{"c7"}, 1},
		{"text in output", store.RowQuery{Text: "answer 2"}, []string{"c2", "c5", "c8"}, 3},
		{"below, quoted name", store.RowQuery{Score: `we"ird.name`, Below: &half}, []string{"c1", "c4", "c5", "c8"}, 4},
		{"by score, absent last", store.RowQuery{SortScore: `we"ird.name`, Desc: true}, []string{"c7", "c2", "c1", "c5", "c4", "c8", "c0", "c3", "c6", "c9"}, 10},
		{"by metric ascending, absent last", store.RowQuery{SortMetric: "tokens", Limit: 4}, []string{"c9", "c8", "c7", "c6"}, 10},
		{"by metric, absent last", store.RowQuery{SortMetric: "tokens", Offset: 8}, []string{"c0", "c5"}, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rows, total, err := s.QueryRows(ctx, e.ID, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.CaseID)
			}
			if total != tc.total || !slices.Equal(got, tc.want) {
				t.Errorf("QueryRows(%+v) = %v (total %d), want %v (total %d)", tc.q, got, total, tc.want, tc.total)
			}
		})
	}
}
