package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// DefaultBatchSize is the most rows a Writer commits in one transaction
	// unless told otherwise.
	DefaultBatchSize = 1000
	// DefaultFlushInterval is the longest a row waits in a Writer before it
	// is committed unless told otherwise.
	DefaultFlushInterval = 200 * time.Millisecond
)

// WriterOptions tune a Writer. The zero value takes the defaults.
type WriterOptions struct {
	// BatchSize is the most rows written in one transaction; DefaultBatchSize
	// when 0 or less. It also bounds the rows queued in front of the writer.
	BatchSize int
	// FlushInterval is the longest a written row waits before it is committed,
	// so a crash loses at most that much; DefaultFlushInterval when 0 or less.
	FlushInterval time.Duration
}

// ErrWriterClosed is wrapped by the errors of Write and Flush after Close.
var ErrWriterClosed = errors.New("the writer is closed")

// BatchWriter writes batches of one experiment's rows to a backend's database:
// what a backend implements to get a Writer from NewWriter. Only the writer's
// goroutine calls it.
type BatchWriter interface {
	// WriteBatch stores rows in one transaction, replacing a stored row of
	// the same (case id, trial).
	WriteBatch(rows []*Row) error
	// Close releases what the batch writer holds.
	Close() error
}

// Upkeeper is a BatchWriter with upkeep to do while rows come slower than it
// stores them (SQLite copies its write-ahead log into the database file, so
// that closing the store at the end of a run has little left to copy). The
// writer calls Upkeep from its goroutine after a tick that found less than a
// full batch, never while rows come fast enough to fill batches. Upkeep
// stores nothing: it cannot fail a write, and a backend drops what it could
// not do (as SQLite's own checkpoints do).
type Upkeeper interface {
	Upkeep()
}

// item is what Write and Flush hand to the writer's goroutine: a row, or a
// request to commit what came before and answer on flushed.
type item struct {
	row     *Row
	flushed chan error
}

// Writer persists the rows of one experiment. Write hands each row to a single
// goroutine through a bounded queue of queueBatches batches, blocking while
// the queue is full; the goroutine, woken once a batch is queued, commits them
// in transactions of up to BatchSize rows, at least every FlushInterval.
// Memory is bounded by BatchSize, not by the rows written.
//
// The writer never uses its callers' contexts: Close after Ctrl-C still
// commits every row written before it. The first failure to write is kept and
// returned by the next Write, Flush and Close; the rows after it are dropped.
// A Writer is safe for concurrent use.
type Writer struct {
	experimentID string
	batchSize    int
	interval     time.Duration
	open         func() (BatchWriter, error)
	closed       func(*Writer)

	items  chan item
	queued atomic.Int64  // rows written so far
	wake   chan struct{} // a batch is queued, or a flush, or Close
	done   chan struct{}

	mu       sync.RWMutex // guards sending on items against closing it
	isClosed bool

	errMu sync.Mutex
	err   error // the first write error
}

// NewWriter starts the goroutine of a Writer whose BatchWriter open makes on
// first use; closed, if not nil, is called once the writer has finished.
// Backends build the Writer of Store.NewWriter with it.
func NewWriter(experimentID string, opts WriterOptions, open func() (BatchWriter, error), closed func(*Writer)) *Writer {
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	w := &Writer{
		experimentID: experimentID,
		batchSize:    opts.BatchSize,
		interval:     opts.FlushInterval,
		open:         open,
		closed:       closed,
		items:        make(chan item, queueBatches*opts.BatchSize),
		wake:         make(chan struct{}, 1),
		done:         make(chan struct{}),
	}
	go w.run()
	return w
}

