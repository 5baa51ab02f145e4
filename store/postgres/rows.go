package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/caliperhq/caliper/store"
)

// rowColumns are the columns of rows a batch writes, in the order encode
// writes their values.
const rowColumns = `experiment_id, case_id, trial, input, expected, output, scores, score_meta,
	scorer_errors, metrics, error, metadata, tags, spans, messages, stop_reason, created`

// NewWriter starts the writer of experiment experimentID's rows. The
// experiment must exist when the first batch is committed. Close the writer
// before the store; Close on the store closes the writers still open.
func (s *Postgres) NewWriter(experimentID string, opts store.WriterOptions) *store.Writer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.NewFailedWriter(experimentID, fmt.Errorf("the store %s is closed", s.dsn))
	}
	open := func() (store.BatchWriter, error) { return s.openBatchWriter(experimentID) }
	w := store.NewWriter(experimentID, opts, open, s.forgetWriter)
	s.writers[w] = struct{}{}
	return w
}

func (s *Postgres) forgetWriter(w *store.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.writers, w)
}

// pgBatch writes batches of one experiment's rows, each batch in one
// transaction on a connection it takes from the pool for the batch. A batch
// is sent with COPY, the fastest way into PostgreSQL; when a row of the batch
// is already stored (a resumed or retried case), COPY fails on the primary
// key, and the batch is sent again through a temporary table and an upsert,
// so the later row replaces the stored one, as SQLite's INSERT OR REPLACE.
type pgBatch struct {
	s            *Postgres
	experimentID string
	enc          store.Encoder
	scratch      []byte // a row's encoded maps and tags
	buf          []byte // the memory of a copySource's buffer, kept for the next batch
}

func (s *Postgres) openBatchWriter(experimentID string) (store.BatchWriter, error) {
	return &pgBatch{s: s, experimentID: experimentID}, nil
}

// WriteBatch stores rows in one transaction, replacing stored rows of the
// same (case id, trial); of rows of the same key in the batch, the last wins.
func (b *pgBatch) WriteBatch(rows []*store.Row) (err error) {
	defer b.s.scrubErr(&err)
	// The writer must not depend on a context its caller may cancel.
	ctx := context.Background()
	rows = lastOfEachKey(rows)
	err = b.inTx(ctx, rows, copyRows)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == pgUniqueViolation {
		err = b.inTx(ctx, rows, upsertRows)
	}
	if errors.Is(err, errNoExperiment) {
		return fmt.Errorf("storing %d rows: experiment %q does not exist (the rows would break the FOREIGN KEY of rows on experiments): create the experiment before writing its rows", len(rows), b.experimentID)
	}
	if err != nil {
		return fmt.Errorf("storing %d rows from case %q trial %d: %w", len(rows), rows[0].CaseID, rows[0].Trial, err)
	}
	return nil
}

// Close releases nothing: each batch returns its connection to the pool.
func (b *pgBatch) Close() error { return nil }

// errNoExperiment is the error of writing rows of an experiment that does not
// exist.
var errNoExperiment = errors.New("no such experiment")

