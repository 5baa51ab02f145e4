package storetest

import (
	"context"
	"errors"
	"fmt"
	"github.com/caliperhq/caliper/store"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countRows is the number of committed rows of experiment id.
func countRows(t *testing.T, s store.Store, id string) int {
	t.Helper()
	n, err := s.RowCount(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitRows waits until experiment id has want committed rows.
func waitRows(t *testing.T, s store.Store, id string, want int) {
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

func testWriterCommits(t *testing.T, open Opener) {
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
			s := open(t)
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

func testWriterErrors(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
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

func testWriterConcurrentWrites(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
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
func testConcurrentReader(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
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
