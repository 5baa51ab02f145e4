package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/caliperhq/caliper/store"
	"strconv"
	"time"
)

// NewWriter starts the writer of experiment experimentID's rows. The
// experiment must exist when the first batch is committed. Close the writer
// before the store; Close on the store closes the writers still open.
func (s *SQLite) NewWriter(experimentID string, opts store.WriterOptions) *store.Writer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.NewFailedWriter(experimentID, fmt.Errorf("writing rows of experiment %q: the store %q is closed", experimentID, s.path))
	}
	if s.readOnly {
		return store.NewFailedWriter(experimentID, fmt.Errorf("writing rows of experiment %q: %w", experimentID, errReadOnly))
	}
	open := func() (store.BatchWriter, error) { return s.openBatchWriter(experimentID) }
	w := store.NewWriter(experimentID, opts, open, s.forgetWriter)
	s.writers[w] = struct{}{}
	return w
}

func (s *SQLite) forgetWriter(w *store.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.writers, w)
}

// Close releases the batch writer's connection.
func (b *sqliteBatch) Close() error { return b.conn.Close() }

// Rows calls fn for each row of experiment experimentID in (case_id, trial)
// order. Rows are streamed from the database, never all held in memory; fn
// gets a new Row each time and may keep it. An error from fn stops the
// iteration and is returned as it is.
func (s *SQLite) Rows(ctx context.Context, experimentID string, fn func(*store.Row) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT case_id, trial, input, expected, output,
		scores, score_meta, scorer_errors, metrics, error, metadata, tags, spans, messages, stop_reason, created
		FROM rows WHERE experiment_id = ? ORDER BY case_id, trial`, experimentID)
	if err != nil {
		return fmt.Errorf("reading rows of experiment %q: %w", experimentID, err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return fmt.Errorf("reading rows of experiment %q: %w", experimentID, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading rows of experiment %q: %w", experimentID, err)
	}
	return nil
}

func scanRow(rows *sql.Rows) (*store.Row, error) {
	var (
		r                       store.Row
		input, expected, output []byte
		metadata, spans         []byte
		messages                []byte
		scores, metrics, tags   sql.RawBytes
		meta, scorerErrs        sql.RawBytes
		created                 int64
	)
	err := rows.Scan(&r.CaseID, &r.Trial, &input, &expected, &output,
		&scores, &meta, &scorerErrs, &metrics, &r.Error, &metadata, &tags, &spans, &messages, &r.StopReason, &created)
	if err != nil {
		return nil, err
	}
	r.Input, r.Expected, r.Output = rawJSON(input), rawJSON(expected), rawJSON(output)
	r.Metadata, r.Spans, r.Messages = rawJSON(metadata), rawJSON(spans), rawJSON(messages)
	r.Created = time.Unix(0, created).UTC()
	if r.Scores, err = store.DecodeFloats(scores); err != nil {
		return nil, fmt.Errorf("case %q trial %d: scores: %w", r.CaseID, r.Trial, err)
	}
	if r.Metrics, err = store.DecodeFloats(metrics); err != nil {
		return nil, fmt.Errorf("case %q trial %d: metrics: %w", r.CaseID, r.Trial, err)
	}
	if r.ScoreMeta, err = store.DecodeRaw(meta); err != nil {
		return nil, fmt.Errorf("case %q trial %d: score_meta: %w", r.CaseID, r.Trial, err)
	}
	if r.ScorerErrors, err = store.DecodeStringMap(scorerErrs); err != nil {
		return nil, fmt.Errorf("case %q trial %d: scorer_errors: %w", r.CaseID, r.Trial, err)
	}
	if r.Tags, err = store.DecodeStrings(tags); err != nil {
		return nil, fmt.Errorf("case %q trial %d: tags: %w", r.CaseID, r.Trial, err)
	}
	return &r, nil
}

// DoneKeys returns the Key of every stored row of experiment experimentID,
// errored rows included, so a resumed run can skip them.
func (s *SQLite) DoneKeys(ctx context.Context, experimentID string) (map[string]struct{}, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT case_id, trial FROM rows WHERE experiment_id = ?`, experimentID)
	if err != nil {
		return nil, fmt.Errorf("reading the stored cases of experiment %q: %w", experimentID, err)
	}
	defer rows.Close()
	keys := map[string]struct{}{}
	var (
		caseID sql.RawBytes
		trial  int64
		buf    []byte
	)
	for rows.Next() {
		if err := rows.Scan(&caseID, &trial); err != nil {
			return nil, fmt.Errorf("reading the stored cases of experiment %q: %w", experimentID, err)
		}
		buf = append(append(buf[:0], caseID...), 0)
		buf = strconv.AppendInt(buf, trial, 10)
		keys[string(buf)] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the stored cases of experiment %q: %w", experimentID, err)
	}
	return keys, nil
}

// RowCount returns how many rows experiment id has stored. An unknown
// experiment is an error wrapping ErrNotFound.
func (s *SQLite) RowCount(ctx context.Context, id string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM rows WHERE experiment_id = ?1)
		FROM experiments WHERE id = ?1`, id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("counting the rows of experiment %q: %w: no experiment has that id", id, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("counting the rows of experiment %q: %w", id, err)
	}
	return n, nil
}

// CopyRows copies the rows of experiment fromID for which keep returns true
// (every row when keep is nil) into experiment toID, as they are, and returns
// how many it copied. It is how --retry-errors starts a new experiment with
// the rows that succeeded. Rows are read in (case_id, trial) order and written
// DefaultBatchSize at a time, one transaction per batch, replacing a row of
// toID with the same key; if it fails, the batches before the failure stay
// copied. Both experiments must exist: an unknown one is an error wrapping
// ErrNotFound.
func (s *SQLite) CopyRows(ctx context.Context, fromID, toID string, keep func(*store.Row) bool) (n int, err error) {
	wrap := func(err error) error {
		return fmt.Errorf("copying rows from experiment %q to %q: %w", fromID, toID, err)
	}
	if fromID == toID {
		return 0, wrap(errors.New("it is the same experiment: create the new experiment first"))
	}
	for _, id := range []string{fromID, toID} {
		if _, err := s.RowCount(ctx, id); err != nil {
			return 0, wrap(err)
		}
	}
	bw, err := s.openBatchWriter(toID)
	if err != nil {
		return 0, wrap(err)
	}
	defer func() {
		if cerr := bw.Close(); cerr != nil && err == nil {
			err = wrap(cerr)
		}
	}()
	batch := make([]*store.Row, 0, store.DefaultBatchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := bw.WriteBatch(batch); err != nil {
			return err
		}
		n += len(batch)
		clear(batch)
		batch = batch[:0]
		return nil
	}
	err = s.Rows(ctx, fromID, func(r *store.Row) error {
		if keep != nil && !keep(r) {
			return nil
		}
		batch = append(batch, r)
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return n, wrap(err)
	}
	return n, nil
}
