package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/caliperhq/caliper/store"
)

// invalidDataset is an error of PushDataset caused by its arguments.
type invalidDataset struct{ msg string }

func (e *invalidDataset) Error() string        { return e.msg }
func (e *invalidDataset) Is(target error) bool { return target == store.ErrInvalidDataset }

// invalidf formats an error matching store.ErrInvalidDataset.
func invalidf(format string, args ...any) error {
	return &invalidDataset{msg: fmt.Sprintf(format, args...)}
}

// hashLen is how many bytes of a row's SHA-256 are kept to tell whether its
// content changed, as in the SQLite store, so store copy keeps the hashes.
const hashLen = 16

// datasetChunk is how many new rows a push sends in one COPY, and how many
// replaced rows it closes in one UPDATE.
const datasetChunk = 1000

// datasetLock is the first key of the advisory lock a push of one dataset
// holds, so two pushes of a dataset make two versions one after the other.
const datasetLock = 0x64617461 // "data"

// datasetRowState is what a push knows of one id: the content hash of its
// current row, whether it has a current row, and whether the push gave it.
type datasetRowState struct {
	hash    [hashLen]byte
	current bool
	seen    bool
}

// PushDataset inserts or updates the rows of dataset name by id, creating the
// dataset on its first push, exactly as the SQLite store does: an unchanged
// row costs nothing, a changed one replaces its id's row, deleteMissing
// deletes the current rows the push does not give, and a push that changes
// anything makes a new version. The push is one transaction: a failing row or
// iterator leaves the dataset as it was. Its memory grows with the number of
// ids, not with the size of the rows.
func (s *Postgres) PushDataset(ctx context.Context, name string, rows iter.Seq2[store.DatasetRow, error], deleteMissing bool) (res store.PushResult, err error) {
	defer s.scrubErr(&err)
	if err := checkDatasetName(name); err != nil {
		return res, fmt.Errorf("pushing dataset %q: %w", name, err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		res, err = pushDataset(ctx, tx, name, rows, deleteMissing)
		return err
	})
	if err != nil {
		return store.PushResult{}, fmt.Errorf("pushing dataset %q: %w", name, err)
	}
	return res, nil
}

