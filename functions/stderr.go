package functions

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/caliperhq/caliper/internal/mask"
)

// tailSize is how much of a process's stderr is kept for error messages.
// Twice as much is held, so that a secret cut at the start of what is held
// is outside what is shown once the rest is masked.
const tailSize = 4 << 10

// maxLine is the longest stderr line forwarded whole; longer lines are split.
const maxLine = 64 << 10

// lineOut serializes the stderr lines of many processes onto one writer.
type lineOut struct {
	mu sync.Mutex
	w  io.Writer
}

// stderrTail is the stderr of one process: it forwards complete lines,
// prefixed, to out and keeps the last tailSize bytes for error messages.
type stderrTail struct {
	out    *lineOut // nil: lines are discarded
	prefix string
	mask   *mask.Masker // applied to each line and to the tail before it is cut

	mu   sync.Mutex
	line []byte // a partial line not forwarded yet
	tail []byte
}

// Write implements io.Writer; it never fails.
func (s *stderrTail) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tail = append(s.tail, p...)
	if len(s.tail) > 3*tailSize {
		s.tail = append(s.tail[:0], s.tail[len(s.tail)-2*tailSize:]...)
	}
	if s.out == nil {
		return len(p), nil
	}
	rest := p
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			s.line = append(s.line, rest...)
			if len(s.line) >= maxLine {
				s.emit()
			}
			break
		}
		s.line = append(s.line, rest[:i]...)
		s.emit()
		rest = rest[i+1:]
	}
	return len(p), nil
}

// emit forwards the pending line. s.mu is held.
func (s *stderrTail) emit() {
	line := s.mask.String(string(s.line))
	buf := make([]byte, 0, len(s.prefix)+len(line)+1)
	buf = append(append(append(buf, s.prefix...), line...), '\n')
	s.line = s.line[:0]
	s.out.mu.Lock()
	_, _ = s.out.w.Write(buf)
	s.out.mu.Unlock()
}

// flush forwards a last line that did not end with a newline.
func (s *stderrTail) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out != nil && len(s.line) > 0 {
		s.emit()
	}
}

// String returns the last few KB written, trimmed, starting at a character.
func (s *stderrTail) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := []byte(s.mask.String(string(s.tail)))
	cut := len(t) > tailSize
	if cut {
		t = t[len(t)-tailSize:]
		for len(t) > 0 && !utf8.RuneStart(t[0]) {
			t = t[1:]
		}
	}
	out := strings.TrimSpace(string(t))
	if cut {
		out = "..." + out
	}
	return out
}

// suffix is the stderr tail to append to an error message.
func (s *stderrTail) suffix() string {
	if t := s.String(); t != "" {
		return "; stderr: " + t
	}
	return " (nothing on stderr)"
}
