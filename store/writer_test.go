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
