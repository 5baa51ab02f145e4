package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/caliperhq/caliper/store"
	"iter"
	"strings"
	"time"
)

// hashLen is how many bytes of a row's SHA-256 are kept to tell whether its
// content changed.
const hashLen = 16

// datasetRowsPerInsert is how many dataset rows one multi-row INSERT stores.
const datasetRowsPerInsert = 100

// datasetRowState is what a push knows of one id: the content hash of its
// current row, whether it has a current row, and whether the push gave it.
type datasetRowState struct {
	hash    [hashLen]byte
	current bool
	seen    bool
}

// pendingDatasetRow is a row waiting for its multi-row INSERT.
type pendingDatasetRow struct {
	id   string
	hash [hashLen]byte
	data string
}

// PushDataset inserts or updates the rows of dataset name by id, creating the
// dataset on its first push. A row whose content (its compact JSON) is the
// same as the current row of its id is unchanged and costs nothing; one that
// differs replaces it. With deleteMissing, the current rows whose id the push
// does not give are deleted; without it they are kept.
//
// A push that changes anything makes a new version, numbered from 1; a push
// that changes nothing makes none, and its result has the latest version and
// Changed false. Rows are stored once per content, valid from the version
// that added them until the one that replaced or deleted them, so every
// version stays readable without copying. The push is one transaction, which
// holds the store's write lock while rows is read: a failing row or iterator
// leaves the dataset as it was. Its memory grows with the number of ids, not
// with the size of the rows.
func (s *SQLite) PushDataset(ctx context.Context, name string, rows iter.Seq2[store.DatasetRow, error], deleteMissing bool) (store.PushResult, error) {
	res, err := s.pushDataset(ctx, name, rows, deleteMissing)
	if err != nil {
		return store.PushResult{}, fmt.Errorf("pushing dataset %q: %w", name, err)
	}
	return res, nil
}

func (s *SQLite) pushDataset(ctx context.Context, name string, rows iter.Seq2[store.DatasetRow, error], deleteMissing bool) (res store.PushResult, err error) {
	if err := checkDatasetName(name); err != nil {
		return res, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var latest int
	err = tx.QueryRowContext(ctx, `SELECT latest FROM datasets WHERE name = ?`, name).Scan(&latest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return res, err
	}
	version := latest + 1
	known, current, err := currentDatasetRows(ctx, tx, name)
	if err != nil {
		return res, err
	}
	closeRow, err := tx.PrepareContext(ctx, `UPDATE dataset_rows SET valid_until = ?
		WHERE dataset = ? AND id = ? AND valid_until IS NULL`)
	if err != nil {
		return res, err
	}
	defer closeRow.Close()
	ins := &datasetInserter{tx: tx, name: name, version: version}
	defer ins.close()

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
			// The replaced row ends where the new one starts.
			if _, err := closeRow.ExecContext(ctx, version, name, r.ID); err != nil {
				return res, fmt.Errorf("row %q: %w", r.ID, err)
			}
			if err := ins.add(ctx, pendingDatasetRow{id: r.ID, hash: hash, data: buf.String()}); err != nil {
				return res, err
			}
		default:
			res.Added++
			if err := ins.add(ctx, pendingDatasetRow{id: r.ID, hash: hash, data: buf.String()}); err != nil {
				return res, err
			}
		}
		known[r.ID] = datasetRowState{hash: hash, current: st.current, seen: true}
	}
	if deleteMissing {
		for id, st := range known {
			if st.current && !st.seen {
				if _, err := closeRow.ExecContext(ctx, version, name, id); err != nil {
					return res, fmt.Errorf("deleting row %q: %w", id, err)
				}
				res.Deleted++
			}
		}
	}
	if err := ins.flush(ctx); err != nil {
		return res, err
	}
	if !res.Changed() {
		if latest == 0 {
			return res, invalidf("the push has no rows, so there is nothing to create: push a file with at least one row")
		}
		res.Version = latest
		return res, nil // the rollback drops nothing: nothing was written
	}
	now := time.Now().UnixNano()
	if _, err := tx.ExecContext(ctx, `INSERT INTO datasets (name, latest, created, updated) VALUES (?1, ?2, ?3, ?3)
		ON CONFLICT (name) DO UPDATE SET latest = excluded.latest, updated = excluded.updated`, name, version, now); err != nil {
		return res, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO dataset_versions (dataset, version, created, row_count, added, updated, deleted)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, name, version, now, current+res.Added-res.Deleted, res.Added, res.Updated, res.Deleted); err != nil {
		return res, err
	}
	if err := tx.Commit(); err != nil {
		return res, err
	}
	res.Version = version
	return res, nil
}

