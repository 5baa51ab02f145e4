package mask

import (
	"bytes"
	"io"
	"sync"
)

// maxPending is the longest partial line a Writer holds before it masks and
// writes it anyway.
const maxPending = 64 << 10

// Writer masks what is written to it line by line (a secret is never split
// between two writes of a line) and passes it on. Close writes a last
// partial line.
type Writer struct {
	mu      sync.Mutex
	m       *Masker
	w       io.Writer
	pending []byte
}

// Writer returns w itself when m masks nothing, else a masking Writer.
func (m *Masker) Writer(w io.Writer) io.Writer {
	if !m.Active() || w == nil {
		return w
	}
	return &Writer{m: m, w: w}
}

// Write implements io.Writer.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, p...)
	end := bytes.LastIndexAny(w.pending, "\n\r") + 1
	if end == 0 && len(w.pending) < maxPending {
		return len(p), nil
	}
	if end == 0 {
		end = len(w.pending)
	}
	out := w.m.String(string(w.pending[:end]))
	w.pending = append(w.pending[:0], w.pending[end:]...)
	if _, err := io.WriteString(w.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close writes what is left of a last line.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) == 0 {
		return nil
	}
	out := w.m.String(string(w.pending))
	w.pending = w.pending[:0]
	_, err := io.WriteString(w.w, out)
	return err
}
