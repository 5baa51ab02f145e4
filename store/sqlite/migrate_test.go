package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"github.com/caliperhq/caliper/store"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// schemaV1 is the schema of version 1 as it was released, to build the
// databases an older caliper left behind.
const schemaV1 = `CREATE TABLE experiments (
		id         TEXT PRIMARY KEY,
		name       TEXT NOT NULL,
		eval       TEXT NOT NULL,
		created    INTEGER NOT NULL,
		updated    INTEGER NOT NULL,
		status     TEXT NOT NULL,
		git_commit TEXT NOT NULL DEFAULT '',
		git_branch TEXT NOT NULL DEFAULT '',
		git_dirty  INTEGER NOT NULL DEFAULT 0,
		parameters TEXT,
		spec_hash  TEXT NOT NULL DEFAULT '',
		metadata   TEXT,
		summary    TEXT,
		UNIQUE (eval, name)
	);
	CREATE INDEX experiments_created ON experiments (created);
	CREATE TABLE rows (
		experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
		case_id       TEXT NOT NULL,
		trial         INTEGER NOT NULL,
		input         TEXT,
		expected      TEXT,
		output        TEXT,
		scores        TEXT,
		score_meta    TEXT,
		metrics       TEXT,
		error         TEXT NOT NULL DEFAULT '',
		metadata      TEXT,
		tags          TEXT,
		created       INTEGER NOT NULL,
		PRIMARY KEY (experiment_id, case_id, trial)
	);
	PRAGMA user_version = 1;`

// createV1 writes a version 1 database at path with one completed
// experiment "old" of eval "e" (id "old-id") and two rows, as a caliper of
// that version would have.
func createV1(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	created := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC).UnixNano()
	for _, q := range []string{
		schemaV1,
		`PRAGMA journal_mode = WAL`,
		`INSERT INTO experiments (id, name, eval, created, updated, status, git_commit, git_branch, git_dirty, parameters, spec_hash, metadata, summary)
		 VALUES ('old-id', 'old', 'e', ?1, ?1, 'completed', 'c0ffee', 'main', 1, '{"model":"m"}', 'h', '{"k":1}', '{"rows":2}')`,
		`INSERT INTO rows (experiment_id, case_id, trial, input, expected, output, scores, score_meta, metrics, error, metadata, tags, created)
		 VALUES ('old-id', 'a', 0, '{"q":1}', '"x"', '"x"', '{"correct":1}', NULL, '{"duration":0.5}', '', '{"lang":"en"}', '["smoke"]', ?1),
		        ('old-id', 'b', 0, '{"q":2}', NULL, NULL, '{"correct":0}', NULL, NULL, 'boom', NULL, NULL, ?1)`,
	} {
		if _, err := db.Exec(q, created); err != nil {
			t.Fatalf("building the version 1 database: %v\n%s", err, q)
		}
	}
}