// currentDatasetRows reads the id and content hash of every current row of
// dataset name, and counts them.
func currentDatasetRows(ctx context.Context, tx *sql.Tx, name string) (map[string]datasetRowState, int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, hash FROM dataset_rows WHERE dataset = ? AND valid_until IS NULL`, name)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	known := map[string]datasetRowState{}
	var hash sql.RawBytes
	for rows.Next() {
		var id string
		if err := rows.Scan(&id, &hash); err != nil {
			return nil, 0, err
		}
		st := datasetRowState{current: true}
		copy(st.hash[:], hash)
		known[id] = st
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return known, len(known), nil
}

// datasetInserter stores the new rows of a push, datasetRowsPerInsert at a
// time.
type datasetInserter struct {
	tx      *sql.Tx
	name    string
	version int
	stmt    *sql.Stmt // the multi-row INSERT, prepared on first use
	pending []pendingDatasetRow
	args    []any
}

// datasetInsertSQL is an INSERT of n dataset rows.
func datasetInsertSQL(n int) string {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO dataset_rows (dataset, id, valid_from, hash, data) VALUES `)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("(?,?,?,?,?)")
	}
	return sb.String()
}

// add queues r, storing the queue when it is full.
func (ins *datasetInserter) add(ctx context.Context, r pendingDatasetRow) error {
	ins.pending = append(ins.pending, r)
	if len(ins.pending) < datasetRowsPerInsert {
		return nil
	}
	if ins.stmt == nil {
		st, err := ins.tx.PrepareContext(ctx, datasetInsertSQL(datasetRowsPerInsert))
		if err != nil {
			return err
		}
		ins.stmt = st
	}
	return ins.exec(ctx, ins.stmt)
}

// flush stores the rows still queued, in one statement.
func (ins *datasetInserter) flush(ctx context.Context) error {
	if len(ins.pending) == 0 {
		return nil
	}
	st, err := ins.tx.PrepareContext(ctx, datasetInsertSQL(len(ins.pending)))
	if err != nil {
		return err
	}
	defer st.Close()
	return ins.exec(ctx, st)
}

func (ins *datasetInserter) exec(ctx context.Context, st *sql.Stmt) error {
	ins.args = ins.args[:0]
	for _, r := range ins.pending {
		ins.args = append(ins.args, ins.name, r.id, ins.version, r.hash[:], r.data)
	}
	if _, err := st.ExecContext(ctx, ins.args...); err != nil {
		return fmt.Errorf("storing %d rows from row %q: %w", len(ins.pending), ins.pending[0].id, err)
	}
	clear(ins.pending)
	ins.pending = ins.pending[:0]
	clear(ins.args)
	return nil
}

func (ins *datasetInserter) close() {
	if ins.stmt != nil {
		ins.stmt.Close()
	}
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
func (s *SQLite) Datasets(ctx context.Context) ([]store.DatasetInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.name, d.latest, v.row_count, v.created
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
func (s *SQLite) DatasetVersions(ctx context.Context, name string) ([]store.DatasetVersion, error) {
	if _, err := s.ResolveDatasetVersion(ctx, name, 0); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT version, created, row_count, added, updated, deleted
		FROM dataset_versions WHERE dataset = ? ORDER BY version DESC`, name)
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
func (s *SQLite) ResolveDatasetVersion(ctx context.Context, name string, version int) (int, error) {
	if version < 0 {
		return 0, fmt.Errorf("dataset %q: version %d is not valid: versions count from 1 (0 means the latest)", name, version)
	}
	var latest int
	err := s.db.QueryRowContext(ctx, `SELECT latest FROM datasets WHERE name = ?`, name).Scan(&latest)
	if errors.Is(err, sql.ErrNoRows) {
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
// the latest), in id order, streaming them from the database. fn gets the
// row's id and its data, which it may keep. An error from fn stops the
// iteration and is returned as it is. An unknown dataset or version is an
// error wrapping ErrNotFound.
func (s *SQLite) DatasetRows(ctx context.Context, name string, version int, fn func(id string, data json.RawMessage) error) error {
	v, err := s.ResolveDatasetVersion(ctx, name, version)
	if err != nil {
		return err
	}
	// Versions are immutable once committed, so the resolved version reads
	// the same rows whatever is pushed meanwhile.
	rows, err := s.db.QueryContext(ctx, `SELECT id, data FROM dataset_rows
		WHERE dataset = ?1 AND valid_from <= ?2 AND (valid_until IS NULL OR valid_until > ?2)
		ORDER BY id`, name, v)
	if err != nil {
		return fmt.Errorf("reading dataset %q version %d: %w", name, v, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   string
			data []byte
		)
		if err := rows.Scan(&id, &data); err != nil {
			return fmt.Errorf("reading dataset %q version %d: %w", name, v, err)
		}
		if err := fn(id, data); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading dataset %q version %d: %w", name, v, err)
	}
	return nil
}

// invalidDataset is an error of PushDataset caused by its arguments.
type invalidDataset struct{ msg string }

func (e *invalidDataset) Error() string        { return e.msg }
func (e *invalidDataset) Is(target error) bool { return target == store.ErrInvalidDataset }

// invalidf formats an error matching store.ErrInvalidDataset.
func invalidf(format string, args ...any) error {
	return &invalidDataset{msg: fmt.Sprintf(format, args...)}
}
