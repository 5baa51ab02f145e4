package sqlite

import (
	"context"
	"errors"
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
