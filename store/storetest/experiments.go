package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/caliperhq/caliper/store"
	"reflect"
	"strings"
	"testing"
	"time"
)

func testCreateExperiment(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	e := &store.Experiment{Eval: "support", Name: "main"}
	before := time.Now()
	if err := s.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	if len(e.ID) != 36 || e.Status != store.StatusRunning || e.Created.Before(before.Add(-time.Second)) || !e.Updated.Equal(e.Created) {
		t.Errorf("the filled experiment is %+v", e)
	}

	created := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	given := &store.Experiment{ID: "my-id", Eval: "support", Name: "given", Created: created, Status: store.StatusCompleted}
	if err := s.CreateExperiment(ctx, given); err != nil {
		t.Fatal(err)
	}
	got, err := s.Experiment(ctx, "", "my-id")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "my-id" || !got.Created.Equal(created) || !got.Updated.Equal(created) || got.Status != store.StatusCompleted {
		t.Errorf("an experiment with its fields given came back as %+v", got)
	}
}

func testCreateExperimentErrors(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	if err := s.CreateExperiment(ctx, &store.Experiment{Eval: "support", Name: "main"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		e     store.Experiment
		taken bool
		want  []string
	}{
		{"name taken", store.Experiment{Eval: "support", Name: "main"}, true,
			[]string{`eval "support" already has an experiment named "main"`, `"experiment" key`, "delete"}},
		{"no eval", store.Experiment{Name: "x"}, false, []string{"the eval name is empty"}},
		{"no name", store.Experiment{Eval: "support"}, false, []string{"the experiment name is empty"}},
		{"bad status", store.Experiment{Eval: "support", Name: "y", Status: "done"}, false,
			[]string{`unknown status "done"`, "completed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := tc.e
			err := s.CreateExperiment(ctx, &e)
			if err == nil {
				t.Fatal("CreateExperiment succeeded")
			}
			if errors.Is(err, store.ErrNameTaken) != tc.taken {
				t.Errorf("errors.Is(%q, store.ErrNameTaken) = %v", err, !tc.taken)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// The same name in another eval is another experiment.
	if err := s.CreateExperiment(ctx, &store.Experiment{Eval: "other", Name: "main"}); err != nil {
		t.Errorf("the same name in another eval: %v", err)
	}
}

func testExperimentLookup(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	a := &store.Experiment{Eval: "support", Name: "main"}
	b := &store.Experiment{Eval: "billing", Name: "main"}
	c := &store.Experiment{Eval: "billing", Name: "feature"}
	for _, e := range []*store.Experiment{a, b, c} {
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
			if errors.Is(err, store.ErrNotFound) != tc.notFound {
				t.Errorf("errors.Is(%q, store.ErrNotFound) = %v", err, !tc.notFound)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func testExperimentsList(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i, eval := range []string{"a", "b", "a", "b", "a"} {
		e := &store.Experiment{Eval: eval, Name: string(rune('p' + i)), Created: base.Add(time.Duration(i) * time.Hour)}
		if err := s.CreateExperiment(ctx, e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	w := s.NewWriter(ids[2], store.WriterOptions{})
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
		opts store.ListOptions
		want []string
	}{
		{"all, newest first", store.ListOptions{}, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{"limit", store.ListOptions{Limit: 2}, []string{ids[4], ids[3]}},
		{"eval", store.ListOptions{Eval: "a"}, []string{ids[4], ids[2], ids[0]}},
		{"eval and limit", store.ListOptions{Eval: "b", Limit: 1}, []string{ids[3]}},
		{"unknown eval", store.ListOptions{Eval: "z"}, nil},
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

func testUpdateExperiment(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	e := newExperiment(t, s, "x")
	for _, tc := range []struct {
		name        string
		status      string
		summary     json.RawMessage
		wantStatus  string
		wantSummary string
	}{
		{"status and summary", store.StatusInterrupted, json.RawMessage(`{"cases":3}`), store.StatusInterrupted, `{"cases":3}`},
		{"status only", store.StatusCompleted, nil, store.StatusCompleted, `{"cases":3}`},
		{"summary only", "", json.RawMessage(`{"cases":4}`), store.StatusCompleted, `{"cases":4}`},
		{"stopped by --max-cost", store.StatusStopped, nil, store.StatusStopped, `{"cases":4}`},
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
		{"unknown id", "nope", store.StatusCompleted, true, `updating experiment "nope": not found`},
		{"bad status", e.ID, "ok", false, `unknown status "ok"`},
	} {
		err := s.UpdateExperiment(ctx, tc.id, tc.status, nil)
		if err == nil || errors.Is(err, store.ErrNotFound) != tc.notFound || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func testDeleteExperiment(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	keep, gone := newExperiment(t, s, "keep"), newExperiment(t, s, "gone")
	for _, e := range []*store.Experiment{keep, gone} {
		w := s.NewWriter(e.ID, store.WriterOptions{})
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
	if _, err := s.Experiment(ctx, "", gone.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the deleted experiment: %v, want not found", err)
	}
	n := 0
	if err := s.Rows(ctx, gone.ID, func(*store.Row) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("the deleted experiment has %d rows left (%v)", n, err)
	}
	if got, err := s.Experiment(ctx, "", keep.ID); err != nil || got.Rows != 5 {
		t.Errorf("the other experiment: %+v, %v", got, err)
	}
	if err := s.DeleteExperiment(ctx, gone.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting again: %v, want not found", err)
	}
	// The name is free again.
	if err := s.CreateExperiment(ctx, &store.Experiment{Eval: "e", Name: "gone"}); err != nil {
		t.Errorf("reusing the name of a deleted experiment: %v", err)
	}
}

func testExperimentMetadataRoundTrip(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	commitTime := time.Date(2025, 6, 7, 8, 9, 10, 11, time.FixedZone("CEST", 2*3600))
	for _, tc := range []struct {
		name string
		e    store.Experiment
	}{
		{"everything", store.Experiment{
			Git:     store.Git{Commit: "abc123", Branch: "feature/x", Dirty: true, Tag: "v1.2.0", Author: "Ada <ada@example.com>", CommitTime: commitTime},
			Dataset: "support", DatasetVersion: 3, Base: "0190-base-id",
			Reduction: &store.Reduction{Reduce: "max", ScoreReduce: map[string]string{"judge": "pass_at_k"}, PassScore: 0.7,
				Pass: `scores.correct >= 0.5 && output != ""`},
		}},
		{"default reduction", store.Experiment{Reduction: &store.Reduction{}}},
		{"nothing", store.Experiment{}},
		{"git without time", store.Experiment{Git: store.Git{Commit: "abc", Author: "Ünï Cødé"}}},
		{"base only", store.Experiment{Base: "other"}},
		{"about", store.Experiment{Description: "Answers", Tags: []string{"smoke", "nightly"}, CommitMessage: "fix the judge",
			OutputsFrom: &store.Origin{ID: "0190-src", Name: "main", Eval: "support"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := tc.e
			e.Eval, e.Name = "meta", tc.name
			if err := s.CreateExperiment(ctx, &e); err != nil {
				t.Fatal(err)
			}
			got, err := s.Experiment(ctx, "meta", tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Git.CommitTime.Equal(tc.e.Git.CommitTime) {
				t.Errorf("commit time %v, want %v", got.Git.CommitTime, tc.e.Git.CommitTime)
			}
			if !got.Git.CommitTime.IsZero() && got.Git.CommitTime.Location() != time.UTC {
				t.Errorf("commit time in %v, want UTC", got.Git.CommitTime.Location())
			}
			gotGit, wantGit := got.Git, tc.e.Git
			gotGit.CommitTime, wantGit.CommitTime = time.Time{}, time.Time{}
			if gotGit != wantGit || got.Dataset != tc.e.Dataset || got.DatasetVersion != tc.e.DatasetVersion || got.Base != tc.e.Base {
				t.Errorf("read back git %+v dataset %q@%d base %q, want %+v %q@%d %q",
					got.Git, got.Dataset, got.DatasetVersion, got.Base, tc.e.Git, tc.e.Dataset, tc.e.DatasetVersion, tc.e.Base)
			}
			if !reflect.DeepEqual(got.Reduction, tc.e.Reduction) {
				t.Errorf("reduction read back as %+v, want %+v", got.Reduction, tc.e.Reduction)
			}
			if !reflect.DeepEqual(store.AboutOf(got), store.AboutOf(&tc.e)) {
				t.Errorf("description, tags, commit message and outputs_from read back as %+v, want %+v", store.AboutOf(got), store.AboutOf(&tc.e))
			}
			// The listing reads the same columns.
			list, err := s.Experiments(ctx, store.ListOptions{Eval: "meta"})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range list {
				if l.ID == got.ID && (l.Base != got.Base || l.Git.Tag != got.Git.Tag || l.DatasetVersion != got.DatasetVersion ||
					!reflect.DeepEqual(l.Reduction, got.Reduction) || !reflect.DeepEqual(store.AboutOf(&l), store.AboutOf(got))) {
					t.Errorf("listed as %+v, read as %+v", l, got)
				}
			}
		})
	}
}

func testExperimentGitJSON(t *testing.T, open Opener) {
	t.Parallel()
	for _, tc := range []struct {
		git  store.Git
		want string
	}{
		{store.Git{}, `{}`},
		{store.Git{Commit: "abc", Tag: "v1", Author: "a", CommitTime: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)},
			`{"commit":"abc","tag":"v1","author":"a","commit_time":"2025-01-02T03:04:05Z"}`},
	} {
		b, err := json.Marshal(tc.git)
		if err != nil || string(b) != tc.want {
			t.Errorf("json.Marshal(%+v) = %s, %v; want %s", tc.git, b, err, tc.want)
		}
	}
}

func testCreateExperimentDatasetVersionWithoutName(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	err := s.CreateExperiment(context.Background(), &store.Experiment{Eval: "e", Name: "x", DatasetVersion: 2})
	if err == nil || !strings.Contains(err.Error(), "dataset version 2 without a dataset name") {
		t.Errorf("error %v, want one about the missing dataset name", err)
	}
}

func testLatestCompleted(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	// Experiments by name: eval, commit, status, minutes after t0.
	ids := map[string]string{}
	for _, x := range []struct {
		name, eval, commit, status string
		minute                     int
	}{
		{"c1-old", "qa", "c1", store.StatusCompleted, 1},
		{"c1-new", "qa", "c1", store.StatusCompleted, 5},
		{"c1-newest-failed", "qa", "c1", store.StatusFailed, 9},
		{"c1-running", "qa", "c1", store.StatusRunning, 10},
		{"c2", "qa", "c2", store.StatusCompleted, 20}, // newer, but at an older commit
		{"c3-interrupted", "qa", "c3", store.StatusInterrupted, 30},
		{"c4-other-eval", "other", "c4", store.StatusCompleted, 40},
		{"no-commit", "qa", "", store.StatusCompleted, 50},
		{"tie-a", "tie", "t", store.StatusCompleted, 60},
		{"tie-b", "tie", "t", store.StatusCompleted, 60},
	} {
		e := &store.Experiment{Eval: x.eval, Name: x.name, Status: x.status, Git: store.Git{Commit: x.commit},
			Created: t0.Add(time.Duration(x.minute) * time.Minute)}
		if x.name == "tie-b" {
			e.ID = "zzz" // the greater id wins a tie on the creation time
		}
		if err := s.CreateExperiment(ctx, e); err != nil {
			t.Fatal(err)
		}
		ids[x.name] = e.ID
	}
	for _, tc := range []struct {
		name    string
		eval    string
		commits []string
		want    string // an experiment name; "" for not found
	}{
		{"newest at the first commit", "qa", []string{"c1", "c2"}, "c1-new"},
		{"the first commit in the list wins over a newer experiment", "qa", []string{"c1", "c2"}, "c1-new"},
		{"order of the list decides", "qa", []string{"c2", "c1"}, "c2"},
		{"commits without a completed experiment are walked past", "qa", []string{"c3", "c9", "c2", "c1"}, "c2"},
		{"only completed experiments", "qa", []string{"c3"}, ""},
		{"another eval's experiments do not count", "qa", []string{"c4"}, ""},
		{"empty commits match nothing", "qa", []string{"", "c2"}, "c2"},
		{"only empty commits", "qa", []string{""}, ""},
		{"no commits", "qa", nil, ""},
		{"repeated commits", "qa", []string{"c2", "c2", "c1"}, "c2"},
		{"unknown eval", "nope", []string{"c1"}, ""},
		{"tie on time: greater id", "tie", []string{"t"}, "tie-b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.LatestCompleted(ctx, tc.eval, tc.commits)
			if tc.want == "" {
				if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "run the eval on the base branch first") {
					t.Errorf("got %v, %v; want a not-found error saying what to do", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != ids[tc.want] {
				t.Errorf("found %s, want %s", got.Name, tc.want)
			}
		})
	}
	// A long list of commits, as a deep first-parent walk gives.
	long := make([]string, 5000)
	for i := range long {
		long[i] = fmt.Sprintf("%040d", i)
	}
	long[4999] = "c2"
	if got, err := s.LatestCompleted(ctx, "qa", long); err != nil || got.Name != "c2" {
		t.Errorf("with 5000 commits: %v, %v", got, err)
	}
}