func pushDataset(ctx context.Context, tx pgx.Tx, name string, rows iter.Seq2[store.DatasetRow, error], deleteMissing bool) (res store.PushResult, err error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema() || '.' || $2))`, datasetLock, name); err != nil {
		return res, err
	}
	var latest int
	err = tx.QueryRow(ctx, `SELECT latest FROM datasets WHERE name = $1`, name).Scan(&latest)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return res, err
	}
	version := latest + 1
	known, err := currentDatasetRows(ctx, tx, name)
	if err != nil {
		return res, err
	}
	current := len(known)
	w := &datasetWriter{tx: tx, name: name, version: version}
	var buf bytes.Buffer
	i := 0
	for r, err := range rows {
		if err != nil {
			return res, err
		}
		i++
		if r.ID == "" {
			return res, invalidf("row %d has no id: give every row an id", i)
		}
		buf.Reset()
		if err := json.Compact(&buf, r.Data); err != nil {
			return res, invalidf("row %q: its data is not valid JSON: %v", r.ID, err)
		}
		if buf.Len() == 0 || buf.Bytes()[0] != '{' {
			return res, invalidf("row %q: its data is not a JSON object: write it as {\"id\", \"input\", ...}", r.ID)
		}
		sum := sha256.Sum256(buf.Bytes())
		hash := [hashLen]byte(sum[:hashLen])
		st, ok := known[r.ID]
		if ok && st.seen {
			return res, invalidf("row id %q appears more than once: make the ids unique", r.ID)
		}
		switch {
		case st.current && st.hash == hash:
			res.Unchanged++
		case st.current:
			res.Updated++
			if err := w.replace(ctx, r.ID, hash, buf.String()); err != nil {
				return res, err
			}
		default:
			res.Added++
			if err := w.add(ctx, r.ID, hash, buf.String()); err != nil {
				return res, err
			}
		}
		known[r.ID] = datasetRowState{hash: hash, current: st.current, seen: true}
	}
	if deleteMissing {
		for id, st := range known {
			if st.current && !st.seen {
				if err := w.remove(ctx, id); err != nil {
					return res, err
				}
				res.Deleted++
			}
		}
	}
	if err := w.flush(ctx); err != nil {
		return res, err
	}
	if !res.Changed() {
		if latest == 0 {
			return res, invalidf("the push has no rows, so there is nothing to create: push a file with at least one row")
		}
		res.Version = latest
		return res, nil // nothing was written
	}
	now := time.Now().UnixNano()
	if _, err := tx.Exec(ctx, `INSERT INTO datasets (name, latest, created, updated) VALUES ($1, $2, $3, $3)
		ON CONFLICT (name) DO UPDATE SET latest = excluded.latest, updated = excluded.updated`, name, version, now); err != nil {
		return res, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO dataset_versions (dataset, version, created, row_count, added, updated, deleted)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, name, version, now, current+res.Added-res.Deleted, res.Added, res.Updated, res.Deleted); err != nil {
		return res, err
	}
	res.Version = version
	return res, nil
}

// currentDatasetRows reads the id and content hash of every current row of
// dataset name.
func currentDatasetRows(ctx context.Context, tx pgx.Tx, name string) (map[string]datasetRowState, error) {
	rows, err := tx.Query(ctx, `SELECT id, hash FROM dataset_rows WHERE dataset = $1 AND valid_until IS NULL`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	known := map[string]datasetRowState{}
	var id, hash []byte
	for rows.Next() {
		if err := rows.Scan(&id, &hash); err != nil {
			return nil, err
		}
		st := datasetRowState{current: true}
		copy(st.hash[:], hash)
		known[string(id)] = st
	}
	return known, rows.Err()
}

// datasetWriter stores the changes of a push in chunks: new rows with COPY,
// the rows they replace or delete closed by one UPDATE per chunk of ids.
type datasetWriter struct {
	tx      pgx.Tx
	name    string
	version int
	added   [][]any
	closing [][]byte
}

// add queues a new row valid from the push's version.
func (w *datasetWriter) add(ctx context.Context, id string, hash [hashLen]byte, data string) error {
	w.added = append(w.added, []any{w.name, []byte(id), int32(w.version), hash[:], data})
	if len(w.added) < datasetChunk {
		return nil
	}
	return w.flushAdded(ctx)
}

// replace queues a new row of id and the closing of its current one.
func (w *datasetWriter) replace(ctx context.Context, id string, hash [hashLen]byte, data string) error {
	if err := w.remove(ctx, id); err != nil {
		return err
	}
	return w.add(ctx, id, hash, data)
}

// remove queues the closing of id's current row: it ends where the push's
// version starts.
func (w *datasetWriter) remove(ctx context.Context, id string) error {
	w.closing = append(w.closing, []byte(id))
	if len(w.closing) < datasetChunk {
		return nil
	}
	return w.flushClosing(ctx)
}

func (w *datasetWriter) flush(ctx context.Context) error {
	if err := w.flushClosing(ctx); err != nil {
		return err
	}
	return w.flushAdded(ctx)
}

func (w *datasetWriter) flushAdded(ctx context.Context) error {
	if len(w.added) == 0 {
		return nil
	}
	_, err := w.tx.CopyFrom(ctx, pgx.Identifier{"dataset_rows"},
		[]string{"dataset", "id", "valid_from", "hash", "data"}, pgx.CopyFromRows(w.added))
	if err != nil {
		return fmt.Errorf("storing %d rows from row %q: %w", len(w.added), w.added[0][1].([]byte), err)
	}
	clear(w.added)
	w.added = w.added[:0]
	return nil
}

// flushClosing closes the current rows of the queued ids; a row the push
// itself added (valid from its version) stays open.
func (w *datasetWriter) flushClosing(ctx context.Context) error {
	if len(w.closing) == 0 {
		return nil
	}
	_, err := w.tx.Exec(ctx, `UPDATE dataset_rows SET valid_until = $1
		WHERE dataset = $2 AND id = ANY($3) AND valid_until IS NULL AND valid_from < $1`, w.version, w.name, w.closing)
	if err != nil {
		return fmt.Errorf("closing %d rows from row %q: %w", len(w.closing), w.closing[0], err)
	}
	clear(w.closing)
	w.closing = w.closing[:0]
	return nil
}

// checkDatasetName accepts the names an eval's data.dataset can refer to:
// letters, digits, '.', '_' and '-', starting with a letter or digit.
func checkDatasetName(name string) error {
	if name == "" {
		return invalidf("the dataset name is empty")
	}
	for i, c := range []byte(name) {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return invalidf("the dataset name %q is not valid: use letters, digits, '.', '_' and '-', starting with a letter or digit", name)
		}
	}
	return nil
}

// Datasets lists the datasets by name, each at its latest version.
func (s *Postgres) Datasets(ctx context.Context) (_ []store.DatasetInfo, err error) {
	defer s.scrubErr(&err)
	rows, err := s.pool.Query(ctx, `SELECT d.name, d.latest, v.row_count, v.created
		FROM datasets d JOIN dataset_versions v ON v.dataset = d.name AND v.version = d.latest
		ORDER BY d.name`)
	if err != nil {
		return nil, fmt.Errorf("listing datasets: %w", err)
	}
	defer rows.Close()
	var list []store.DatasetInfo
	for rows.Next() {
		var (
			d       store.DatasetInfo
			updated int64
		)
		if err := rows.Scan(&d.Name, &d.Latest, &d.Rows, &updated); err != nil {
			return nil, fmt.Errorf("listing datasets: %w", err)
		}
		d.Updated = time.Unix(0, updated).UTC()
		list = append(list, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing datasets: %w", err)
	}
	return list, nil
}

// DatasetVersions lists the versions of dataset name, newest first. An
// unknown dataset is an error wrapping ErrNotFound.
func (s *Postgres) DatasetVersions(ctx context.Context, name string) (_ []store.DatasetVersion, err error) {
	defer s.scrubErr(&err)
	if _, err := s.ResolveDatasetVersion(ctx, name, 0); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT version, created, row_count, added, updated, deleted
		FROM dataset_versions WHERE dataset = $1 ORDER BY version DESC`, name)
	if err != nil {
		return nil, fmt.Errorf("listing the versions of dataset %q: %w", name, err)
	}
	defer rows.Close()
	var list []store.DatasetVersion
	for rows.Next() {
		var (
			v       store.DatasetVersion
			created int64
		)
		if err := rows.Scan(&v.Version, &created, &v.Rows, &v.Added, &v.Updated, &v.Deleted); err != nil {
			return nil, fmt.Errorf("listing the versions of dataset %q: %w", name, err)
		}
		v.Created = time.Unix(0, created).UTC()
		list = append(list, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing the versions of dataset %q: %w", name, err)
	}
	return list, nil
}

