package sqlite

import (
	"context"
	"errors"
	"fmt"
	"github.com/caliperhq/caliper/store"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countRows is the number of committed rows of experiment id.
func countRows(t *testing.T, s *SQLite, id string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM rows WHERE experiment_id = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitRows waits until experiment id has want committed rows.
func waitRows(t *testing.T, s *SQLite, id string, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := countRows(t, s, id)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rows committed, want %d", n, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWriterCommits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts store.WriterOptions
		// write writes 25 rows, commits some of them and returns how many.
		write func(t *testing.T, w *store.Writer) int
	}{
		{"flush", store.WriterOptions{FlushInterval: time.Hour}, func(t *testing.T, w *store.Writer) int {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			return 25
		}},
		{"interval", store.WriterOptions{FlushInterval: 10 * time.Millisecond}, func(t *testing.T, w *store.Writer) int {
			return 25
		}},
		{"full batches", store.WriterOptions{BatchSize: 10, FlushInterval: time.Hour}, func(t *testing.T, w *store.Writer) int {
			return 20
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			e := newExperiment(t, s, "x")
			w := s.NewWriter(e.ID, tc.opts)
			for i := range 25 {
				if err := w.Write(testRow(i, 0)); err != nil {
					t.Fatal(err)
				}
			}
			want := tc.write(t, w)
			waitRows(t, s, e.ID, want)
			time.Sleep(20 * time.Millisecond)
			if n := countRows(t, s, e.ID); n != want {
				t.Errorf("%d rows committed before Close, want %d", n, want)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if n := countRows(t, s, e.ID); n != 25 {
				t.Errorf("%d rows committed after Close, want 25", n)
			}
		})
	}
}

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

func TestWriterErrors(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	w := s.NewWriter("no-such-experiment", store.WriterOptions{})
	if err := w.Write(nil); err == nil || !strings.Contains(err.Error(), "the row is nil") {
		t.Errorf("Write(nil) = %v", err)
	}
	if err := w.Write(testRow(1, 0)); err != nil {
		t.Fatalf("Write does not wait for the database: %v", err)
	}
	err := w.Flush()
	if err == nil || !strings.Contains(err.Error(), `writing rows of experiment "no-such-experiment"`) ||
		!strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Fatalf("Flush = %v, want a foreign key error naming the experiment", err)
	}
	if err2 := w.Write(testRow(2, 0)); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("Write after a failure = %v, want %v", err2, err)
	}
	if err2 := w.Close(); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("Close = %v, want %v", err2, err)
	}
	if err2 := w.Close(); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("Close again = %v, want %v", err2, err)
	}

	e := newExperiment(t, s, "x")
	w = s.NewWriter(e.ID, store.WriterOptions{})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{"Write": w.Write(testRow(1, 0)), "Flush": w.Flush()} {
		if !errors.Is(err, store.ErrWriterClosed) {
			t.Errorf("%s after Close = %v, want %v", name, err, store.ErrWriterClosed)
		}
	}
}

func TestWriterConcurrentWrites(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	e := newExperiment(t, s, "x")
	w := s.NewWriter(e.ID, store.WriterOptions{BatchSize: 64, FlushInterval: time.Millisecond})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 300 {
				if err := w.Write(testRow(g*1000+i, g)); err != nil {
					t.Error(err)
					return
				}
				if i%100 == 0 {
					if err := w.Flush(); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, e.ID); n != 1200 {
		t.Errorf("%d rows, want 1200", n)
	}
}

// TestConcurrentReader reads while the writer writes: in WAL mode neither
// waits for the other, and a reader sees whole batches.
func TestConcurrentReader(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	e := newExperiment(t, s, "x")
	const total, batch = 3000, 100
	w := s.NewWriter(e.ID, store.WriterOptions{BatchSize: batch, FlushInterval: time.Hour})
	var done atomic.Bool
	readerDone := make(chan error)
	go func() {
		readerDone <- func() error {
			last := 0
			for reads := 0; !done.Load() || reads < 3; reads++ {
				n := 0
				if err := s.Rows(ctx, e.ID, func(*store.Row) error { n++; return nil }); err != nil {
					return err
				}
				if n < last || n%batch != 0 {
					return fmt.Errorf("read %d rows after %d: not whole batches", n, last)
				}
				last = n
				keys, err := s.DoneKeys(ctx, e.ID)
				if err != nil {
					return err
				}
				if len(keys) < n {
					return fmt.Errorf("%d done keys after %d rows", len(keys), n)
				}
				if _, err := s.Experiments(ctx, store.ListOptions{}); err != nil {
					return err
				}
			}
			return nil
		}()
	}()
	for i := range total {
		if err := w.Write(testRow(i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	done.Store(true)
	if err := <-readerDone; err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, e.ID); n != total {
		t.Errorf("%d rows, want %d", n, total)
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
