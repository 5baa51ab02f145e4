package datasets

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// csvSource reads a .csv file with a header row. Every column becomes a string
// field of the row, named by its header: a row is map[string]any of strings, and
// `row.COLUMN` names a cell in data.fields and data.filter.
//
// Without data.fields, the columns `id`, `input` and `expected` map directly to
// the case and every other column goes into the case's metadata, under its
// header. A data.fields entry replaces the mapping of its own field only: the
// metadata of a CSV row is still its other columns unless fields.metadata is
// set. Cells are strings as written, an empty cell being "", except that an
// empty `id` cell means the row has no id (its id is then a hash of its input).
type csvSource struct {
	r      *csv.Reader
	name   string
	header []string
	done   bool
}

func newCSVSource(r io.Reader, name string) (rowSource, error) {
	br := bufio.NewReader(r)
	skipBOM(br)
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	s := &csvSource{r: cr, name: name}
	rec, err := cr.Read()
	if err == io.EOF {
		s.done = true // an empty file holds no rows
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s:1: reading the CSV header: %w", name, err)
	}
	seen := map[string]int{}
	for i, col := range rec {
		if col == "" {
			return nil, fmt.Errorf("%s:1: column %d of the header has no name: name it or remove the column", name, i+1)
		}
		if j, dup := seen[col]; dup {
			return nil, fmt.Errorf("%s:1: columns %d and %d of the header are both named %q: rename one", name, j+1, i+1, col)
		}
		seen[col] = i
	}
	s.header = append([]string(nil), rec...)
	return s, nil
}

// check applies rules to the header.
func (s *csvSource) check(rules fileRules) error {
	if rules.needInput && !s.hasColumn("input") {
		return fmt.Errorf("%s:1: the CSV header has no input column: add one or map the input with data.fields.input", s.name)
	}
	if !rules.mapped {
		return checkCSVHeader(s.name, s.header)
	}
	return nil
}

// hasColumn reports whether the header names col.
func (s *csvSource) hasColumn(col string) bool {
	for _, h := range s.header {
		if h == col {
			return true
		}
	}
	return s.done // an empty file has no rows to lack it
}

func (s *csvSource) next() (rawRow, error) {
	if s.done {
		return rawRow{}, io.EOF
	}
	rec, err := s.r.Read()
	if err == io.EOF {
		s.done = true
		return rawRow{}, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		source := fmt.Sprintf("%s:%d", s.name, pe.StartLine)
		if errors.Is(err, csv.ErrFieldCount) {
			return rawRow{}, rowErr(source, "the row has %d columns but the header has %d", len(rec), len(s.header))
		}
		return rawRow{}, rowErr(source, "invalid CSV: %v", pe.Err)
	}
	if err != nil {
		return rawRow{}, fmt.Errorf("reading %s: %w", s.name, err)
	}
	line, _ := s.r.FieldPos(0)
	source := fmt.Sprintf("%s:%d", s.name, line)
	row := make(map[string]any, len(rec))
	for i, cell := range rec {
		if !utf8.ValidString(cell) {
			line, col := s.r.FieldPos(i)
			return rawRow{}, rowErr(fmt.Sprintf("%s:%d", s.name, line), "invalid UTF-8 in column %d (%s), at column %d of the line: save the file as UTF-8", i+1, s.header[i], col)
		}
		row[s.header[i]] = cell
	}
	return rawRow{value: row, source: source, flat: true}, nil
}

func (s *csvSource) close() error { return nil }
