package store

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// blockingBatches is a BatchWriter that holds every batch until released.
type blockingBatches struct {
	release chan struct{}
	rows    atomic.Int64
}

func (b *blockingBatches) WriteBatch(rows []*Row) error {
	<-b.release
	b.rows.Add(int64(len(rows)))
	return nil
}

func (b *blockingBatches) Close() error { return nil }

// TestWriterBackPressure checks that a slow database slows Write down instead
// of queueing rows without bound.
func TestWriterBackPressure(t *testing.T) {
	t.Parallel()
	bw := &blockingBatches{release: make(chan struct{})}
	const batch = 4
	w := NewWriter("x", WriterOptions{BatchSize: batch, FlushInterval: time.Hour},
		func() (BatchWriter, error) { return bw, nil }, nil)
	var written atomic.Int64
	go func() {
		for i := range 100 {
			if err := w.Write(&Row{CaseID: fmt.Sprint(i), Input: json.RawMessage(`1`)}); err != nil {
				t.Error(err)
			}
			written.Add(1)
		}
	}()
	// One batch is being written, queueBatches wait: then Write blocks.
	const bound = (1 + queueBatches) * batch
	deadline := time.Now().Add(10 * time.Second)
	for written.Load() < bound && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if n := written.Load(); n != bound {
		t.Errorf("%d rows accepted while the database is stuck, want %d", n, bound)
	}
	close(bw.release)
	for written.Load() < 100 && time.Now().Before(deadline.Add(10*time.Second)) {
		time.Sleep(time.Millisecond)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := bw.rows.Load(); n != 100 {
		t.Errorf("%d rows written, want 100", n)
	}
}

// upkeepCounter is a BatchWriter that counts its batches and upkeeps.
type upkeepCounter struct {
	batches, upkeeps atomic.Int64
}

func (u *upkeepCounter) WriteBatch([]*Row) error { u.batches.Add(1); return nil }
func (u *upkeepCounter) Close() error            { return nil }
func (u *upkeepCounter) Upkeep()                 { u.upkeeps.Add(1) }

// TestWriterUpkeepsWhenIdle checks that a writer whose rows come slower
// than a batch an interval gives its backend time for upkeep, and that one
// which only ever flushed full batches without a tick did not.
func TestWriterUpkeepsWhenIdle(t *testing.T) {
	t.Parallel()
	busy := &upkeepCounter{}
	w := NewWriter("x", WriterOptions{BatchSize: 2, FlushInterval: time.Hour}, func() (BatchWriter, error) { return busy, nil }, nil)
	for i := range 6 {
		if err := w.Write(&Row{CaseID: fmt.Sprint(i), Input: json.RawMessage(`1`)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if b, u := busy.batches.Load(), busy.upkeeps.Load(); b != 3 || u != 0 {
		t.Errorf("full batches only: %d batches and %d upkeeps, want 3 and 0", b, u)
	}

	idle := &upkeepCounter{}
	w = NewWriter("x", WriterOptions{BatchSize: 100, FlushInterval: time.Millisecond}, func() (BatchWriter, error) { return idle, nil }, nil)
	defer w.Close()
	if err := w.Write(&Row{CaseID: "a", Input: json.RawMessage(`1`)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for idle.upkeeps.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("a writer with one row in 20 s never gave its backend time for upkeep")
		}
		time.Sleep(time.Millisecond)
	}
}
