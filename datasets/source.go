package datasets

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// rawRow is one row as read from its source, before it is mapped into a case.
type rawRow struct {
	value  any    // a JSON value: map[string]any, []any, float64, string, bool or nil
	source string // where it came from, as file:line or inline[i]
	flat   bool   // a CSV row: columns other than id, input and expected are metadata
	stored bool   // a stored experiment's case: its other keys, such as output, are not errors
	// decoded says that the row, an object of the keys a row may have, was
	// decoded into fields rather than into value, for a stream that does not
	// map or filter its rows.
	decoded bool
	fields  rowFields
	// at is source split as splitSource splits it, when the reader knows it
	// (at.prefix is then not empty).
	at rowAt
}

// rowAt is where a row is, as the id set keeps it: the prefix of its source,
// such as "data.jsonl:", and its line or index.
type rowAt struct {
	prefix string
	n      uint32
}

// where returns the source of r split as splitSource splits it.
func (r *rawRow) where() rowAt {
	if r.at.prefix != "" {
		return r.at
	}
	prefix, n := splitSource(r.source)
	return rowAt{prefix, n}
}

// rowSource yields raw rows. next returns io.EOF at the end, a *RowError for a
// malformed row that can be skipped, and any other error when reading cannot go on.
type rowSource interface {
	next() (rawRow, error)
	close() error
}

// RowError is a malformed row: its source (file:line, inline[i] or a store
// dataset row) and what is wrong with it. Under data.on_error: skip such rows are
// skipped and counted; otherwise Next returns them.
type RowError struct {
	Source string
	Err    error
}

// Error names the row and the problem, and says how to go on.
func (e *RowError) Error() string {
	return fmt.Sprintf("%s: %v: fix the row or set data.on_error: skip", e.Source, e.Err)
}

// Unwrap returns the problem.
func (e *RowError) Unwrap() error { return e.Err }

// rowErr builds a *RowError.
func rowErr(source, format string, args ...any) *RowError {
	return &RowError{Source: source, Err: fmt.Errorf(format, args...)}
}

// fileKinds maps a dataset file extension to the reader of that format.
var fileKinds = map[string]func(r io.Reader, name string) (rowSource, error){
	".jsonl": func(r io.Reader, name string) (rowSource, error) { return newJSONLSource(r, name), nil },
	".json":  func(r io.Reader, name string) (rowSource, error) { return newJSONSource(r, name), nil },
	".csv":   newCSVSource,
	".yaml":  newYAMLSource,
	".yml":   newYAMLSource,
}

// fileRules say what the rows of a file must hold.
type fileRules struct {
	// needInput says that rows must carry their input themselves (there is
	// no data.fields.input), so a CSV file without an input column is an error.
	needInput bool
	// mapped says that data.fields maps the rows, so CSV columns are not
	// checked for near misses of id, input and expected.
	mapped bool
	// direct says that neither data.fields nor data.filter needs a row's
	// value, so a JSON Lines row of the usual keys is decoded straight into
	// its fields.
	direct bool
}

