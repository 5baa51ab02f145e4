// Package baseline writes and reads committed baselines: the scores of one
// experiment in a compact JSON Lines file that a team commits next to its
// evals, so that a CI job with an empty store can still compare a run with it
// (base: file:PATH).
//
// The first line is a header; then one line per case and trial, sorted by case
// id (byte order, as the store sorts) and trial, with score names sorted and
// scores rounded to 6 decimal places, so that saving the same experiment again
// gives the same bytes and a changed score changes one line:
//
//	{"caliper_baseline":1,"eval":"support","experiment":"main-1","commit":"9fceb02…","created":"2024-05-06T07:08:09Z"}
//	{"id":"c1","trial":0,"scores":{"correct":1,"similar":0.666667}}
//	{"id":"c2","trial":0,"scores":{"correct":0,"similar":0},"error":"timeout after 30s"}
package baseline

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caliperhq/caliper/internal/jsontext"
	"github.com/caliperhq/caliper/store"
)

// FormatVersion is the version of the format that Save writes and Load reads,
// the value of the header's caliper_baseline key.
const FormatVersion = 1

// decimals is the number of decimal places scores are rounded to.
const decimals = 6

// maxLine is the longest line Load reads.
const maxLine = 64 << 20

// Header is the first line of a baseline file: where its scores come from.
type Header struct {
	Version    int       `json:"caliper_baseline"` // FormatVersion; Save sets it
	Eval       string    `json:"eval"`             // the eval's name; required
	Experiment string    `json:"experiment"`       // the experiment's name
	Commit     string    `json:"commit,omitempty"` // the commit the experiment ran at
	Created    time.Time `json:"created,omitzero"` // when the experiment was created; saved in UTC to the second
}

// HeaderOf returns the header of a baseline of experiment e.
func HeaderOf(e *store.Experiment) Header {
	return Header{Version: FormatVersion, Eval: e.Eval, Experiment: e.Name, Commit: e.Git.Commit, Created: e.Created}
}

// RowSource calls fn for each row of an experiment and returns the first error
// of fn or of its own: see store.RowSource.
type RowSource = store.RowSource

// Save writes the baseline of the rows that rows yields, with header h, to w.
// Only the case id, trial, scores and error of each row are kept. The rows may
// come in any order: Save sorts them, holding the compact lines (not the rows)
// in memory. Two rows with the same case id and trial, an id or score name
// that is not valid UTF-8, a negative trial and a score that is not a finite
// number are errors, and then nothing is written.
func Save(w io.Writer, h Header, rows RowSource) error {
	if h.Eval == "" {
		return errors.New("the baseline header has no eval name")
	}
	h.Version = FormatVersion
	if !h.Created.IsZero() {
		h.Created = h.Created.UTC().Truncate(time.Second)
	}
	var (
		buf    []byte // the encoded row lines, one after the other
		lines  []line
		badRow error
	)
	err := rows(func(r *store.Row) error {
		start := len(buf)
		if buf, badRow = appendRow(buf, r); badRow != nil {
			return badRow
		}
		lines = append(lines, line{id: r.CaseID, trial: r.Trial, start: start, end: len(buf)})
		return nil
	})
	switch {
	case badRow != nil:
		return badRow
	case err != nil:
		return fmt.Errorf("reading the rows of the baseline: %w", err)
	}
	if !slices.IsSortedFunc(lines, compareLines) {
		slices.SortStableFunc(lines, compareLines)
	}
	for i := 1; i < len(lines); i++ {
		if compareLines(lines[i-1], lines[i]) == 0 {
			return fmt.Errorf("case %q trial %d appears twice in the rows of the baseline", lines[i].id, lines[i].trial)
		}
	}
	bw := bufio.NewWriter(w)
	if err := jsontext.NewEncoder(bw).Encode(h); err != nil {
		return fmt.Errorf("encoding the baseline header: %w", err)
	}
	for _, l := range lines {
		bw.Write(buf[l.start:l.end])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing the baseline: %w", err)
	}
	return nil
}

// line is one encoded row of a baseline being saved: buf[start:end].
type line struct {
	id         string
	trial      int
	start, end int
}

func compareLines(a, b line) int {
	return cmp.Or(strings.Compare(a.id, b.id), cmp.Compare(a.trial, b.trial))
}

