package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

func score(v float64) *float64 { return &v }

func testFeedbackRoundTrip(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	e := newExperiment(t, s, "reviewed")
	other := newExperiment(t, s, "other")
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	recs := []store.Feedback{
		{ExperimentID: e.ID, CaseID: "c1", Name: "helpful", Score: score(1), Comment: "clear", Author: "ada", Created: at},
		{ExperimentID: e.ID, CaseID: "c2 <é>", Trial: 2, Name: "human", Label: "wrong-tone", Author: "grace", Created: at.Add(time.Second)},
		{ExperimentID: e.ID, CaseID: "c1", Name: "helpful", Score: score(0), Author: "ada"},
		{ExperimentID: other.ID, CaseID: "c1", Name: "helpful", Score: score(0.5), Author: "ada"},
	}
	for i := range recs {
		if err := s.AddFeedback(ctx, &recs[i]); err != nil {
			t.Fatal(err)
		}
		if recs[i].ID == "" || recs[i].Created.IsZero() {
			t.Fatalf("AddFeedback did not fill the id and time: %+v", recs[i])
		}
	}
	all, err := s.Feedback(ctx, e.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("Feedback(all) = %d records, want 3: %+v", len(all), all)
	}
	for i, want := range recs[:3] {
		got := all[i]
		if got.ID != want.ID || got.CaseID != want.CaseID || got.Trial != want.Trial || got.Name != want.Name ||
			got.Label != want.Label || got.Comment != want.Comment || got.Author != want.Author || !got.Created.Equal(want.Created) ||
			(got.Score == nil) != (want.Score == nil) || got.Score != nil && *got.Score != *want.Score {
			t.Errorf("record %d: got %+v, want %+v", i, got, want)
		}
	}
	one, err := s.Feedback(ctx, e.ID, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 2 || one[0].ID != recs[0].ID || one[1].ID != recs[2].ID {
		t.Errorf("Feedback(c1) = %+v, want records 0 and 2, oldest first", one)
	}
	if none, err := s.Feedback(ctx, e.ID, "nope"); err != nil || len(none) != 0 {
		t.Errorf("Feedback(nope) = %v, %v; want none", none, err)
	}
	if err := s.DeleteExperiment(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if left, err := s.Feedback(ctx, e.ID, ""); err != nil || len(left) != 0 {
		t.Errorf("after DeleteExperiment: %v, %v; want no feedback", left, err)
	}
	if kept, err := s.Feedback(ctx, other.ID, ""); err != nil || len(kept) != 1 {
		t.Errorf("the other experiment's feedback: %v, %v; want its one record", kept, err)
	}
}

func testFeedbackErrors(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	e := newExperiment(t, s, "reviewed")
	if err := s.AddFeedback(ctx, &store.Feedback{ExperimentID: "missing", CaseID: "c", Name: "n", Score: score(1), Author: "a"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("feedback on a missing experiment: %v, want ErrNotFound", err)
	}
	bad := []store.Feedback{
		{ExperimentID: e.ID, CaseID: "c", Name: "n", Score: score(1.5), Author: "a"},
		{ExperimentID: e.ID, CaseID: "c", Name: "n", Score: score(-0.1), Author: "a"},
		{ExperimentID: e.ID, CaseID: "c", Name: "n", Author: "a"},
		{ExperimentID: e.ID, CaseID: "", Name: "n", Score: score(1), Author: "a"},
		{ExperimentID: e.ID, CaseID: "c", Name: "", Score: score(1), Author: "a"},
		{ExperimentID: e.ID, CaseID: "c", Name: "n", Score: score(1), Author: ""},
	}
	for _, f := range bad {
		if err := s.AddFeedback(ctx, &f); err == nil {
			t.Errorf("AddFeedback(%+v) accepted it", f)
		}
	}
	if got, _ := s.Feedback(ctx, e.ID, ""); len(got) != 0 {
		t.Errorf("refused feedback was stored: %+v", got)
	}
}
