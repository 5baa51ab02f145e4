package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

// plainRowsPerTx and plainRowsPerInsert shape the plain inserts
// BenchmarkWriterVsPlain compares the writer with: the writer's own batch
// size, and multi-row statements of the writer's width.
const (
	plainRowsPerTx     = store.DefaultBatchSize
	plainRowsPerInsert = rowsPerInsert
)

// BenchmarkWriterVsPlain measures, in one run, the writer and the limit it is
// judged by: plain batched inserts of the same rows into the same table,
// through database/sql with a prepared multi-row INSERT, one transaction per
// plainRowsPerTx rows, with every column already encoded (json.Marshal,
// outside the timing). Each iteration writes benchRows rows each way, in
// alternating order, into a new experiment; it reports both rates and
// writer/plain, the ratio the throughput issue sets at 0.9 or more:
//
//	go test -run '^$' -bench WriterVsPlain -benchtime 5x ./store/sqlite
func BenchmarkWriterVsPlain(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rows := make([]store.Row, benchRows)
	for i := range rows {
		rows[i] = *benchRow(i)
	}
	plain := plainColumns(b, rows)
	var writerTime, plainTime time.Duration
	for n := 0; b.Loop(); n++ {
		runs := []func(){
			func() { writerTime += timeWriter(b, s, fmt.Sprintf("writer-%d", n), rows) },
			func() { plainTime += timePlain(b, s, fmt.Sprintf("plain-%d", n), plain) },
		}
		if n%2 == 1 {
			runs[0], runs[1] = runs[1], runs[0]
		}
		for _, run := range runs {
			run()
		}
	}
	total := float64(b.N * benchRows)
	b.ReportMetric(total/writerTime.Seconds(), "writer-rows/s")
	b.ReportMetric(total/plainTime.Seconds(), "plain-rows/s")
	b.ReportMetric(plainTime.Seconds()/writerTime.Seconds(), "writer/plain")
}

// timeWriter persists rows through a Writer into a new experiment named name
// and returns the time from the first Write to the end of Close.
func timeWriter(b *testing.B, s *SQLite, name string, rows []store.Row) time.Duration {
	b.Helper()
	e := &store.Experiment{Eval: "bench", Name: name}
	if err := s.CreateExperiment(context.Background(), e); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	w := s.NewWriter(e.ID, store.WriterOptions{})
	for i := range rows {
		r := rows[i] // the writer owns what it is given
		if err := w.Write(&r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// plainColumns encodes rows into the column values of the rows table, the
// experiment id left for timePlain to fill in.
func plainColumns(b *testing.B, rows []store.Row) [][]any {
	b.Helper()
	text := func(v any) any {
		j, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		return string(j)
	}
	now := time.Now().UnixNano()
	cols := make([][]any, len(rows))
	for i, r := range rows {
		cols[i] = []any{nil, r.CaseID, int64(r.Trial), string(r.Input), nil, string(r.Output),
			text(r.Scores), nil, nil, text(r.Metrics), r.Error, nil, nil, nil, nil, "", now}
	}
	return cols
}

// timePlain inserts the encoded rows into a new experiment named name with a
// prepared multi-row INSERT and returns the time it took, commits included.
func timePlain(b *testing.B, s *SQLite, name string, rows [][]any) time.Duration {
	b.Helper()
	ctx := context.Background()
	e := &store.Experiment{Eval: "bench", Name: name}
	if err := s.CreateExperiment(ctx, e); err != nil {
		b.Fatal(err)
	}
	args := make([]any, 0, plainRowsPerInsert*plainColumnCount)
	start := time.Now()
	for from := 0; from < len(rows); from += plainRowsPerTx {
		if err := plainTx(ctx, s.db, e.ID, rows[from:min(from+plainRowsPerTx, len(rows))], args); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

// plainTx inserts rows, a multiple of plainRowsPerInsert, in one transaction.
func plainTx(ctx context.Context, db *sql.DB, experimentID string, rows [][]any, args []any) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	st, err := tx.PrepareContext(ctx, plainInsertSQL(plainRowsPerInsert))
	if err != nil {
		return err
	}
	defer st.Close()
	for ; len(rows) >= plainRowsPerInsert; rows = rows[plainRowsPerInsert:] {
		args = args[:0]
		for _, r := range rows[:plainRowsPerInsert] {
			r[0] = experimentID
			args = append(args, r...)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	if len(rows) > 0 {
		return fmt.Errorf("%d rows left over: give a multiple of %d", len(rows), plainRowsPerInsert)
	}
	return tx.Commit()
}

// plainColumnCount is the number of columns plainInsertSQL binds per row.
const plainColumnCount = 17

// plainInsertSQL is the plain INSERT of n rows, a parameter per column.
func plainInsertSQL(n int) string {
	var sb strings.Builder
	sb.WriteString(`INSERT OR REPLACE INTO rows (experiment_id, case_id, trial, input, expected,
	output, scores, score_meta, scorer_errors, metrics, error, metadata, tags, spans, messages, stop_reason, created) VALUES `)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
	}
	return sb.String()
}