// ResolveDatasetVersion returns the concrete version that version of dataset
// name means: the latest for 0, else version itself once it is known to
// exist. An unknown dataset or version is an error wrapping ErrNotFound.
func (s *Postgres) ResolveDatasetVersion(ctx context.Context, name string, version int) (_ int, err error) {
	defer s.scrubErr(&err)
	if version < 0 {
		return 0, fmt.Errorf("dataset %q: version %d is not valid: versions count from 1 (0 means the latest)", name, version)
	}
	var latest int
	err = s.pool.QueryRow(ctx, `SELECT latest FROM datasets WHERE name = $1`, name).Scan(&latest)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("dataset %q: %w: the store has no dataset of that name; list them with \"caliper datasets list\", or push it with \"caliper datasets push\"",
			name, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("finding dataset %q: %w", name, err)
	}
	switch {
	case version == 0:
		return latest, nil
	case version > latest:
		return 0, fmt.Errorf("dataset %q has no version %d: %w: its versions are 1 to %d", name, version, store.ErrNotFound, latest)
	}
	return version, nil
}

// DatasetRows calls fn for each row of the given version of dataset name (0:
// the latest), in id order (byte order, as in SQLite), streaming them from
// the database. fn gets the row's id and its data, which it may keep. An
// error from fn stops the iteration and is returned as it is. An unknown
// dataset or version is an error wrapping ErrNotFound.
func (s *Postgres) DatasetRows(ctx context.Context, name string, version int, fn func(id string, data json.RawMessage) error) (err error) {
	var fnErr error
	defer func() {
		if err != fnErr {
			s.scrubErr(&err)
		}
	}()
	v, err := s.ResolveDatasetVersion(ctx, name, version)
	if err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, data FROM dataset_rows
		WHERE dataset = $1 AND valid_from <= $2 AND (valid_until IS NULL OR valid_until > $2)
		ORDER BY id`, name, v)
	if err != nil {
		return fmt.Errorf("reading dataset %q version %d: %w", name, v, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return fmt.Errorf("reading dataset %q version %d: %w", name, v, err)
		}
		if err := fn(string(id), data); err != nil {
			fnErr = err
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading dataset %q version %d: %w", name, v, err)
	}
	return nil
}
