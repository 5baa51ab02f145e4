package postgres

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/caliperhq/caliper/store"
	"github.com/caliperhq/caliper/store/postgres/pgtest"
)

func TestSmoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := &store.Experiment{Name: "a", Eval: "ev"}
	if err := s.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateExperiment(ctx, &store.Experiment{Name: "a", Eval: "ev"}); err == nil {
		t.Fatal("dup")
	} else {
		t.Log(err)
	}
	w := s.NewWriter(e.ID, store.WriterOptions{BatchSize: 3})
	for _, id := range []string{"b", "a", "B", "é", "a"} {
		if err := w.Write(&store.Row{CaseID: id, Input: json.RawMessage(`{"x":1}`), Scores: map[string]float64{"s": 0.5}, Tags: []string{"t"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	err = s.Rows(ctx, e.ID, func(r *store.Row) error { t.Logf("%+v", *r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.Experiments(ctx, store.ListOptions{})
	t.Logf("%+v %v", list, err)
}
