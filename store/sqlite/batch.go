package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/caliperhq/caliper/store"
)

// rowColumn is a column of rows as the writer stores it: its name, and the
// SQL literal it is written as when a row has no value for it (empty when
// every row has one).
type rowColumn struct {
	name   string
	absent string
}

// rowColumns are the columns the writer stores, after experiment_id, in the
// order sqliteBatch.values fills them.
var rowColumns = [...]rowColumn{
	{"case_id", ""}, {"trial", ""}, {"input", "NULL"}, {"expected", "NULL"},
	{"output", "NULL"}, {"scores", "NULL"}, {"score_meta", "NULL"}, {"scorer_errors", "NULL"},
	{"metrics", "NULL"}, {"error", "''"}, {"metadata", "NULL"}, {"tags", "NULL"},
	{"spans", "NULL"}, {"messages", "NULL"}, {"stop_reason", "''"}, {"created", ""},
}

// columnMask has bit i set when column rowColumns[i] is bound, not written
// as its absent literal.
type columnMask uint32

// insertSQL is an INSERT of n rows binding the columns of mask. OR REPLACE:
// writing a key (experiment_id, case_id, trial) again replaces the stored
// row, so a retried case keeps only its last result. Every row shares
// parameter ?1, the experiment id; the others are anonymous, which the driver
// binds by position. A column no row of the statement has is written as its
// literal, so it costs no bind: SQLite's binding API, behind its mutex, costs
// more than its insert at these rates (see BenchmarkWriterVsPlain).
func insertSQL(n int, mask columnMask) string {
	var sb strings.Builder
	sb.WriteString("INSERT OR REPLACE INTO rows (experiment_id")
	for _, c := range rowColumns {
		sb.WriteString(", ")
		sb.WriteString(c.name)
	}
	sb.WriteString(") VALUES ")
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("(?1")
		for j, c := range rowColumns {
			sb.WriteByte(',')
			if mask&(1<<j) != 0 {
				sb.WriteByte('?')
			} else {
				sb.WriteString(c.absent)
			}
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

// sqliteBatch writes batches on one dedicated connection, each batch in one
// transaction. It talks to the driver directly (sql.Conn.Raw) and stores
// rowsPerInsert rows per statement: database/sql's per-call conversions and
// the driver's per-statement overhead cost more than SQLite's insert itself at
// these rates (see BenchmarkWriterVsPlain).
type sqliteBatch struct {
	experimentID string
	conn         *sql.Conn
	enc          store.Encoder
	buf          []byte
	vals         []rowValues // the column values of one statement's rows
	args         []driver.NamedValue
	upkeepEvery  time.Duration
	checkpointed time.Time // when Upkeep last checkpointed, or the writer opened
}

// rowsPerInsert is how many rows one multi-row INSERT stores. Measured on
// 2 cores with a bind per column: 1 row per statement costs 6.6 µs of CPU per
// row, 10 rows 4.8 µs, 50 rows 4.6 µs, 200 rows 4.7 µs.
const rowsPerInsert = 50

// sqliteConn is what the writer needs of the driver's connection.
type sqliteConn interface {
	driver.ConnBeginTx
	driver.ConnPrepareContext
}

func (s *SQLite) openBatchWriter(experimentID string) (store.BatchWriter, error) {
	// The writer must not depend on a context its caller may cancel.
	conn, err := s.db.Conn(context.Background())
	if err != nil {
		return nil, err
	}
	return &sqliteBatch{experimentID: experimentID, conn: conn, upkeepEvery: upkeepEvery, checkpointed: time.Now()}, nil
}

// WriteBatch stores rows in one transaction.
func (b *sqliteBatch) WriteBatch(rows []*store.Row) error {
	return b.conn.Raw(func(dc any) error {
		conn, ok := dc.(sqliteConn)
		if !ok {
			return fmt.Errorf("the SQLite driver's connection is a %T, which lacks BeginTx or PrepareContext", dc)
		}
		return b.write(conn, rows)
	})
}

// statementKey names one prepared INSERT of a batch.
type statementKey struct {
	rows int
	mask columnMask
}

// write stores rows in one transaction, rowsPerInsert at a time, in their
// order (a key written twice keeps its last row), preparing each shape of
// statement once per batch.
func (b *sqliteBatch) write(conn sqliteConn, rows []*store.Row) (err error) {
	ctx := context.Background()
	tx, err := conn.BeginTx(ctx, driver.TxOptions{})
	if err != nil {
		return err
	}
	stmts := map[statementKey]driver.StmtExecContext{}
	defer func() {
		for _, st := range stmts {
			st.(driver.Stmt).Close() //nolint:errcheck // nothing is left to report it to
		}
		if err != nil {
			tx.Rollback() //nolint:errcheck // the first error is the one to report
		}
	}()
	for len(rows) > 0 {
		n := min(len(rows), rowsPerInsert)
		if err := b.insert(ctx, conn, stmts, rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return tx.Commit()
}

// insert stores rows with one statement.
func (b *sqliteBatch) insert(ctx context.Context, conn sqliteConn, stmts map[statementKey]driver.StmtExecContext, rows []*store.Row) error {
	b.buf = b.buf[:0]
	b.vals = b.vals[:0]
	var mask columnMask
	for _, r := range rows {
		b.vals = append(b.vals, rowValues{})
		mask |= b.values(&b.vals[len(b.vals)-1], r)
	}
	b.args = append(b.args[:0], driver.NamedValue{Ordinal: 1, Value: b.experimentID})
	for i := range b.vals {
		rv := &b.vals[i]
		for j := range rowColumns {
			if mask&(1<<j) == 0 {
				continue
			}
			b.args = append(b.args, driver.NamedValue{Ordinal: len(b.args) + 1, Value: rv.v[j]})
		}
	}
	defer func() {
		clear(b.args) // keep no row alive
		clear(b.vals)
	}()
	key := statementKey{len(rows), mask}
	st, ok := stmts[key]
	if !ok {
		prepared, err := conn.PrepareContext(ctx, insertSQL(key.rows, key.mask))
		if err != nil {
			return err
		}
		if st, ok = prepared.(driver.StmtExecContext); !ok {
			prepared.Close() //nolint:errcheck // the type is the error to report
			return fmt.Errorf("the SQLite driver's statement is a %T, which lacks ExecContext", prepared)
		}
		stmts[key] = st
	}
	if _, err := st.ExecContext(ctx, b.args); err != nil {
		if len(rows) == 1 {
			return fmt.Errorf("storing case %q trial %d: %w", rows[0].CaseID, rows[0].Trial, err)
		}
		return fmt.Errorf("storing %d rows from case %q trial %d: %w", len(rows), rows[0].CaseID, rows[0].Trial, err)
	}
	return nil
}

// rowValues are the column values of one row, in the order of rowColumns:
// nil for none. Texts share the bytes of their row or of sqliteBatch.buf,
// which the batch does not reuse before the statement has run.
type rowValues struct {
	v [len(rowColumns)]driver.Value
}

// Indexes in rowColumns of the columns of store.EncodedMaps.
const (
	colScores       = 5
	colScoreMeta    = 6
	colScorerErrors = 7
	colMetrics      = 8
	colTags         = 11
)

// values fills rv with the column values of r, encoding its maps and tags
// into b.buf unless r.Encoded has them, and returns the mask of the columns
// r has.
func (b *sqliteBatch) values(rv *rowValues, r *store.Row) columnMask {
	v := &rv.v
	v[0] = r.CaseID
	v[1] = int64(r.Trial)
	v[2] = rowText(r.Input)
	v[3] = rowText(r.Expected)
	v[4] = rowText(r.Output)
	var m store.EncodedMaps
	b.buf, m = b.enc.AppendMaps(b.buf, r)
	v[colScores], v[colScoreMeta], v[colScorerErrors] = rowText(m.Scores), rowText(m.ScoreMeta), rowText(m.ScorerErrors)
	v[colMetrics], v[colTags] = rowText(m.Metrics), rowText(m.Tags)
	if r.Error != "" {
		v[9] = r.Error
	}
	v[10] = rowText(r.Metadata)
	v[12] = rowText(r.Spans)
	v[13] = rowText(r.Messages)
	if r.StopReason != "" {
		v[14] = r.StopReason
	}
	v[15] = r.Created.UnixNano()
	var mask columnMask
	for i, x := range v {
		if x != nil || rowColumns[i].absent == "" {
			mask |= 1 << i
		}
	}
	return mask
}

// rowText is the column value of an encoded JSON value of a row: TEXT, or
// nil for NULL. It shares the row's bytes, which the writer owns: the driver
// copies a text into SQLite's memory as it binds it.
func rowText(j json.RawMessage) driver.Value {
	if len(j) == 0 {
		return nil
	}
	return bytesText(j)
}

// bytesText is b as a string without copying it, for a bind the driver
// copies before b changes.
func bytesText(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// upkeepEvery is the least time between two checkpoints of an idle writer:
// at rates that leave the writer idle, a checkpoint a second keeps what the
// store's Close must copy from the write-ahead log to about a second of
// rows (at 1,250 rows a second, 18 ms of Close became ~5), and it never runs
// while rows come fast enough to fill batches, where the log's own
// threshold (walAutocheckpointPages) is cheaper.
const upkeepEvery = time.Second

// Upkeep copies the write-ahead log into the database file, without waiting
// for readers (a passive checkpoint), when upkeepEvery has passed since the
// last one. What it cannot copy now stays for the next checkpoint.
func (b *sqliteBatch) Upkeep() {
	if time.Since(b.checkpointed) < b.upkeepEvery {
		return
	}
	b.checkpointed = time.Now()
	b.conn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)") //nolint:errcheck // a checkpoint not done now is done later
}