// appendRow appends the line of r, with its final line break, to buf.
func appendRow(buf []byte, r *store.Row) ([]byte, error) {
	switch {
	case !utf8.ValidString(r.CaseID):
		return buf, fmt.Errorf("case id %q is not valid UTF-8", r.CaseID)
	case r.CaseID == "":
		return buf, fmt.Errorf("a row of trial %d has an empty case id", r.Trial)
	case r.Trial < 0:
		return buf, fmt.Errorf("case %q has a negative trial %d", r.CaseID, r.Trial)
	}
	buf = append(buf, `{"id":`...)
	buf = appendString(buf, r.CaseID)
	buf = append(buf, `,"trial":`...)
	buf = strconv.AppendInt(buf, int64(r.Trial), 10)
	if len(r.Scores) > 0 {
		names := make([]string, 0, len(r.Scores))
		for name := range r.Scores {
			names = append(names, name)
		}
		slices.Sort(names)
		buf = append(buf, `,"scores":{`...)
		for i, name := range names {
			v := r.Scores[name]
			switch {
			case !utf8.ValidString(name):
				return buf, fmt.Errorf("case %q trial %d: score name %q is not valid UTF-8", r.CaseID, r.Trial, name)
			case math.IsNaN(v) || math.IsInf(v, 0):
				return buf, fmt.Errorf("case %q trial %d: score %q is %v, not a number a baseline can hold", r.CaseID, r.Trial, name, v)
			}
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, name)
			buf = append(buf, ':')
			buf = appendScore(buf, v)
		}
		buf = append(buf, '}')
	}
	if r.Error != "" {
		buf = append(buf, `,"error":`...)
		buf = appendString(buf, r.Error)
	}
	return append(buf, "}\n"...), nil
}

// appendScore appends v rounded to 6 decimal places, without trailing zeros:
// 1, 0.5, 0.666667, 0.
func appendScore(buf []byte, v float64) []byte {
	start := len(buf)
	buf = strconv.AppendFloat(buf, v, 'f', decimals, 64)
	buf = bytes.TrimRight(buf, "0")
	buf = bytes.TrimSuffix(buf, []byte("."))
	if s := buf[start:]; string(s) == "-0" || len(s) == 0 {
		buf = append(buf[:start], '0')
	}
	return buf
}

// appendString appends s as a JSON string, leaving <, > and & as they are.
func appendString(buf []byte, s string) []byte { return jsontext.AppendString(buf, s) }

// File is a baseline file that Load has checked.
type File struct {
	Path   string // as given to Load
	Header Header
	Len    int // the number of rows: cases × trials
}

// Load reads the baseline file at path and checks every line, so that a
// malformed file is reported before a run spends anything. Errors name the
// file and line: "baselines/x.jsonl:7: ...".
func Load(path string) (*File, error) {
	f := &File{Path: path}
	err := f.scan(func(h *Header) error { f.Header = *h; return nil }, func(*store.Row) error { f.Len++; return nil })
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Rows calls fn for each row of the file in (case id, trial) order, reading
// the file again: rows are never all held in memory. Each Row has its CaseID,
// Trial, Scores (nil when the line has none) and Error; fn gets a new Row each
// time and may keep it. An error from fn stops the iteration and is returned
// as it is.
func (f *File) Rows(fn func(*store.Row) error) error {
	return f.scan(nil, fn)
}

// Experiment returns the experiment the file stands for in a comparison: the
// eval, name, commit and creation time of its header, completed, with the id
// "file:" + Path and Len rows.
func (f *File) Experiment() *store.Experiment {
	return &store.Experiment{
		ID: "file:" + f.Path, Name: f.Header.Experiment, Eval: f.Header.Eval,
		Created: f.Header.Created, Updated: f.Header.Created, Status: store.StatusCompleted,
		Git: store.Git{Commit: f.Header.Commit}, Rows: f.Len,
	}
}

// scan reads the file, checking every line, and calls header (when not nil)
// with the header and fn with each row.
func (f *File) scan(header func(*Header) error, fn func(*store.Row) error) error {
	file, err := os.Open(f.Path)
	if err != nil {
		return fmt.Errorf("reading baseline: %w", err)
	}
	defer file.Close()
	return scan(file, f.Path, header, fn)
}

// scan reads a baseline from r, naming it path in errors.
func scan(r io.Reader, path string, header func(*Header) error, fn func(*store.Row) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	n := 0
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: "+format, append([]any{path, n}, args...)...)
	}
	var prev *store.Row
	for sc.Scan() {
		n++
		text := bytes.TrimSpace(sc.Bytes())
		if n == 1 {
			h, err := parseHeader(text)
			if err != nil {
				return fail("%w", err)
			}
			if header != nil {
				if err := header(h); err != nil {
					return err
				}
			}
			continue
		}
		if len(text) == 0 {
			continue
		}
		r, err := parseRow(text)
		if err != nil {
			return fail("%w", err)
		}
		if prev != nil {
			switch c := cmp.Or(strings.Compare(prev.CaseID, r.CaseID), cmp.Compare(prev.Trial, r.Trial)); {
			case c == 0:
				return fail("case %q trial %d appears twice", r.CaseID, r.Trial)
			case c > 0:
				return fail("case %q trial %d comes after case %q trial %d: rows must be sorted by case id, then trial (caliper baseline save writes them so)",
					r.CaseID, r.Trial, prev.CaseID, prev.Trial)
			}
		}
		prev = &store.Row{CaseID: r.CaseID, Trial: r.Trial}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		n++
		if errors.Is(err, bufio.ErrTooLong) {
			return fail("a line is longer than %d MiB", maxLine>>20)
		}
		return fmt.Errorf("reading baseline %s: %w", path, err)
	}
	if n == 0 {
		n = 1
		return fail("the file is empty: a baseline starts with a {\"caliper_baseline\": %d, ...} header", FormatVersion)
	}
	return nil
}