func TestMigrateFromV1(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "caliper.db")
	createV1(t, path)

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var version int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil || version != SchemaVersion {
		t.Fatalf("user_version after migrating = %d (%v), want %d", version, err, SchemaVersion)
	}

	// The old experiment and its rows read back, with the new fields empty.
	old, err := s.Experiment(ctx, "e", "old")
	if err != nil {
		t.Fatal(err)
	}
	wantGit := store.Git{Commit: "c0ffee", Branch: "main", Dirty: true}
	if old.ID != "old-id" || old.Status != store.StatusCompleted || old.Git != wantGit || old.Rows != 2 ||
		string(old.Parameters) != `{"model":"m"}` || string(old.Summary) != `{"rows":2}` ||
		old.Dataset != "" || old.DatasetVersion != 0 || old.Base != "" {
		t.Errorf("the version 1 experiment reads back as %+v", old)
	}
	rows := readRows(t, s, "old-id")
	if len(rows) != 2 || rows[0].CaseID != "a" || rows[0].Scores["correct"] != 1 || rows[0].Tags[0] != "smoke" ||
		rows[0].Spans != nil || rows[1].Error != "boom" || rows[1].Spans != nil {
		t.Errorf("the version 1 rows read back as %+v %+v", rows[0], rows[1])
	}

	// Everything new works on the migrated file.
	if got, err := s.LatestCompleted(ctx, "e", []string{"c0ffee"}); err != nil || got.ID != "old-id" {
		t.Errorf("LatestCompleted on the migrated experiment: %v, %v", got, err)
	}
	e := &store.Experiment{Eval: "e", Name: "new", Base: "old-id", Dataset: "qa", DatasetVersion: 1,
		Git: store.Git{Commit: "beef", Tag: "v1", Author: "A <a@example.com>", CommitTime: time.Unix(1700000000, 0).UTC()}}
	if err := s.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CopyRows(ctx, "old-id", e.ID, func(r *store.Row) bool { return r.Error == "" }); err != nil || n != 1 {
		t.Errorf("CopyRows from the migrated experiment: %d, %v; want 1", n, err)
	}
	writeRows(t, s, e.ID, store.WriterOptions{}, &store.Row{CaseID: "b", Input: json.RawMessage(`{"q":2}`), Spans: json.RawMessage(`[{"type":"llm"}]`)})
	if got := readRows(t, s, e.ID); len(got) != 2 || string(got[1].Spans) != `[{"type":"llm"}]` {
		t.Errorf("rows of the new experiment: %+v", got)
	}
	if err := s.Cache().Put(ctx, "k", []byte("v")); err != nil {
		t.Error(err)
	}
	if _, err := s.PushDataset(ctx, "qa", store.DatasetRowsOf([]store.DatasetRow{{ID: "1", Data: json.RawMessage(`{"id":"1","input":1}`)}}), false); err != nil {
		t.Error(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Opening again migrates nothing and keeps everything.
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Experiment(ctx, "e", "new")
	if err != nil {
		t.Fatal(err)
	}
	if got.Base != "old-id" || got.Dataset != "qa" || got.DatasetVersion != 1 || got.Git.Tag != "v1" || !got.Git.CommitTime.Equal(e.Git.CommitTime) {
		t.Errorf("after reopening: %+v", got)
	}
	if v, ok, err := s.Cache().Get(ctx, "k"); err != nil || !ok || string(v) != "v" {
		t.Errorf("the cache after reopening: %q %v %v", v, ok, err)
	}
}

// TestMigrationsAreAppendOnly guards the released schema: migration 1 must
// stay what version 1 databases were made with.
func TestMigrationsAreAppendOnly(t *testing.T) {
	t.Parallel()
	want := schemaV1[:len(schemaV1)-len("\n\tPRAGMA user_version = 1;")]
	if migrations[0] != want {
		t.Errorf("migration 1 changed: append a migration instead of editing a released one")
	}
}

// TestMigrateScorerErrors checks that migration 3 moves the scorer errors a
// version 2 caliper kept in score_meta ({"NAME": {"error": "message"}}, the
// error alone) into their own column, and leaves real metadata where it is.
func TestMigrateScorerErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "caliper.db")
	createV1(t, path)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		migrations[1],
		`PRAGMA user_version = 2`,
		`UPDATE rows SET score_meta = '{"judge":{"error":"rate limited"},"sim":{"distance":3},"mixed":{"error":"none","choice":"A"},"we\"ird":{"error":"x"}}' WHERE case_id = 'a'`,
		`UPDATE rows SET score_meta = '{"sim":{"distance":1}}' WHERE case_id = 'b'`,
	} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows := readRows(t, s, "old-id")
	a, b := rows[0], rows[1]
	if want := map[string]string{"judge": "rate limited", `we"ird`: "x"}; !reflect.DeepEqual(a.ScorerErrors, want) {
		t.Errorf("case a scorer errors = %v, want %v", a.ScorerErrors, want)
	}
	if len(a.ScoreMeta) != 2 || string(a.ScoreMeta["sim"]) != `{"distance":3}` || string(a.ScoreMeta["mixed"]) != `{"error":"none","choice":"A"}` {
		t.Errorf("case a score metadata = %s", a.ScoreMeta)
	}
	if b.ScorerErrors != nil || string(b.ScoreMeta["sim"]) != `{"distance":1}` {
		t.Errorf("case b = %v %s", b.ScorerErrors, b.ScoreMeta)
	}
}