// openFile opens one dataset file with the reader its extension names. display
// is the name used in messages and Case.Source. Only a regular file is
// opened: a named pipe or a device could block the run forever.
func openFile(path, display string, rules fileRules) (rowSource, error) {
	ext := strings.ToLower(filepath.Ext(path))
	open, ok := fileKinds[ext]
	if !ok {
		return nil, fmt.Errorf("dataset file %s has an unknown format %q: use .jsonl, .json, .csv, .yaml or .yml", display, ext)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("opening dataset file: %w", err)
	}
	if err := checkRegular(info, display); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening dataset file: %w", err)
	}
	if info, err = f.Stat(); err == nil {
		err = checkRegular(info, display) // it may have been replaced since
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	src, err := open(f, display)
	if cs, ok := src.(*csvSource); ok && err == nil {
		err = cs.check(rules)
	}
	if js, ok := src.(*jsonlSource); ok {
		js.direct = rules.direct
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &fileSource{rowSource: src, f: f}, nil
}

// checkRegular refuses a dataset that is not a regular file.
func checkRegular(info os.FileInfo, display string) error {
	mode := info.Mode()
	switch {
	case mode.IsRegular():
		return nil
	case mode.IsDir():
		return fmt.Errorf("dataset file %s is a directory: name a file in it, or read all its files with data.files, e.g. %q", display, filepath.Join(display, "*.jsonl"))
	}
	kind := "a special file"
	switch {
	case mode&os.ModeNamedPipe != 0:
		kind = "a named pipe"
	case mode&os.ModeSocket != 0:
		kind = "a socket"
	case mode&os.ModeDevice != 0:
		kind = "a device"
	}
	return fmt.Errorf("dataset file %s is not a regular file (%s), which could block the run forever: write the rows to a file and name that", display, kind)
}

// fileSource closes the file under a reader.
type fileSource struct {
	rowSource
	f *os.File
}

func (s *fileSource) close() error {
	return errors.Join(s.rowSource.close(), s.f.Close())
}

// expandGlobs returns the files the patterns match: each file once, in sorted
// order across all patterns. A pattern that matches nothing is an error.
func expandGlobs(patterns []string) ([]string, error) {
	seen := map[string]bool{}
	var files []string
	for _, p := range patterns {
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("bad file pattern %q: %w", p, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("no dataset file matches %q: check data.files", p)
		}
		for _, m := range matches {
			if info, err := os.Stat(m); err == nil && info.IsDir() {
				continue
			}
			if !seen[m] {
				seen[m] = true
				files = append(files, m)
			}
		}
	}
	sort.Strings(files)
	return files, nil
}

// multiSource reads several files in turn, opening each only when the one
// before it is done, so that a single file is open at a time.
type multiSource struct {
	files   []string
	display func(string) string
	rules   fileRules
	cur     rowSource
}

func (m *multiSource) next() (rawRow, error) {
	for {
		if m.cur == nil {
			if len(m.files) == 0 {
				return rawRow{}, io.EOF
			}
			path := m.files[0]
			m.files = m.files[1:]
			src, err := openFile(path, m.display(path), m.rules)
			if err != nil {
				return rawRow{}, err
			}
			m.cur = src
		}
		row, err := m.cur.next()
		if err != io.EOF {
			return row, err
		}
		err = m.cur.close()
		m.cur = nil
		if err != nil {
			return rawRow{}, err
		}
	}
}

func (m *multiSource) close() error {
	m.files = nil
	if m.cur == nil {
		return nil
	}
	err := m.cur.close()
	m.cur = nil
	return err
}

// utf8BOM is the byte order mark some editors (and spreadsheet exports) put at
// the start of a text file.
const utf8BOM = "\xef\xbb\xbf"

// skipBOM drops a leading UTF-8 byte order mark.
func skipBOM(r *bufio.Reader) {
	if b, err := r.Peek(len(utf8BOM)); err == nil && string(b) == utf8BOM {
		_, _ = r.Discard(len(utf8BOM))
	}
}

// checkUTF8 rejects JSON text that is not valid UTF-8, or whose escapes
// name half of a UTF-16 surrogate pair alone ("\ud800"). Decoding would
// replace each with U+FFFD, silently changing the row, and two rows that
// differ only there would become one case.
func checkUTF8(b []byte) error {
	if !utf8.Valid(b) {
		i := 0
		for i < len(b) {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return fmt.Errorf("invalid UTF-8 (byte %d of the row is 0x%02x): save the file as UTF-8", i+1, b[i])
	}
	if i := loneSurrogate(b); i >= 0 {
		return fmt.Errorf("invalid UTF-8: the escape %s at byte %d of the row is half of a UTF-16 surrogate pair: write the character itself, or both halves of its pair", b[i:i+6], i+1)
	}
	return nil
}

// loneSurrogate returns the offset of a \u escape in JSON text that is a
// surrogate without its other half, or -1. Backslashes occur only inside
// strings, so the text need not be parsed.
func loneSurrogate(b []byte) int {
	high := -1 // offset of a high surrogate waiting for its low half
	for i := 0; i < len(b); i++ {
		if high < 0 { // nothing waits: skip to the next backslash
			j := bytes.IndexByte(b[i:], '\\')
			if j < 0 {
				return -1
			}
			i += j
		}
		isU := b[i] == '\\' && i+6 <= len(b) && b[i+1] == 'u'
		if high >= 0 && !isU {
			return high // the high half is not followed by an escape
		}
		if !isU {
			if b[i] == '\\' {
				i++ // an escaped character, such as \\ or \"
			}
			continue
		}
		r, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
		if err != nil {
			return -1 // not JSON: the decoder says so
		}
		switch {
		case r >= 0xd800 && r < 0xdc00:
			if high >= 0 {
				return high
			}
			high = i
		case r >= 0xdc00 && r < 0xe000:
			if high < 0 || high+6 != i {
				return i
			}
			high = -1
		default:
			if high >= 0 {
				return high
			}
		}
		i += 5
	}
	return high
}
