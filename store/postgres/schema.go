package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/caliperhq/caliper/store"
)

// migrations take the schema from one version to the next: migrations[i]
// moves a schema at version i to i+1. A released migration is part of the
// store's format: append new ones, never edit old ones.
//
// The tables mirror the SQLite store's, so both hold the same values and
// store copy moves them without conversion. Times are unix nanoseconds in
// UTC (BIGINT, as SQLite's INTEGER: timestamptz keeps only microseconds). JSON
// columns are TEXT holding the encoded value, byte for byte as it was written,
// or NULL when it is absent; cast them (output::jsonb) to query inside.
// Identifiers that rows are ordered by use COLLATE "C", so their order is
// byte order, as SQLite's BINARY, whatever the database's locale: the report
// merge-joins two experiments' rows by case id and relies on it. The strings
// that come from users' data and may hold any bytes, NUL included, which a
// PostgreSQL TEXT cannot (case ids, dataset row ids, errors, cache keys), are
// BYTEA, which also sorts by bytes; read them with convert_from(case_id,
// 'UTF8'). JSON text that is not valid UTF-8 is stored with U+FFFD in place
// of the invalid bytes, as encoding/json reads it anyway.
//
// rows has no FOREIGN KEY on experiments: PostgreSQL checks one per row
// inserted, which tripled the cost of a COPY (1.4 s against 3.9 s for 100,000
// rows). The writer checks the experiment once per batch instead, holding a
// KEY SHARE lock on it until the batch commits, and DeleteExperiment deletes
// the experiment before its rows, so no row outlives its experiment.
var migrations = []string{
	// 1: experiments, their rows, the response cache and versioned datasets,
	// as the SQLite store's schema version 3.
	`CREATE TABLE experiments (
		id              TEXT COLLATE "C" PRIMARY KEY,
		name            TEXT NOT NULL,
		eval            TEXT NOT NULL,
		created         BIGINT NOT NULL,
		updated         BIGINT NOT NULL,
		status          TEXT NOT NULL,
		git_commit      TEXT NOT NULL DEFAULT '',
		git_branch      TEXT NOT NULL DEFAULT '',
		git_dirty       BOOLEAN NOT NULL DEFAULT false,
		git_tag         TEXT NOT NULL DEFAULT '',
		git_author      TEXT NOT NULL DEFAULT '',
		git_commit_time BIGINT NOT NULL DEFAULT 0,
		parameters      TEXT,
		spec_hash       TEXT NOT NULL DEFAULT '',
		metadata        TEXT,
		summary         TEXT,
		dataset         TEXT NOT NULL DEFAULT '',
		dataset_version INTEGER NOT NULL DEFAULT 0,
		base            TEXT NOT NULL DEFAULT '',
		reduction       TEXT,
		CONSTRAINT experiments_eval_name UNIQUE (eval, name)
	);
	CREATE INDEX experiments_created ON experiments (created);
	CREATE INDEX experiments_eval_commit ON experiments (eval, git_commit);
	CREATE TABLE rows (
		experiment_id TEXT COLLATE "C" NOT NULL,
		case_id       BYTEA NOT NULL,
		trial         INTEGER NOT NULL,
		input         TEXT,
		expected      TEXT,
		output        TEXT,
		scores        TEXT,
		score_meta    TEXT,
		scorer_errors TEXT,
		metrics       TEXT,
		error         BYTEA NOT NULL DEFAULT '',
		metadata      TEXT,
		tags          TEXT,
		spans         TEXT,
		created       BIGINT NOT NULL,
		PRIMARY KEY (experiment_id, case_id, trial)
	);
	CREATE TABLE cache (
		key     BYTEA PRIMARY KEY,
		value   BYTEA NOT NULL,
		created BIGINT NOT NULL
	);
	CREATE TABLE datasets (
		name    TEXT COLLATE "C" PRIMARY KEY,
		latest  INTEGER NOT NULL,
		created BIGINT NOT NULL,
		updated BIGINT NOT NULL
	);
	CREATE TABLE dataset_versions (
		dataset   TEXT COLLATE "C" NOT NULL REFERENCES datasets (name) ON DELETE CASCADE,
		version   INTEGER NOT NULL,
		created   BIGINT NOT NULL,
		row_count INTEGER NOT NULL,
		added     INTEGER NOT NULL,
		updated   INTEGER NOT NULL,
		deleted   INTEGER NOT NULL,
		PRIMARY KEY (dataset, version)
	);
	CREATE TABLE dataset_rows (
		dataset     TEXT COLLATE "C" NOT NULL,
		id          BYTEA NOT NULL,
		valid_from  INTEGER NOT NULL,
		valid_until INTEGER,
		hash        BYTEA NOT NULL,
		data        TEXT NOT NULL,
		PRIMARY KEY (dataset, id, valid_from)
	);
	CREATE INDEX dataset_rows_current ON dataset_rows (dataset, id) WHERE valid_until IS NULL;`,
	// 2: human review: feedback records on the cases of an experiment, as
	// the SQLite store's schema version 4. Case ids are bytes, as in rows.
	`CREATE TABLE feedback (
		id            TEXT COLLATE "C" PRIMARY KEY,
		experiment_id TEXT COLLATE "C" NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
		case_id       BYTEA NOT NULL,
		trial         INTEGER NOT NULL,
		name          TEXT NOT NULL,
		score         DOUBLE PRECISION,
		label         TEXT NOT NULL,
		comment       TEXT NOT NULL,
		author        TEXT NOT NULL,
		created       BIGINT NOT NULL
	);
	CREATE INDEX feedback_case ON feedback (experiment_id, case_id, created);`,
	// 3: attachments, once per content, by hash ("sha256:..."), as the
	// SQLite store's schema version 5.
	`CREATE TABLE attachments (
		hash       TEXT COLLATE "C" PRIMARY KEY,
		media_type TEXT NOT NULL,
		size       INTEGER NOT NULL,
		data       BYTEA NOT NULL,
		created    BIGINT NOT NULL
	);`,
	// 4: what an experiment records besides its columns (store.About), as
	// the SQLite store's schema version 6.
	`ALTER TABLE experiments ADD COLUMN about TEXT;`,
	// 5: sharded runs, as the SQLite store's schema version 7: runs makes a
	// run id name one experiment per eval; shards keeps each shard's state.
	`CREATE TABLE runs (
		eval          TEXT COLLATE "C" NOT NULL,
		run_id        TEXT COLLATE "C" NOT NULL,
		experiment_id TEXT COLLATE "C" NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
		PRIMARY KEY (eval, run_id)
	);
	CREATE INDEX runs_experiment ON runs (experiment_id);
	CREATE TABLE shards (
		experiment_id TEXT COLLATE "C" NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
		shard         INTEGER NOT NULL,
		of            INTEGER NOT NULL,
		state         TEXT NOT NULL,
		host          TEXT NOT NULL DEFAULT '',
		started       BIGINT NOT NULL,
		finished      BIGINT NOT NULL DEFAULT 0,
		row_count     INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (experiment_id, shard)
	);`,
	// 6: agent tasks, as the SQLite store's schema version 8: the transcript
	// of a row and why its tool loop stopped.
	`ALTER TABLE rows ADD COLUMN messages TEXT;
	ALTER TABLE rows ADD COLUMN stop_reason TEXT NOT NULL DEFAULT '';`,
}

