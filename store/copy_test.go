package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
	_ "github.com/caliperhq/caliper/store/sqlite"
)

// openFile opens a new SQLite store in the test's directory.
func openFile(t *testing.T, name string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// addExperiment stores an experiment with n rows.
func addExperiment(t *testing.T, s store.Store, name string, n int) *store.Experiment {
	t.Helper()
	ctx := context.Background()
	e := &store.Experiment{Eval: "ev", Name: name, Summary: json.RawMessage(`{"rows":1}`), Status: store.StatusCompleted}
	if err := s.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	w := s.NewWriter(e.ID, store.WriterOptions{})
	for i := range n {
		if err := w.Write(&store.Row{CaseID: fmt.Sprintf("c%d", i), Input: json.RawMessage(`1`), Scores: map[string]float64{"s": 1}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return e
}

func push(t *testing.T, s store.Store, name string, ids ...string) {
	t.Helper()
	var rows []store.DatasetRow
	for _, id := range ids {
		rows = append(rows, store.DatasetRow{ID: id, Data: json.RawMessage(fmt.Sprintf(`{"id":%q,"input":%q}`, id, id))})
	}
	if _, err := s.PushDataset(context.Background(), name, store.DatasetRowsOf(rows), true); err != nil {
		t.Fatal(err)
	}
}

func TestCopyIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	from, to := openFile(t, "a.db"), openFile(t, "b.db")
	addExperiment(t, from, "one", 3)
	addExperiment(t, from, "two", 2)
	push(t, from, "ds", "a", "b")
	push(t, from, "ds", "b", "c")
	res, err := store.Copy(ctx, from, to, store.CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.CopyResult{Experiments: 2, Rows: 5, Datasets: 1, Versions: 2}); res != want {
		t.Errorf("first copy: %+v, want %+v", res, want)
	}
	res, err = store.Copy(ctx, from, to, store.CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.CopyResult{Unchanged: 2, DatasetsUnchanged: 1}); res != want {
		t.Errorf("second copy: %+v, want %+v", res, want)
	}
	versions, err := to.DatasetVersions(ctx, "ds")
	if err != nil || len(versions) != 2 || versions[0].Added != 1 || versions[0].Deleted != 1 || versions[0].Rows != 2 {
		t.Errorf("copied versions %+v (%v)", versions, err)
	}
	a, _ := from.Experiment(ctx, "ev", "one")
	b, _ := to.Experiment(ctx, "ev", "one")
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("copied experiment\n%s\nwant\n%s", jb, ja)
	}
}

// TestCopyUpdatesAnOlderCopy copies an experiment, adds rows to the source
// (the run went on), and copies again: the destination gets them.
func TestCopyUpdatesAnOlderCopy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	from, to := openFile(t, "a.db"), openFile(t, "b.db")
	e := addExperiment(t, from, "one", 2)
	if _, err := store.Copy(ctx, from, to, store.CopyOptions{Experiments: []string{"one"}}); err != nil {
		t.Fatal(err)
	}
	w := from.NewWriter(e.ID, store.WriterOptions{})
	if err := w.Write(&store.Row{CaseID: "late", Input: json.RawMessage(`2`)}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := store.Copy(ctx, from, to, store.CopyOptions{Experiments: []string{e.ID}})
	if err != nil || res.Experiments != 1 || res.Rows != 3 {
		t.Fatalf("copy after new rows: %+v, %v", res, err)
	}
	if n, err := to.RowCount(ctx, e.ID); err != nil || n != 3 {
		t.Errorf("the destination has %d rows (%v), want 3", n, err)
	}
}

// TestCopyRefusesToLoseWhatOnlyTheDestinationHas checks each conflict.
func TestCopyRefusesToLoseWhatOnlyTheDestinationHas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, from, to store.Store)
		want  string
		is    error
	}{
		{"another experiment of that name", func(t *testing.T, from, to store.Store) {
			addExperiment(t, from, "one", 1)
			addExperiment(t, to, "one", 1)
		}, "the destination has another experiment of that name", store.ErrNameTaken},
		{"rows only the destination has", func(t *testing.T, from, to store.Store) {
			e := addExperiment(t, from, "one", 1)
			if _, err := store.Copy(ctx, from, to, store.CopyOptions{}); err != nil {
				t.Fatal(err)
			}
			w := to.NewWriter(e.ID, store.WriterOptions{})
			w.Write(&store.Row{CaseID: "theirs", Input: json.RawMessage(`1`)})
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		}, "has rows the source lacks", nil},
		{"a dataset pushed to both", func(t *testing.T, from, to store.Store) {
			push(t, from, "ds", "a")
			push(t, to, "ds", "b")
		}, "version 1 differs", nil},
		{"more versions in the destination", func(t *testing.T, from, to store.Store) {
			push(t, from, "ds", "a")
			push(t, to, "ds", "a")
			push(t, to, "ds", "b")
		}, "the destination has 2 versions, the source 1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			from, to := openFile(t, "a.db"), openFile(t, "b.db")
			tc.setup(t, from, to)
			_, err := store.Copy(ctx, from, to, store.CopyOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Copy = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
