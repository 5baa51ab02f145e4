package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// testQueryRows checks the filters, orders and pages of a store that is a
// store.RowQuerier; it skips a store that is not one.
func testQueryRows(t *testing.T, open Opener) {
	t.Parallel()
	ctx := context.Background()
	s := open(t)
	rq, ok := s.(store.RowQuerier)
	if !ok {
		t.Skip("the store does not query rows itself")
	}
	e := newExperiment(t, s, "q")
	other := newExperiment(t, s, "other")
	w := s.NewWriter(e.ID, store.WriterOptions{})
	for i := range 10 {
		r := &store.Row{CaseID: fmt.Sprintf("c%d", i), Input: []byte(fmt.Sprintf(`{"q":"Question %d"}`, i)),
			Output: []byte(fmt.Sprintf(`"answer %d"`, i%3)), Scores: map[string]float64{`we"ird.name`: float64(i%4) / 4},
			Spans: []byte(`[{"name":"m"}]`)}
		if i%3 == 0 {
			r.Error, r.Output, r.Scores = "boom", nil, nil
		}
		if i != 5 {
			r.Metrics = map[string]float64{"tokens": float64(100 - i)}
		}
		if i == 4 {
			r.CaseID = "C4-Upper"
		}
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ow := s.NewWriter(other.ID, store.WriterOptions{})
	if err := ow.Write(&store.Row{CaseID: "c1", Input: []byte(`"Question 1"`), Error: "boom"}); err != nil {
		t.Fatal(err)
	}
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	half := 0.5
	tests := []struct {
		name  string
		q     store.RowQuery
		want  []string
		total int
	}{
		{"all", store.RowQuery{}, []string{"C4-Upper", "c0", "c1", "c2", "c3", "c5", "c6", "c7", "c8", "c9"}, 10},
		{"page", store.RowQuery{Offset: 2, Limit: 3}, []string{"c1", "c2", "c3"}, 10},
		{"past the end", store.RowQuery{Offset: 20, Limit: 3}, nil, 10},
		{"desc", store.RowQuery{Desc: true, Limit: 2}, []string{"c9", "c8"}, 10},
		{"errored", store.RowQuery{Errored: true}, []string{"c0", "c3", "c6", "c9"}, 4},
		{"text any case", store.RowQuery{Text: "QUESTION 7"}, []string{"c7"}, 1},
		{"text in output", store.RowQuery{Text: "answer 2"}, []string{"c2", "c5", "c8"}, 3},
		{"text in case id", store.RowQuery{Text: "c4-up"}, []string{"C4-Upper"}, 1},
		{"below, quoted name", store.RowQuery{Score: `we"ird.name`, Below: &half}, []string{"C4-Upper", "c1", "c5", "c8"}, 4},
		{"by score, absent last", store.RowQuery{SortScore: `we"ird.name`, Desc: true}, []string{"c7", "c2", "c1", "c5", "C4-Upper", "c8", "c0", "c3", "c6", "c9"}, 10},
		{"by metric ascending, absent last", store.RowQuery{SortMetric: "tokens", Limit: 4}, []string{"c9", "c8", "c7", "c6"}, 10},
		{"by metric, absent last", store.RowQuery{SortMetric: "tokens", Offset: 8}, []string{"c0", "c5"}, 10},
		{"filters together", store.RowQuery{Text: "answer", Score: `we"ird.name`, Below: &half, SortMetric: "tokens"}, []string{"c8", "C4-Upper", "c1", "c5"}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rows, total, err := rq.QueryRows(ctx, e.ID, tc.q)
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
	t.Run("values", func(t *testing.T) {
		t.Parallel()
		rows, _, err := rq.QueryRows(ctx, e.ID, store.RowQuery{Text: "question 2"})
		if err != nil || len(rows) != 1 {
			t.Fatalf("rows %v, %v", rows, err)
		}
		r := rows[0]
		if string(r.Input) != `{"q":"Question 2"}` || string(r.Output) != `"answer 2"` || r.Scores[`we"ird.name`] != 0.5 || r.Metrics["tokens"] != 98 {
			t.Errorf("row %+v", r)
		}
		rows, _, err = rq.QueryRows(ctx, e.ID, store.RowQuery{Errored: true, Limit: 1})
		if err != nil || len(rows) != 1 || rows[0].Error != "boom" || rows[0].Output != nil {
			t.Errorf("errored row %+v, %v", rows, err)
		}
	})
}
