package datasets

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/caliperhq/caliper/internal/jsontext"
)

// jsonlReadSize is the read buffer of a JSON Lines file. Longer lines are
// assembled from several reads, so a line can be of any length.
const jsonlReadSize = 64 << 10

// jsonlKeepLine is the largest line buffer kept between lines; a longer one is
// released once its line is decoded, so one huge line does not pin its memory.
const jsonlKeepLine = 4 << 20

// jsonlSource reads a JSON Lines file: one JSON value per line, blank lines
// ignored. Values decode as encoding/json decodes them (numbers as float64),
// without its reflection (jsontext.Decoder).
type jsonlSource struct {
	r    *bufio.Reader
	name string
	line int
	buf  []byte // assembles lines longer than the read buffer
	done bool
	dec  jsontext.Decoder
}

func newJSONLSource(r io.Reader, name string) *jsonlSource {
	br := bufio.NewReaderSize(r, jsonlReadSize)
	skipBOM(br)
	return &jsonlSource{r: br, name: name}
}

func (s *jsonlSource) next() (rawRow, error) {
	for !s.done {
		line, err := s.readLine()
		if err == io.EOF {
			s.done = true
		} else if err != nil {
			return rawRow{}, fmt.Errorf("reading %s: %w", s.name, err)
		}
		s.line++
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		source := s.name + ":" + strconv.Itoa(s.line)
		if err := checkUTF8(line); err != nil {
			return rawRow{}, &RowError{Source: source, Err: err}
		}
		v, err := s.dec.Decode(line)
		if err != nil {
			return rawRow{}, rowErr(source, "invalid JSON: %v", err)
		}
		if cap(s.buf) > jsonlKeepLine {
			s.buf = nil
		}
		return rawRow{value: v, source: source}, nil
	}
	return rawRow{}, io.EOF
}

// readLine returns the next line without copying it when it fits the read
// buffer. The line is valid until the next call.
func (s *jsonlSource) readLine() ([]byte, error) {
	chunk, err := s.r.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return chunk, err
	}
	s.buf = append(s.buf[:0], chunk...)
	for err == bufio.ErrBufferFull {
		chunk, err = s.r.ReadSlice('\n')
		s.buf = append(s.buf, chunk...)
	}
	return s.buf, err
}

func (s *jsonlSource) close() error { return nil }
