package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCreateExperiment(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	e := &Experiment{Eval: "support", Name: "main"}
	before := time.Now()
	if err := s.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	if len(e.ID) != 36 || e.Status != StatusRunning || e.Created.Before(before.Add(-time.Second)) || !e.Updated.Equal(e.Created) {
		t.Errorf("the filled experiment is %+v", e)
	}

	created := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	given := &Experiment{ID: "my-id", Eval: "support", Name: "given", Created: created, Status: StatusCompleted}
	if err := s.CreateExperiment(ctx, given); err != nil {
		t.Fatal(err)
	}
	got, err := s.Experiment(ctx, "", "my-id")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "my-id" || !got.Created.Equal(created) || !got.Updated.Equal(created) || got.Status != StatusCompleted {
		t.Errorf("an experiment with its fields given came back as %+v", got)
	}
}

func TestCreateExperimentErrors(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if err := s.CreateExperiment(ctx, &Experiment{Eval: "support", Name: "main"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		e     Experiment
		taken bool
		want  []string
	}{
		{"name taken", Experiment{Eval: "support", Name: "main"}, true,
			[]string{`eval "support" already has an experiment named "main"`, `"experiment" key`, "delete"}},
		{"no eval", Experiment{Name: "x"}, false, []string{"the eval name is empty"}},
		{"no name", Experiment{Eval: "support"}, false, []string{"the experiment name is empty"}},
		{"bad status", Experiment{Eval: "support", Name: "y", Status: "done"}, false,
			[]string{`unknown status "done"`, "completed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := tc.e
			err := s.CreateExperiment(ctx, &e)
			if err == nil {
				t.Fatal("CreateExperiment succeeded")
			}
			if errors.Is(err, ErrNameTaken) != tc.taken {
				t.Errorf("errors.Is(%q, ErrNameTaken) = %v", err, !tc.taken)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// The same name in another eval is another experiment.
	if err := s.CreateExperiment(ctx, &Experiment{Eval: "other", Name: "main"}); err != nil {
		t.Errorf("the same name in another eval: %v", err)
	}
}

func TestExperimentLookup(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	a := &Experiment{Eval: "support", Name: "main"}
	b := &Experiment{Eval: "billing", Name: "main"}
	c := &Experiment{Eval: "billing", Name: "feature"}
	for _, e := range []*Experiment{a, b, c} {
		if err := s.CreateExperiment(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, eval, nameOrID string
		wantID               string
		wantErr              []string
		notFound             bool
	}{
		{"by id", "", a.ID, a.ID, nil, false},
		{"by id and eval", "support", a.ID, a.ID, nil, false},
		{"by id of another eval", "billing", a.ID, "", []string{"not found"}, true},
		{"by name and eval", "billing", "main", b.ID, nil, false},
		{"by unique name", "", "feature", c.ID, nil, false},
		{"ambiguous name", "", "main", "", []string{`evals "billing" and "support"`, "name the eval"}, false},
		{"unknown", "", "nope", "", []string{`finding experiment "nope": not found`, "caliper experiments list"}, true},
		{"unknown in eval", "support", "feature", "", []string{`experiment "feature" of eval "support": not found`}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.Experiment(ctx, tc.eval, tc.nameOrID)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got.ID != tc.wantID {
					t.Errorf("found %s, want %s", got.ID, tc.wantID)
				}
				return
			}
			if err == nil {
				t.Fatalf("found %+v, want an error", got)
			}
			if errors.Is(err, ErrNotFound) != tc.notFound {
				t.Errorf("errors.Is(%q, ErrNotFound) = %v", err, !tc.notFound)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestExperimentsList(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i, eval := range []string{"a", "b", "a", "b", "a"} {
		e := &Experiment{Eval: eval, Name: string(rune('p' + i)), Created: base.Add(time.Duration(i) * time.Hour)}
		if err := s.CreateExperiment(ctx, e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	w := s.NewWriter(ids[2], WriterOptions{})
	for i := range 7 {
		if err := w.Write(testRow(i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts ListOptions
		want []string
	}{
		{"all, newest first", ListOptions{}, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{"limit", ListOptions{Limit: 2}, []string{ids[4], ids[3]}},
		{"eval", ListOptions{Eval: "a"}, []string{ids[4], ids[2], ids[0]}},
		{"eval and limit", ListOptions{Eval: "b", Limit: 1}, []string{ids[3]}},
		{"unknown eval", ListOptions{Eval: "z"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			list, err := s.Experiments(ctx, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range list {
				got = append(got, e.ID)
				wantRows := 0
				if e.ID == ids[2] {
					wantRows = 7
				}
				if e.Rows != wantRows {
					t.Errorf("experiment %s has %d rows, want %d", e.Name, e.Rows, wantRows)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("listed %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUpdateExperiment(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	e := newExperiment(t, s, "x")
	for _, tc := range []struct {
		name        string
		status      string
		summary     json.RawMessage
		wantStatus  string
		wantSummary string
	}{
		{"status and summary", StatusInterrupted, json.RawMessage(`{"cases":3}`), StatusInterrupted, `{"cases":3}`},
		{"status only", StatusCompleted, nil, StatusCompleted, `{"cases":3}`},
		{"summary only", "", json.RawMessage(`{"cases":4}`), StatusCompleted, `{"cases":4}`},
	} {
		// Sequential: each case builds on the one before.
		before, err := s.Experiment(ctx, "", e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateExperiment(ctx, e.ID, tc.status, tc.summary); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := s.Experiment(ctx, "", e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != tc.wantStatus || string(got.Summary) != tc.wantSummary {
			t.Errorf("%s: status %q summary %s, want %q %s", tc.name, got.Status, got.Summary, tc.wantStatus, tc.wantSummary)
		}
		if got.Updated.Before(before.Updated) || !got.Created.Equal(e.Created) {
			t.Errorf("%s: created %v updated %v, before updated %v", tc.name, got.Created, got.Updated, before.Updated)
		}
	}
	for _, tc := range []struct {
		name, id, status string
		notFound         bool
		want             string
	}{
		{"unknown id", "nope", StatusCompleted, true, `updating experiment "nope": not found`},
		{"bad status", e.ID, "ok", false, `unknown status "ok"`},
	} {
		err := s.UpdateExperiment(ctx, tc.id, tc.status, nil)
		if err == nil || errors.Is(err, ErrNotFound) != tc.notFound || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestDeleteExperiment(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	keep, gone := newExperiment(t, s, "keep"), newExperiment(t, s, "gone")
	for _, e := range []*Experiment{keep, gone} {
		w := s.NewWriter(e.ID, WriterOptions{})
		for i := range 5 {
			if err := w.Write(testRow(i, 0)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteExperiment(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Experiment(ctx, "", gone.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the deleted experiment: %v, want not found", err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM rows WHERE experiment_id = ?`, gone.ID).Scan(&n); err != nil || n != 0 {
		t.Errorf("the deleted experiment has %d rows left (%v)", n, err)
	}
	if got, err := s.Experiment(ctx, "", keep.ID); err != nil || got.Rows != 5 {
		t.Errorf("the other experiment: %+v, %v", got, err)
	}
	if err := s.DeleteExperiment(ctx, gone.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting again: %v, want not found", err)
	}
	// The name is free again.
	if err := s.CreateExperiment(ctx, &Experiment{Eval: "e", Name: "gone"}); err != nil {
		t.Errorf("reusing the name of a deleted experiment: %v", err)
	}
}