// parseHeader reads the first line.
func parseHeader(text []byte) (*Header, error) {
	var raw struct {
		Version    *int      `json:"caliper_baseline"`
		Eval       string    `json:"eval"`
		Experiment string    `json:"experiment"`
		Commit     string    `json:"commit"`
		Created    time.Time `json:"created"`
	}
	if len(text) == 0 || text[0] != '{' || !bytes.Contains(text, []byte(`"caliper_baseline"`)) {
		return nil, fmt.Errorf("not a caliper baseline: the first line is not a {\"caliper_baseline\": %d, ...} header", FormatVersion)
	}
	if err := decodeStrict(text, &raw); err != nil {
		return nil, fmt.Errorf("the header: %w", err)
	}
	switch {
	case raw.Version == nil:
		return nil, fmt.Errorf("not a caliper baseline: the header has no \"caliper_baseline\" version")
	case *raw.Version > FormatVersion:
		return nil, fmt.Errorf("baseline format version %d is newer than this caliper reads (%d): upgrade caliper", *raw.Version, FormatVersion)
	case *raw.Version != FormatVersion:
		return nil, fmt.Errorf("baseline format version %d is not one this caliper reads (%d): save the baseline again", *raw.Version, FormatVersion)
	case raw.Eval == "":
		return nil, errors.New("the header has no \"eval\" name")
	}
	return &Header{Version: *raw.Version, Eval: raw.Eval, Experiment: raw.Experiment, Commit: raw.Commit, Created: raw.Created}, nil
}

// parseRow reads a row line.
func parseRow(text []byte) (*store.Row, error) {
	var raw struct {
		ID     *string             `json:"id"`
		Trial  *int                `json:"trial"`
		Scores map[string]*float64 `json:"scores"`
		Error  string              `json:"error"`
	}
	if err := decodeStrict(text, &raw); err != nil {
		return nil, err
	}
	switch {
	case raw.ID == nil || *raw.ID == "":
		return nil, errors.New(`the row has no "id"`)
	case raw.Trial == nil:
		return nil, fmt.Errorf(`case %q: the row has no "trial"`, *raw.ID)
	case *raw.Trial < 0:
		return nil, fmt.Errorf("case %q: trial %d is negative", *raw.ID, *raw.Trial)
	}
	r := &store.Row{CaseID: *raw.ID, Trial: *raw.Trial, Error: raw.Error}
	if raw.Scores != nil {
		r.Scores = make(map[string]float64, len(raw.Scores))
		for name, v := range raw.Scores {
			if v == nil {
				return nil, fmt.Errorf("case %q trial %d: score %q is null, not a number", r.CaseID, r.Trial, name)
			}
			r.Scores[name] = *v
		}
	}
	return r, nil
}

// decodeStrict decodes one JSON object from text into v, rejecting unknown
// keys and anything after the object.
func decodeStrict(text []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if err := dec.Decode(&json.RawMessage{}); err != io.EOF {
		return errors.New("invalid JSON: more than one value on the line")
	}
	return nil
}
