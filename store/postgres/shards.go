package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/caliperhq/caliper/store"
	"github.com/jackc/pgx/v5"
)

// lockRun and lockShards are the first keys of the transaction advisory
// locks that serialize the joiners of one run and the finishers of one
// experiment's shards; the second key is a hash of the run or experiment.
const (
	lockRun    = 0x63616c72 // "calr"
	lockShards = 0x63616c73 // "cals"
)

// JoinRun finds the experiment run id runID made for eval e.Eval, or creates
// e as it. An advisory lock on the run makes the look-up and the insert one
// step, so of several processes joining at once exactly one creates it.
func (s *Postgres) JoinRun(ctx context.Context, runID string, e *store.Experiment) (created bool, err error) {
	defer s.scrubErr(&err)
	if runID == "" {
		return false, errors.New("joining a run: the run id is empty: pass --run-id")
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockRun, e.Eval+"\x1f"+runID); err != nil {
			return fmt.Errorf("joining run %q: %w", runID, err)
		}
		var id string
		err := tx.QueryRow(ctx, `SELECT experiment_id FROM runs WHERE eval = $1 AND run_id = $2`, e.Eval, runID).Scan(&id)
		switch {
		case err == nil:
			found, err := scanExperiment(tx.QueryRow(ctx, `SELECT `+experimentColumns+` FROM experiments e WHERE id = $1`, id))
			if err != nil {
				return fmt.Errorf("joining run %q: reading experiment %q: %w", runID, id, err)
			}
			*e = *found
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("joining run %q: %w", runID, err)
		}
		if err := createExperiment(ctx, tx, e); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO runs (eval, run_id, experiment_id) VALUES ($1, $2, $3)`, e.Eval, runID, e.ID); err != nil {
			return fmt.Errorf("joining run %q: %w", runID, err)
		}
		created = true
		return nil
	})
	if err != nil {
		created = false
	}
	return created, err
}

// StartShard records shard sh of an experiment as running, replacing what an
// earlier attempt of the same shard recorded.
func (s *Postgres) StartShard(ctx context.Context, experimentID string, sh store.Shard) (err error) {
	defer s.scrubErr(&err)
	if sh.Of < 1 || sh.Index < 1 || sh.Index > sh.Of {
		return fmt.Errorf("starting shard %d/%d: want 1 <= K <= N", sh.Index, sh.Of)
	}
	if sh.Started.IsZero() {
		sh.Started = time.Now()
	}
	state, finished, rows := store.StoredShard(sh)
	_, err = s.pool.Exec(ctx, `INSERT INTO shards (experiment_id, shard, of, state, host, started, finished, row_count)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (experiment_id, shard) DO UPDATE SET of = EXCLUDED.of, state = EXCLUDED.state, host = EXCLUDED.host,
			started = EXCLUDED.started, finished = EXCLUDED.finished, row_count = EXCLUDED.row_count`,
		experimentID, sh.Index, sh.Of, state, sh.Host, sh.Started.UnixNano(), finished, rows)
	if err != nil {
		return fmt.Errorf("starting shard %d/%d of experiment %q: %w", sh.Index, sh.Of, experimentID, err)
	}
	return nil
}

// FinishShard records the final state of a shard and, under an advisory lock
// on the experiment's shards, whether every shard has now finished.
func (s *Postgres) FinishShard(ctx context.Context, experimentID string, index int, state string, rows int) (last bool, err error) {
	defer s.scrubErr(&err)
	if state != store.ShardFinished && state != store.ShardFailed {
		return false, fmt.Errorf("finishing shard %d of experiment %q: unknown state %q: want finished or failed", index, experimentID, state)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		wrap := func(err error) error {
			return fmt.Errorf("finishing shard %d of experiment %q: %w", index, experimentID, err)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockShards, experimentID); err != nil {
			return wrap(err)
		}
		var before, after, of int
		count := `SELECT count(*) FROM shards WHERE experiment_id = $1 AND state = $2`
		if err := tx.QueryRow(ctx, count, experimentID, store.ShardFinished).Scan(&before); err != nil {
			return wrap(err)
		}
		if err := tx.QueryRow(ctx, `SELECT of FROM shards WHERE experiment_id = $1 AND shard = $2`, experimentID, index).Scan(&of); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				err = fmt.Errorf("%w: the shard was never started", store.ErrNotFound)
			}
			return wrap(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE shards SET state = $1, finished = $2, row_count = $3 WHERE experiment_id = $4 AND shard = $5`,
			state, time.Now().UnixNano(), rows, experimentID, index); err != nil {
			return wrap(err)
		}
		if err := tx.QueryRow(ctx, count, experimentID, store.ShardFinished).Scan(&after); err != nil {
			return wrap(err)
		}
		last = before < of && after >= of
		return nil
	})
	if err != nil {
		last = false
	}
	return last, err
}

// Shards lists the shards of an experiment by index.
func (s *Postgres) Shards(ctx context.Context, experimentID string) (out []store.Shard, err error) {
	defer s.scrubErr(&err)
	rows, err := s.pool.Query(ctx, `SELECT shard, of, state, host, started, finished, row_count
		FROM shards WHERE experiment_id = $1 ORDER BY shard`, experimentID)
	if err != nil {
		return nil, fmt.Errorf("listing the shards of experiment %q: %w", experimentID, err)
	}
	defer rows.Close()
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