// inTx runs send with the rows in COPY's text format in one transaction, once
// it has checked that the experiment exists and locked it against deletion
// until the commit: the check a FOREIGN KEY would make on every row, made
// once.
func (b *pgBatch) inTx(ctx context.Context, rows []*store.Row, send func(context.Context, pgx.Tx, io.Reader) error) error {
	return pgx.BeginFunc(ctx, b.s.pool, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM experiments WHERE id = $1 FOR KEY SHARE`, b.experimentID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNoExperiment
		}
		if err != nil {
			return err
		}
		return send(ctx, tx, b.source(rows))
	})
}

// copyInto sends data, rows in COPY's text format, into table.
func copyInto(ctx context.Context, tx pgx.Tx, table string, data io.Reader) error {
	_, err := tx.Conn().PgConn().CopyFrom(ctx, data, `COPY `+table+` (`+rowColumns+`) FROM STDIN`)
	return err
}

// copyRows sends the batch with COPY.
func copyRows(ctx context.Context, tx pgx.Tx, data io.Reader) error {
	return copyInto(ctx, tx, "rows", data)
}

// stageSQL makes the temporary table a batch with stored keys goes through;
// it lives as long as the connection, emptied at each commit.
const stageSQL = `CREATE TEMPORARY TABLE IF NOT EXISTS caliper_rows_stage
	(LIKE rows INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`

// upsertSQL moves the staged rows into rows, replacing the stored ones.
const upsertSQL = `INSERT INTO rows SELECT * FROM caliper_rows_stage
	ON CONFLICT (experiment_id, case_id, trial) DO UPDATE SET
	input = excluded.input, expected = excluded.expected, output = excluded.output,
	scores = excluded.scores, score_meta = excluded.score_meta, scorer_errors = excluded.scorer_errors,
	metrics = excluded.metrics,
	error = excluded.error, metadata = excluded.metadata, tags = excluded.tags,
	spans = excluded.spans, messages = excluded.messages, stop_reason = excluded.stop_reason,
	created = excluded.created`

// upsertRows sends values with COPY into the staging table, then upserts
// them.
func upsertRows(ctx context.Context, tx pgx.Tx, data io.Reader) error {
	if _, err := tx.Exec(ctx, stageSQL); err != nil {
		return err
	}
	if err := copyInto(ctx, tx, "caliper_rows_stage", data); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, upsertSQL)
	return err
}

// rowKey is a row's primary key within its experiment.
type rowKey struct {
	caseID string
	trial  int
}

// lastOfEachKey is rows without the rows that a later row of the same key
// replaces, in their order. It returns rows itself when every key is unique.
func lastOfEachKey(rows []*store.Row) []*store.Row {
	last := make(map[rowKey]int, len(rows))
	for i, r := range rows {
		last[rowKey{r.CaseID, r.Trial}] = i
	}
	if len(last) == len(rows) {
		return rows
	}
	out := make([]*store.Row, 0, len(last))
	for i, r := range rows {
		if last[rowKey{r.CaseID, r.Trial}] == i {
			out = append(out, r)
		}
	}
	return out
}

// copySource is rows in COPY's text format, encoded as pgconn reads them, 64
// KiB at a time, so that the server parses one chunk while the next is
// encoded: encoding a whole batch before sending it made the two take turns
// (BenchmarkWriter: appendRow is about 1.4 µs of the 7-8 µs a row takes).
type copySource struct {
	b    *pgBatch
	rows []*store.Row // the rows not yet encoded
	buf  []byte       // encoded rows
	off  int          // the first byte of buf not yet read
}

// source returns the rows' copySource, which starts empty on the memory of
// the batch writer's last one.
func (b *pgBatch) source(rows []*store.Row) *copySource {
	return &copySource{b: b, rows: rows, buf: b.buf[:0]}
}

// Read encodes rows until p can be filled, or to the last row.
func (c *copySource) Read(p []byte) (int, error) {
	if c.off == len(c.buf) {
		c.buf, c.off = c.buf[:0], 0
		for len(c.buf) < len(p) && len(c.rows) > 0 {
			c.buf = c.b.appendRow(c.buf, c.rows[0])
			c.rows = c.rows[1:]
		}
		c.b.buf = c.buf
		if len(c.buf) == 0 {
			return 0, io.EOF
		}
	}
	n := copy(p, c.buf[c.off:])
	c.off += n
	return n, nil
}

// appendRow appends r to buf in COPY's text format, in the order of
// rowColumns.
func (b *pgBatch) appendRow(buf []byte, r *store.Row) []byte {
	buf = appendText(buf, b.experimentID)
	buf = append(buf, '\t')
	buf = appendBytea(buf, r.CaseID)
	buf = append(buf, '\t')
	buf = strconv.AppendInt(buf, int64(r.Trial), 10)
	for _, v := range []json.RawMessage{r.Input, r.Expected, r.Output} {
		buf = append(buf, '\t')
		buf = appendJSON(buf, v)
	}
	var m store.EncodedMaps
	b.scratch, m = b.enc.AppendMaps(b.scratch[:0], r)
	for _, v := range []json.RawMessage{m.Scores, m.ScoreMeta, m.ScorerErrors, m.Metrics} {
		buf = append(buf, '\t')
		buf = appendJSON(buf, v)
	}
	buf = append(buf, '\t')
	buf = appendBytea(buf, r.Error)
	for _, v := range []json.RawMessage{r.Metadata, m.Tags, r.Spans, r.Messages} {
		buf = append(buf, '\t')
		buf = appendJSON(buf, v)
	}
	buf = append(buf, '\t')
	buf = appendText(buf, r.StopReason)
	buf = append(buf, '\t')
	buf = strconv.AppendInt(buf, r.Created.UnixNano(), 10)
	buf = append(buf, '\n')
	return buf
}

// Rows calls fn for each row of experiment experimentID in (case_id, trial)
// order, byte order of the case ids (BYTEA) as in SQLite. Rows are streamed from the
// database, never all held in memory; fn gets a new Row each time and may
// keep it. An error from fn stops the iteration and is returned as it is.
func (s *Postgres) Rows(ctx context.Context, experimentID string, fn func(*store.Row) error) (err error) {
	var fnErr error
	defer func() {
		if err != fnErr {
			s.scrubErr(&err)
		}
	}()
	rows, err := s.pool.Query(ctx, `SELECT case_id, trial, input, expected, output,
		scores, score_meta, scorer_errors, metrics, error, metadata, tags, spans, messages, stop_reason, created
		FROM rows WHERE experiment_id = $1 ORDER BY case_id, trial`, experimentID)
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
			fnErr = err
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading rows of experiment %q: %w", experimentID, err)
	}
	return nil
}

func scanRow(rows pgx.Rows) (*store.Row, error) {
	var (
		r                       store.Row
		caseID, errText         []byte
		input, expected, output *string
		metadata, spans         *string
		messages                *string
		scores, metrics, tags   []byte
		meta, scorerErrs        []byte
		created                 int64
	)
	err := rows.Scan(&caseID, &r.Trial, &input, &expected, &output,
		&scores, &meta, &scorerErrs, &metrics, &errText, &metadata, &tags, &spans, &messages, &r.StopReason, &created)
	if err != nil {
		return nil, err
	}
	r.CaseID, r.Error = string(caseID), string(errText)
	r.Input, r.Expected, r.Output = rawJSON(input), rawJSON(expected), rawJSON(output)
	r.Metadata, r.Spans, r.Messages = rawJSON(metadata), rawJSON(spans), rawJSON(messages)
	r.Created = time.Unix(0, created).UTC()
	if r.Scores, err = store.DecodeFloats(scores); err != nil {
		return nil, fmt.Errorf("case %q trial %d: scores: %w", r.CaseID, r.Trial, err)
	}
	if r.Metrics, err = store.DecodeFloats(metrics); err != nil {
		return nil, fmt.Errorf("case %q trial %d: metrics: %w", r.CaseID, r.Trial, err)
	}
	if r.Tags, err = store.DecodeStrings(tags); err != nil {
		return nil, fmt.Errorf("case %q trial %d: tags: %w", r.CaseID, r.Trial, err)
	}
	if r.ScoreMeta, err = store.DecodeRaw(meta); err != nil {
		return nil, fmt.Errorf("case %q trial %d: score_meta: %w", r.CaseID, r.Trial, err)
	}
	if r.ScorerErrors, err = store.DecodeStringMap(scorerErrs); err != nil {
		return nil, fmt.Errorf("case %q trial %d: scorer_errors: %w", r.CaseID, r.Trial, err)
	}
	return &r, nil
}

// DoneKeys returns the Key of every stored row of experiment experimentID,
// errored rows included, so a resumed run can skip them.
func (s *Postgres) DoneKeys(ctx context.Context, experimentID string) (_ map[string]struct{}, err error) {
	defer s.scrubErr(&err)
	rows, err := s.pool.Query(ctx, `SELECT case_id, trial FROM rows WHERE experiment_id = $1`, experimentID)
	if err != nil {
		return nil, fmt.Errorf("reading the stored cases of experiment %q: %w", experimentID, err)
	}
	defer rows.Close()
	keys := map[string]struct{}{}
	var (
		caseID []byte
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
func (s *Postgres) RowCount(ctx context.Context, id string) (_ int, err error) {
	defer s.scrubErr(&err)
	var n int
	err = s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM rows WHERE experiment_id = $1)
		FROM experiments WHERE id = $1`, id).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("counting the rows of experiment %q: %w: no experiment has that id", id, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("counting the rows of experiment %q: %w", id, err)
	}
	return n, nil
}

// CopyRows copies the rows of experiment fromID for which keep returns true
// (every row when keep is nil) into experiment toID, as they are, and returns
// how many it copied. Rows are read in (case_id, trial) order and written
// DefaultBatchSize at a time, one transaction per batch, replacing a row of
// toID with the same key; if it fails, the batches before the failure stay
// copied. Both experiments must exist: an unknown one is an error wrapping
// ErrNotFound.
func (s *Postgres) CopyRows(ctx context.Context, fromID, toID string, keep func(*store.Row) bool) (n int, err error) {
	defer s.scrubErr(&err)
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
	bw := &pgBatch{s: s, experimentID: toID}
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
	// The rows are read on one connection and written on another; the
	// read streams, so memory stays bounded by one batch.
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