// Write queues r to be stored, blocking while the queue is full. The writer
// owns r from then on: the caller must not change it. A Created time left
// zero is set to the time of writing. Write returns the first error of an
// earlier batch, if any, and an error after Close.
func (w *Writer) Write(r *Row) error {
	if r == nil {
		return fmt.Errorf("writing rows of experiment %q: the row is nil", w.experimentID)
	}
	if err := w.firstErr(); err != nil {
		return err
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.isClosed {
		return fmt.Errorf("writing rows of experiment %q: %w", w.experimentID, ErrWriterClosed)
	}
	w.items <- item{row: r}
	if w.queued.Add(1)%int64(w.batchSize) == 0 {
		w.signal()
	}
	return nil
}

// queueBatches is how many batches the queue in front of the writer's
// goroutine holds: the writers go on filling one while the goroutine commits
// another.
const queueBatches = 2

// signal wakes the writer's goroutine, if it is not already to wake.
func (w *Writer) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Flush commits every row written before it and returns the first write
// error, if any.
func (w *Writer) Flush() error {
	flushed := make(chan error, 1)
	w.mu.RLock()
	if w.isClosed {
		w.mu.RUnlock()
		return fmt.Errorf("flushing rows of experiment %q: %w", w.experimentID, ErrWriterClosed)
	}
	w.items <- item{flushed: flushed}
	w.mu.RUnlock()
	w.signal()
	return <-flushed
}

// Close commits every row written, stops the writer and returns the first
// write error, if any. Closing again returns the same error.
func (w *Writer) Close() error {
	w.mu.Lock()
	if !w.isClosed {
		w.isClosed = true
		close(w.items)
	}
	w.mu.Unlock()
	w.signal()
	<-w.done
	return w.firstErr()
}

// NewFailedWriter returns a Writer whose every Write, Flush and Close returns
// err, for a backend asked for a writer it cannot give (a closed store).
func NewFailedWriter(experimentID string, err error) *Writer {
	w := NewWriter(experimentID, WriterOptions{BatchSize: 1},
		func() (BatchWriter, error) { return nil, err }, nil)
	w.setErr(err)
	return w
}

func (w *Writer) firstErr() error {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	return w.err
}

func (w *Writer) setErr(err error) {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	if w.err == nil {
		w.err = fmt.Errorf("writing rows of experiment %q: %w", w.experimentID, err)
	}
}

// run is the writer's goroutine: it batches the queued rows and commits a
// batch when it is full, when the interval ticks, on Flush and on Close.
func (w *Writer) run() {
	defer func() {
		if w.closed != nil {
			w.closed(w)
		}
		close(w.done)
	}()
	var (
		bw    BatchWriter
		batch = make([]*Row, 0, w.batchSize)
	)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if w.firstErr() == nil {
			if bw == nil {
				var err error
				if bw, err = w.open(); err != nil {
					w.setErr(err)
				}
			}
			if bw != nil {
				if err := bw.WriteBatch(batch); err != nil {
					w.setErr(err)
				}
			}
		}
		clear(batch) // let the rows be collected
		batch = batch[:0]
	}
	ticker := time.NewTicker(w.interval)
	defer ticker.Stop()
	filled := false // a full batch was flushed since the last tick
	for {
		// Sleep until a batch is queued (not woken for every row: the
		// hand-off of each row cost more than storing it), a flush or Close
		// asks, or the interval ticks; then take what is queued.
		ticked := false
		select {
		case <-w.wake:
		case <-ticker.C:
			ticked = true
		}
		for drained := false; !drained; {
			select {
			case it, ok := <-w.items:
				switch {
				case !ok:
					flush()
					if bw != nil {
						if err := bw.Close(); err != nil {
							w.setErr(err)
						}
					}
					return
				case it.flushed != nil:
					flush()
					it.flushed <- w.firstErr()
				default:
					if it.row.Created.IsZero() {
						it.row.Created = time.Now()
					}
					batch = append(batch, it.row)
					if len(batch) >= w.batchSize {
						flush()
						filled = true
					}
				}
			default:
				drained = true
			}
		}
		if ticked {
			idle := len(batch) < w.batchSize && !filled
			flush()
			if u, ok := bw.(Upkeeper); ok && idle && w.firstErr() == nil {
				u.Upkeep()
			}
			filled = false
		}
	}
}