// SchemaVersion is the schema version this package writes, kept in the
// one-row table caliper_schema.
const SchemaVersion = 6

// migrationLock is the first key of the advisory lock that serializes the
// migrations of one schema; the second is the schema name's hash, so stores
// in different schemas of one database migrate independently.
const migrationLock = 0x63616c69 // "cali"

// migrate brings the schema to SchemaVersion in one transaction holding an
// advisory lock, so two processes opening a new database at once cannot both
// create it: the second waits, then finds the schema current.
// caliper_schema has one row, the version; without it the schema is empty.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	// A current schema needs no lock, nor the right to create tables.
	if version, err := schemaVersion(ctx, pool); err == nil && version == len(migrations) {
		return nil
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var schema *string
		if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return fmt.Errorf("reading the current schema: %w", err)
		}
		if schema == nil {
			return errNoSchema
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, migrationLock, *schema); err != nil {
			return fmt.Errorf("waiting for the migration lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS caliper_schema (
			version INTEGER NOT NULL,
			one     BOOLEAN PRIMARY KEY DEFAULT true CHECK (one)
		)`); err != nil {
			return fmt.Errorf("creating the schema version table: %w", err)
		}
		version, err := schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		if version > len(migrations) {
			return newerSchema(version)
		}
		if version == len(migrations) {
			return nil
		}
		for i := version; i < len(migrations); i++ {
			if _, err := tx.Exec(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migrating the schema to version %d: %w", i+1, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO caliper_schema (version) VALUES ($1)
			ON CONFLICT (one) DO UPDATE SET version = excluded.version`, len(migrations)); err != nil {
			return fmt.Errorf("setting the schema version: %w", err)
		}
		return nil
	})
}

// schemaVersion reads the version of the schema: 0 for a schema without
// caliper's tables.
func schemaVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var version int
	err := q.QueryRow(ctx, `SELECT version FROM caliper_schema`).Scan(&version)
	switch {
	case errors.Is(err, pgx.ErrNoRows), isUndefinedTable(err):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("reading the schema version: %w", err)
	}
	return version, nil
}

// checkVersion accepts a schema at SchemaVersion only, for a read-only store:
// an empty schema is ErrNotFound, as a SQLite file that does not exist.
func checkVersion(ctx context.Context, pool *pgxpool.Pool) error {
	version, err := schemaVersion(ctx, pool)
	switch {
	case err != nil:
		return err
	case version > len(migrations):
		return newerSchema(version)
	case version == 0:
		return fmt.Errorf("%w: the schema has no caliper tables: run an eval first to create them, or pass another store with --store", store.ErrNotFound)
	case version < len(migrations):
		return fmt.Errorf("%w (its schema version is %d, this caliper reads %d): run caliper run once to upgrade it, or read it with the caliper that wrote it", errOlderSchema, version, len(migrations))
	}
	return nil
}

// errNewerSchema is the error of opening a store whose schema is newer than
// this package's.
var errNewerSchema = errors.New("the store was written by a newer caliper")

// errOlderSchema is the error of opening read-only a store whose schema is
// older than this package's, which a read-only store cannot migrate.
var errOlderSchema = errors.New("the store's schema is older than this caliper's")

// newerSchema is the error of finding schema version version.
func newerSchema(version int) error {
	return fmt.Errorf("%w (its schema version is %d, this caliper knows up to %d): upgrade caliper, or pass another store with --store",
		errNewerSchema, version, len(migrations))
}

// errNoSchema is the error of opening a store whose search_path names no
// schema that exists.
var errNoSchema = errors.New("no schema of the search_path exists to create the tables in")

// isUndefinedTable reports whether err is PostgreSQL's undefined_table.
func isUndefinedTable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42P01"
}
