package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations take the schema from one version to the next: migrations[i]
// moves a database at PRAGMA user_version i to i+1. A released migration is
// part of the file format: append new ones, never edit old ones.
//
// Times are unix nanoseconds in UTC. JSON columns hold the encoded value or
// NULL when it is absent. rows has no rowid alias: its primary key
// (experiment_id, case_id, trial) is what makes a resumed run unable to store
// a case twice, and the writer inserts with INSERT OR REPLACE, so writing the
// same key again replaces the earlier row.
var migrations = []string{
	// 1: experiments and their rows.
	`CREATE TABLE experiments (
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
	);`,
	// 2: the git tag, author and commit time, the store dataset an experiment
	// read and the experiment it was compared with; the spans of a row; the
	// response cache; versioned datasets.
	//
	// A dataset row is stored once per content: it belongs to every version v
	// with valid_from <= v < valid_until (valid_until NULL while it is
	// current), so any version is read without copying rows.
	`ALTER TABLE experiments ADD COLUMN git_tag TEXT NOT NULL DEFAULT '';
	ALTER TABLE experiments ADD COLUMN git_author TEXT NOT NULL DEFAULT '';
	ALTER TABLE experiments ADD COLUMN git_commit_time INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE experiments ADD COLUMN dataset TEXT NOT NULL DEFAULT '';
	ALTER TABLE experiments ADD COLUMN dataset_version INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE experiments ADD COLUMN base TEXT NOT NULL DEFAULT '';
	CREATE INDEX experiments_eval_commit ON experiments (eval, git_commit);
	ALTER TABLE rows ADD COLUMN spans TEXT;
	CREATE TABLE cache (
		key     TEXT PRIMARY KEY,
		value   BLOB NOT NULL,
		created INTEGER NOT NULL
	);
	CREATE TABLE datasets (
		name    TEXT PRIMARY KEY,
		latest  INTEGER NOT NULL,
		created INTEGER NOT NULL,
		updated INTEGER NOT NULL
	);
	CREATE TABLE dataset_versions (
		dataset   TEXT NOT NULL REFERENCES datasets (name) ON DELETE CASCADE,
		version   INTEGER NOT NULL,
		created   INTEGER NOT NULL,
		row_count INTEGER NOT NULL,
		added     INTEGER NOT NULL,
		updated   INTEGER NOT NULL,
		deleted   INTEGER NOT NULL,
		PRIMARY KEY (dataset, version)
	) WITHOUT ROWID;
	CREATE TABLE dataset_rows (
		dataset     TEXT NOT NULL,
		id          TEXT NOT NULL,
		valid_from  INTEGER NOT NULL,
		valid_until INTEGER,
		hash        BLOB NOT NULL,
		data        TEXT NOT NULL,
		PRIMARY KEY (dataset, id, valid_from)
	) WITHOUT ROWID;`,
	// 3: scorer errors get their own column, out of score_meta, which keeps
	// only the metadata scorers gave; the reduction a comparison needs is
	// kept on the experiment. Before, an error was stored in score_meta as
	// {"NAME": {"error": "message"}}, the error alone: those entries move.
	`ALTER TABLE rows ADD COLUMN scorer_errors TEXT;
	ALTER TABLE experiments ADD COLUMN reduction TEXT;
	UPDATE rows SET scorer_errors = (
		SELECT json_group_object(m.key, json_extract(m.value, '$.error'))
		FROM json_each(rows.score_meta) m
		WHERE json_type(m.value) = 'object' AND json_type(m.value, '$.error') = 'text'
			AND (SELECT count(*) FROM json_each(m.value)) = 1)
	WHERE json_valid(score_meta) AND json_type(score_meta) = 'object' AND instr(score_meta, '"error"') > 0;
	UPDATE rows SET scorer_errors = NULL WHERE scorer_errors = '{}';
	UPDATE rows SET score_meta = (
		SELECT json_group_object(m.key, json(m.value))
		FROM json_each(rows.score_meta) m
		WHERE m.key NOT IN (SELECT e.key FROM json_each(rows.scorer_errors) e))
	WHERE scorer_errors IS NOT NULL;
	UPDATE rows SET score_meta = NULL WHERE score_meta = '{}';`,
	// 4: human review: feedback records on the cases of an experiment.
	`CREATE TABLE feedback (
		id            TEXT PRIMARY KEY,
		experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
		case_id       TEXT NOT NULL,
		trial         INTEGER NOT NULL,
		name          TEXT NOT NULL,
		score         REAL,
		label         TEXT NOT NULL,
		comment       TEXT NOT NULL,
		author        TEXT NOT NULL,
		created       INTEGER NOT NULL
	);
	CREATE INDEX feedback_case ON feedback (experiment_id, case_id, created);`,
	// 5: attachments, once per content, by hash ("sha256:...").
	`CREATE TABLE attachments (
		hash       TEXT PRIMARY KEY,
		media_type TEXT NOT NULL,
		size       INTEGER NOT NULL,
		data       BLOB NOT NULL,
		created    INTEGER NOT NULL
	);`,
	// 6: what an experiment records besides its columns (store.About: the
	// eval's description and tags, the commit message, the experiment whose
	// outputs a rescore scored), one JSON object.
	`ALTER TABLE experiments ADD COLUMN about TEXT;`,
	// 7: sharded runs. runs makes a run id name one experiment per eval, so
	// the N shards of caliper run --shard K/N agree on it; shards keeps the
	// state of each shard.
	`CREATE TABLE runs (
		eval          TEXT NOT NULL,
		run_id        TEXT NOT NULL,
		experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
		PRIMARY KEY (eval, run_id)
	) WITHOUT ROWID;
	CREATE INDEX runs_experiment ON runs (experiment_id);
	CREATE TABLE shards (
		experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
		shard         INTEGER NOT NULL,
		of            INTEGER NOT NULL,
		state         TEXT NOT NULL,
		host          TEXT NOT NULL DEFAULT '',
		started       INTEGER NOT NULL,
		finished      INTEGER NOT NULL DEFAULT 0,
		row_count     INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (experiment_id, shard)
	) WITHOUT ROWID;`,
	// 8: agent tasks: the transcript of a row (a JSON array of messages)
	// and why its tool loop stopped.
	`ALTER TABLE rows ADD COLUMN messages TEXT;
	ALTER TABLE rows ADD COLUMN stop_reason TEXT NOT NULL DEFAULT '';`,
}

// errNewerSchema is the error of opening a store whose schema is newer than
// this package's.
var errNewerSchema = errors.New("the store was written by a newer caliper")

// SchemaVersion is the schema version this package writes, kept in the
// database as PRAGMA user_version.
const SchemaVersion = 8

// migrate brings the schema to SchemaVersion in one immediate transaction,
// so two processes opening a new file at once cannot both create it.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("%w (its schema version is %d, this caliper knows up to %d)", errNewerSchema, version, len(migrations))
	}
	if version == len(migrations) {
		return nil
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrating the schema to version %d: %w", i+1, err)
		}
	}
	// PRAGMA takes no parameters; the value is a constant of ours.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return fmt.Errorf("setting the schema version: %w", err)
	}
	return tx.Commit()
}
