package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

// TestIdleWriterCheckpoints checks that a writer whose rows come slowly
// copies them from the write-ahead log into the database file during the
// run, so that closing the store has little left to copy: a copy of the
// database file alone, taken while the writer is still open, holds them.
func TestIdleWriterCheckpoints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "caliper.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := &store.Experiment{Eval: "e", Name: "x"}
	if err := s.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	open := func() (store.BatchWriter, error) {
		bw, err := s.openBatchWriter(e.ID)
		if err == nil {
			bw.(*sqliteBatch).upkeepEvery = 0
		}
		return bw, err
	}
	w := store.NewWriter(e.ID, store.WriterOptions{BatchSize: 100, FlushInterval: 5 * time.Millisecond}, open, nil)
	defer w.Close()
	const n = 10
	for i := range n {
		if err := w.Write(testRow(i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := rowsInFileAlone(t, path, filepath.Join(t.TempDir(), "copy.db"))
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the database file alone holds %d of the %d rows committed: the idle writer never checkpointed", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// rowsInFileAlone copies the database file at path, without its
// write-ahead log, to dst and counts the rows the copy holds.
func rowsInFileAlone(t *testing.T, path, dst string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dst)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM rows").Scan(&n); err != nil {
		return 0 // the tables are not in the file yet
	}
	return n
}
