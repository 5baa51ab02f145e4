package datasets

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonSource reads a .json file: a top-level array of rows, decoded element by
// element with a json.Decoder so the array is never held whole. Numbers decode
// as float64, as encoding/json does.
type jsonSource struct {
	dec     *json.Decoder
	lines   *lineCounter
	name    string
	started bool
	done    bool
}

func newJSONSource(r io.Reader, name string) *jsonSource {
	br := bufio.NewReader(r)
	skipBOM(br)
	lc := &lineCounter{r: br, line: 1}
	return &jsonSource{dec: json.NewDecoder(lc), lines: lc, name: name}
}

func (s *jsonSource) next() (rawRow, error) {
	if s.done {
		return rawRow{}, io.EOF
	}
	if !s.started {
		s.started = true
		tok, err := s.dec.Token()
		if err == io.EOF {
			s.done = true // an empty file holds no rows
			return rawRow{}, io.EOF
		}
		if err != nil {
			return rawRow{}, s.fatal(1, err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return rawRow{}, fmt.Errorf("%s:%d: a .json dataset must be a top-level array of rows, like [{\"input\": ...}]: use .jsonl for one row per line", s.name, s.lines.at(s.dec.InputOffset()))
		}
	}
	if !s.dec.More() {
		s.done = true
		if _, err := s.dec.Token(); err != nil { // the closing bracket
			return rawRow{}, s.fatal(s.lines.at(s.dec.InputOffset()), err)
		}
		if _, err := s.dec.Token(); err != io.EOF {
			return rawRow{}, fmt.Errorf("%s:%d: unexpected content after the top-level array: a .json dataset holds one array", s.name, s.lines.at(s.dec.InputOffset()))
		}
		return rawRow{}, io.EOF
	}
	line := s.lines.start(s.dec.InputOffset())
	var raw json.RawMessage
	if err := s.dec.Decode(&raw); err != nil {
		s.done = true
		return rawRow{}, s.fatal(line, err)
	}
	source := fmt.Sprintf("%s:%d", s.name, line)
	if err := checkUTF8(raw); err != nil {
		return rawRow{}, &RowError{Source: source, Err: err}
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return rawRow{}, rowErr(source, "invalid JSON: %v", err)
	}
	return rawRow{value: v, source: source}, nil
}

// fatal reports a syntax error: the decoder cannot resume after one, so the row
// cannot be skipped.
func (s *jsonSource) fatal(line int, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
		return fmt.Errorf("%s:%d: invalid JSON: the file ends inside the array: fix the file", s.name, line)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%s:%d: invalid JSON: %w: fix the file (on_error: skip cannot resume inside a broken .json file)", s.name, line, err)
	}
	return fmt.Errorf("reading %s: %w", s.name, err)
}

func (s *jsonSource) close() error { return nil }

// lineCounter passes bytes to a json.Decoder and keeps those it has not yet
// counted, so that the line of a decoder offset can be found. Offsets asked for
// only grow, so only the bytes the decoder holds ahead are kept.
type lineCounter struct {
	r       io.Reader
	pending []byte // bytes from offset base on, not yet counted
	base    int64
	line    int // the line at offset base
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.pending = append(c.pending, p[:n]...)
	return n, err
}

// at returns the line of offset off and forgets the bytes before it.
func (c *lineCounter) at(off int64) int {
	n := int(off - c.base)
	if n > len(c.pending) {
		n = len(c.pending)
	}
	if n > 0 {
		c.line += bytes.Count(c.pending[:n], []byte{'\n'})
		// Shift rather than reslice so the buffer does not grow without bound.
		c.pending = c.pending[:copy(c.pending, c.pending[n:])]
		c.base += int64(n)
	}
	return c.line
}

// start returns the line where the next value begins: the line at off, past the
// blanks and the comma that separate array elements.
func (c *lineCounter) start(off int64) int {
	line := c.at(off)
	for _, b := range c.pending {
		switch b {
		case '\n':
			line++
		case ' ', '\t', '\r', ',':
		default:
			return line
		}
	}
	return line
}
