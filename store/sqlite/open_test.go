package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"github.com/caliperhq/caliper/store"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// newStore opens a store in a new temporary directory, closed at cleanup.
func newStore(t *testing.T) *SQLite {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "sub", "dir", "caliper.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// newExperiment creates an experiment of eval "e" named name.
func newExperiment(t *testing.T, s store.Store, name string) *store.Experiment {
	t.Helper()
	e := &store.Experiment{Eval: "e", Name: name}
	if err := s.CreateExperiment(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestOpenSettings(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "1"}, // NORMAL
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"user_version", strconv.Itoa(SchemaVersion)},
	} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
		}
	}
	if SchemaVersion != len(migrations) {
		t.Errorf("SchemaVersion = %d, but there are %d migrations", SchemaVersion, len(migrations))
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	notDB := filepath.Join(dir, "notes.db")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("not a database\n", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		{"empty", "", []string{"opening store: the path is empty", store.DefaultPath}},
		{"under a file", filepath.Join(file, "caliper.db"), []string{`opening store "` + filepath.Join(file, "caliper.db") + `"`, "creating its directory", "--store"}},
		{"a directory", dir, []string{`opening store "` + dir + `"`, "is a directory", filepath.Join(dir, "caliper.db"), "--store"}},
		{"not a database", notDB, []string{`opening store "` + notDB + `"`, "not a database", "move it away", "--store"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := Open(context.Background(), tc.path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestOpenNewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "caliper.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(context.Background(), path)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
	if !strings.Contains(err.Error(), "written by a newer caliper (its schema version is 99") || !strings.Contains(err.Error(), "upgrade caliper") {
		t.Errorf("error %q does not say the schema is newer and to upgrade", err)
	}
}

func TestOpenSpecialPath(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a?b#c%20d", "caliper.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	newExperiment(t, s, "x")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the database is not where it was asked to be: %v", err)
	}
}

func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "caliper.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	e := &store.Experiment{
		Eval: "e", Name: "first", Git: store.Git{Commit: "abc", Branch: "main", Dirty: true},
		Parameters: json.RawMessage(`{"model":"m"}`), SpecHash: "h", Metadata: json.RawMessage(`{"k":1}`),
	}
	if err := s.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	w := s.NewWriter(e.ID, store.WriterOptions{})
	for i := range 10 {
		if err := w.Write(testRow(i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateExperiment(ctx, e.ID, store.StatusCompleted, json.RawMessage(`{"rows":10}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the write-ahead log is still there after Close: %v", err)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Experiment(ctx, "e", "first")
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows != 10 || got.Status != store.StatusCompleted || string(got.Summary) != `{"rows":10}` ||
		got.Git != e.Git || string(got.Parameters) != `{"model":"m"}` || got.SpecHash != "h" {
		t.Errorf("after reopening: %+v", got)
	}
	n := 0
	if err := s.Rows(ctx, e.ID, func(r *store.Row) error {
		if want := testRow(n, 0); !sameRow(r, want) {
			t.Errorf("row %d after reopening:\n got %+v\nwant %+v", n, r, want)
		}
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 10 {
		t.Errorf("%d rows after reopening, want 10", n)
	}
}

// TestSchemaJSON checks that JSON columns are TEXT, which SQLite's JSON
// functions read (a BLOB would be taken for JSONB).
func TestSchemaJSON(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	e := newExperiment(t, s, "x")
	w := s.NewWriter(e.ID, store.WriterOptions{})
	if err := w.Write(testRow(1, 0)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var score sql.NullFloat64
	var typ string
	if err := s.db.QueryRowContext(ctx, `SELECT json_extract(scores, '$.correct'), typeof(input) FROM rows`).Scan(&score, &typ); err != nil {
		t.Fatal(err)
	}
	if !score.Valid || score.Float64 != 1 || typ != "text" {
		t.Errorf("json_extract(scores, '$.correct') = %v, typeof(input) = %s; want 1, text", score, typ)
	}
}
