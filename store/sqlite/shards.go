package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/caliperhq/caliper/store"
)

// JoinRun finds the experiment run id runID made for eval e.Eval, or creates
// e as it. One immediate transaction reads and inserts, so of several
// processes joining at once exactly one creates the experiment.
func (s *SQLite) JoinRun(ctx context.Context, runID string, e *store.Experiment) (bool, error) {
	if runID == "" {
		return false, errors.New("joining a run: the run id is empty: pass --run-id")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("joining run %q: %w", runID, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var id string
	err = tx.QueryRowContext(ctx, `SELECT experiment_id FROM runs WHERE eval = ? AND run_id = ?`, e.Eval, runID).Scan(&id)
	switch {
	case err == nil:
		found, err := scanExperiment(tx.QueryRowContext(ctx, `SELECT `+experimentColumns+` FROM experiments e WHERE id = ?`, id))
		if err != nil {
			return false, fmt.Errorf("joining run %q: reading experiment %q: %w", runID, id, err)
		}
		*e = *found
		return false, tx.Commit()
	case !errors.Is(err, sql.ErrNoRows):
		return false, fmt.Errorf("joining run %q: %w", runID, err)
	}
	if err := createExperiment(ctx, tx, e); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO runs (eval, run_id, experiment_id) VALUES (?, ?, ?)`, e.Eval, runID, e.ID); err != nil {
		return false, fmt.Errorf("joining run %q: %w", runID, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("joining run %q: %w", runID, err)
	}
	return true, nil
}

// StartShard records shard s of an experiment as running, replacing what an
// earlier attempt of the same shard recorded.
func (s *SQLite) StartShard(ctx context.Context, experimentID string, sh store.Shard) error {
	if sh.Of < 1 || sh.Index < 1 || sh.Index > sh.Of {
		return fmt.Errorf("starting shard %d/%d: want 1 <= K <= N", sh.Index, sh.Of)
	}
	if sh.Started.IsZero() {
		sh.Started = time.Now()
	}
	state, finished, rows := store.StoredShard(sh)
	_, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO shards (experiment_id, shard, of, state, host, started, finished, row_count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, experimentID, sh.Index, sh.Of, state, sh.Host, sh.Started.UnixNano(), finished, rows)
	if err != nil {
		return fmt.Errorf("starting shard %d/%d of experiment %q: %w", sh.Index, sh.Of, experimentID, err)
	}
	return nil
}

// FinishShard records the final state of a shard and, in the same immediate
// transaction, whether every shard of the experiment has now finished.
func (s *SQLite) FinishShard(ctx context.Context, experimentID string, index int, state string, rows int) (bool, error) {
	if state != store.ShardFinished && state != store.ShardFailed {
		return false, fmt.Errorf("finishing shard %d of experiment %q: unknown state %q: want finished or failed", index, experimentID, state)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("finishing shard %d of experiment %q: %w", index, experimentID, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var before int
	var of int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM shards WHERE experiment_id = ? AND state = ?`, experimentID, store.ShardFinished).Scan(&before); err != nil {
		return false, fmt.Errorf("finishing shard %d of experiment %q: %w", index, experimentID, err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT of FROM shards WHERE experiment_id = ? AND shard = ?`, experimentID, index).Scan(&of); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			err = fmt.Errorf("%w: the shard was never started", store.ErrNotFound)
		}
		return false, fmt.Errorf("finishing shard %d of experiment %q: %w", index, experimentID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE shards SET state = ?, finished = ?, row_count = ? WHERE experiment_id = ? AND shard = ?`,
		state, time.Now().UnixNano(), rows, experimentID, index); err != nil {
		return false, fmt.Errorf("finishing shard %d of experiment %q: %w", index, experimentID, err)
	}
	var after int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM shards WHERE experiment_id = ? AND state = ?`, experimentID, store.ShardFinished).Scan(&after); err != nil {
		return false, fmt.Errorf("finishing shard %d of experiment %q: %w", index, experimentID, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("finishing shard %d of experiment %q: %w", index, experimentID, err)
	}
	return before < of && after >= of, nil
}

// Shards lists the shards of an experiment by index.
func (s *SQLite) Shards(ctx context.Context, experimentID string) ([]store.Shard, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT shard, of, state, host, started, finished, row_count
		FROM shards WHERE experiment_id = ? ORDER BY shard`, experimentID)
	if err != nil {
		return nil, fmt.Errorf("listing the shards of experiment %q: %w", experimentID, err)
	}
	defer rows.Close()
	var out []store.Shard
	for rows.Next() {
		var sh store.Shard
		var started, finished int64
		if err := rows.Scan(&sh.Index, &sh.Of, &sh.State, &sh.Host, &started, &finished, &sh.Rows); err != nil {
			return nil, fmt.Errorf("listing the shards of experiment %q: %w", experimentID, err)
		}
		sh.Started, sh.Finished = fromUnixNano(started), fromUnixNano(finished)
		out = append(out, sh)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing the shards of experiment %q: %w", experimentID, err)
	}
	return out, nil
}
