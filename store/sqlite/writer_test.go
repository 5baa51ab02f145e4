package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/caliperhq/caliper/store"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWriterCloseAfterCancel is Ctrl-C: the run's context is cancelled, and
// Close must still commit every row written.
func TestWriterCloseAfterCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	path := filepath.Join(t.TempDir(), "caliper.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	e := &store.Experiment{Eval: "e", Name: "x"}
	if err := s.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	w := s.NewWriter(e.ID, store.WriterOptions{FlushInterval: time.Hour})
	for i := range 100 {
		if err := w.Write(testRow(i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateExperiment(context.Background(), e.ID, store.StatusInterrupted, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.Experiment(context.Background(), "e", "x"); err != nil || got.Rows != 100 || got.Status != store.StatusInterrupted {
		t.Errorf("after cancel and Close: %+v, %v; want 100 rows, interrupted", got, err)
	}
}

func TestStoreCloseClosesWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "caliper.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	e := &store.Experiment{Eval: "e", Name: "x"}
	if err := s.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	w := s.NewWriter(e.ID, store.WriterOptions{FlushInterval: time.Hour})
	for i := range 10 {
		if err := w.Write(testRow(i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(testRow(11, 0)); !errors.Is(err, store.ErrWriterClosed) {
		t.Errorf("Write after the store closed = %v", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("Close after the store closed it = %v", err)
	}
	if err := s.NewWriter(e.ID, store.WriterOptions{}).Write(testRow(12, 0)); err == nil || !strings.Contains(err.Error(), "is closed") {
		t.Errorf("Write to a writer of a closed store = %v", err)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := countRows(t, s, e.ID); n != 10 {
		t.Errorf("%d rows after closing the store, want 10", n)
	}
}

// TestWriterMixedRowsInOneStatement writes rows of different shapes into the
// same multi-row statements (a column some rows have and others do not, an
// error on some rows) and a remainder shorter than a statement, and reads
// every row back as it was written.
func TestWriterMixedRowsInOneStatement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "caliper.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := &store.Experiment{Eval: "e", Name: "mixed"}
	if err := s.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	created := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
	var want []*store.Row
	for i := range 2*rowsPerInsert + 7 {
		var r *store.Row
		switch i % 4 {
		case 0:
			r = testRow(i, 0)
		case 1:
			r = &store.Row{CaseID: fmt.Sprintf("case-%03d", i), Input: json.RawMessage(`1`), Created: created}
		case 2:
			r = &store.Row{CaseID: fmt.Sprintf("case-%03d", i), Trial: 2, Input: json.RawMessage(`{"q":"x"}`),
				Error: "task: timeout", Scores: map[string]float64{"correct": 0}, Created: created}
		default:
			r = &store.Row{CaseID: fmt.Sprintf("case-%03d", i), Output: json.RawMessage(`"o"`),
				Tags: []string{"t"}, Metrics: map[string]float64{"duration": 0.5}, Created: created}
		}
		want = append(want, r)
	}
	writeRows(t, s, e.ID, store.WriterOptions{}, want...)
	got := readRows(t, s, e.ID)
	if len(got) != len(want) {
		t.Fatalf("read %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameRow(got[i], want[i]) {
			t.Errorf("row %d read back\n %#v\nwant\n %#v", i, got[i], want[i])
		}
	}
}

func TestInsertSQLWritesAbsentColumnsAsLiterals(t *testing.T) {
	t.Parallel()
	all := columnMask(1<<len(rowColumns) - 1)
	tests := []struct {
		rows int
		mask columnMask
		want string
	}{
		{1, all, "VALUES (?1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"},
		{2, 1 | 1<<1 | 1<<15, "VALUES (?1,?,?,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'',NULL,NULL,NULL,NULL,'',?),(?1,?,?,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'',NULL,NULL,NULL,NULL,'',?)"},
	}
	for _, tc := range tests {
		if got := insertSQL(tc.rows, tc.mask); !strings.HasSuffix(got, tc.want) {
			t.Errorf("insertSQL(%d, %b) = %s, want it to end %s", tc.rows, tc.mask, got, tc.want)
		}
	}
}
