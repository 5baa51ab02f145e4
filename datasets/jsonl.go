package datasets

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

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
	r      *bufio.Reader
	name   string
	prefix string // name + ":", the start of a row's source
	line   int
	buf    []byte // assembles lines longer than the read buffer
	done   bool
	dec    jsontext.Decoder
	// direct decodes a row of the keys a row may have straight into its
	// fields (rawRow.decoded), when the stream needs no row's value.
	direct  bool
	members jsontext.Members
	// sources holds the sources of the lines from sourcesFrom on, built
	// at once, that end at the offsets in ends.
	sources     string
	sourcesFrom int
	ends        []int
}

// sourcesSize is about the size of the string that holds the sources of
// lines built at once, so that they cost one allocation rather than one a
// line: a few dozen lines, with a short file name.
const sourcesSize = 1 << 10

// rowNames are the keys of a row; the member bits below are their indexes.
var rowNames = []string{"id", "input", "expected", "metadata", "tags"}

// The bits of jsontext.Members for the keys of rowNames that decodedFields
// reads.
const (
	memberID = 1 << iota
	memberInput
	memberExpected
)

func newJSONLSource(r io.Reader, name string) *jsonlSource {
	br := bufio.NewReaderSize(r, jsonlReadSize)
	skipBOM(br)
	return &jsonlSource{r: br, name: name, prefix: name + ":", members: jsontext.Members{Names: rowNames, AsString: memberID}}
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
		row, err := s.decode(line)
		if cap(s.buf) > jsonlKeepLine {
			s.buf = nil
		}
		return row, err
	}
	return rawRow{}, io.EOF
}

// decode decodes one line: by the fast paths when they take it, which only
// valid UTF-8 with no surrogate escape passes, else checked and decoded by
// the general path, whose errors name the line.
func (s *jsonlSource) decode(line []byte) (rawRow, error) {
	row := rawRow{source: s.source()}
	if s.line <= math.MaxUint32 {
		row.at = rowAt{prefix: s.prefix, n: uint32(s.line)}
	}
	if s.direct && s.dec.DecodeMembers(line, &s.members) {
		row.decoded, row.fields = true, decodedFields(&s.members)
		return row, nil
	}
	v, ok := s.dec.DecodeFast(line)
	if !ok {
		if err := checkUTF8(line); err != nil {
			return rawRow{}, &RowError{Source: row.source, Err: err}
		}
		var err error
		if v, err = s.dec.Decode(line); err != nil {
			return rawRow{}, rowErr(row.source, "invalid JSON: %v", err)
		}
	}
	row.value = v
	return row, nil
}

// source is the source of the current line: name:line.
func (s *jsonlSource) source() string {
	i := s.line - s.sourcesFrom
	if i < 0 || i >= len(s.ends) {
		s.buildSources()
		i = 0
	}
	start := 0
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.sources[start:s.ends[i]]
}

// buildSources builds the sources of the current line and of the lines
// after it, as many as about sourcesSize bytes hold.
func (s *jsonlSource) buildSources() {
	n := max(1, sourcesSize/(len(s.prefix)+8))
	var digits [20]byte
	var b strings.Builder
	b.Grow(n * (len(s.prefix) + len(strconv.AppendInt(digits[:0], int64(s.line+n-1), 10))))
	s.ends = s.ends[:0]
	for line := s.line; line < s.line+n; line++ {
		b.WriteString(s.prefix)
		b.Write(strconv.AppendInt(digits[:0], int64(line), 10))
		s.ends = append(s.ends, b.Len())
	}
	s.sources, s.sourcesFrom = b.String(), s.line
}

// decodedFields returns the fields of a row decoded into m.
func decodedFields(m *jsontext.Members) rowFields {
	v := m.Values
	return rowFields{
		id: v[0], input: v[1], expected: v[2], metadata: v[3], tags: v[4],
		idText: m.Strings[0], idIsText: m.InStrings&memberID != 0,
		hasInput: m.Present&memberInput != 0, hasExpected: m.Present&memberExpected != 0,
	}
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
