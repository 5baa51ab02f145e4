package baseline

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// header is the header of the test baselines.
var header = Header{
	Eval: "support-answers", Experiment: "main-20240506", Commit: "9fceb02d0ae598e95dc970b74767f19372d61af8",
	Created: time.Date(2024, 5, 6, 9, 8, 7, 654321, time.FixedZone("", 2*3600)),
}

// sample are rows as a store would give them, out of order, with everything a
// baseline keeps and more that it drops.
func sample() []*store.Row {
	return []*store.Row{
		{CaseID: "c9", Trial: 1, Scores: map[string]float64{"similar": 2.0 / 3, "correct": 1}},
		{CaseID: "c9", Trial: 0, Scores: map[string]float64{"similar": 0.5, "correct": 0}, Output: []byte(`"dropped"`)},
		{CaseID: "c10", Trial: 0, Scores: map[string]float64{"correct": 0, "similar": 0}, Error: "task: timeout after 30s <exec>"},
		{CaseID: "B", Trial: 0, Scores: map[string]float64{"tiny": 1.2345678e-7, "big": 12345.0000001, "neg": -0.0000001}},
		{CaseID: "a \"quoted\" id\nwith a line break", Trial: 2},
		{CaseID: "é", Trial: 0, Scores: map[string]float64{"z": 0.1 + 0.2, "a": 1e-6}, Metrics: map[string]float64{"duration": 1.5}},
	}
}

func source(rows []*store.Row) RowSource {
	return func(fn func(*store.Row) error) error {
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func save(t *testing.T, h Header, rows []*store.Row) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Save(&b, h, source(rows)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	t.Parallel()
	got := save(t, header, sample())
	path := filepath.Join("testdata", "golden.jsonl")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./baseline -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Save wrote\n%s\nwant (%s)\n%s", got, path, want)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "base.jsonl")
	if err := os.WriteFile(path, save(t, header, sample()), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := header
	wantHeader.Version = FormatVersion
	wantHeader.Created = time.Date(2024, 5, 6, 7, 8, 7, 0, time.UTC)
	if f.Header != wantHeader || f.Len != 6 || f.Path != path {
		t.Errorf("file %+v", f)
	}
	var got []store.Row
	if err := f.Rows(func(r *store.Row) error { got = append(got, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []store.Row{
		{CaseID: "B", Trial: 0, Scores: map[string]float64{"big": 12345, "neg": 0, "tiny": 0}},
		{CaseID: "a \"quoted\" id\nwith a line break", Trial: 2},
		{CaseID: "c10", Trial: 0, Scores: map[string]float64{"correct": 0, "similar": 0}, Error: "task: timeout after 30s <exec>"},
		{CaseID: "c9", Trial: 0, Scores: map[string]float64{"correct": 0, "similar": 0.5}},
		{CaseID: "c9", Trial: 1, Scores: map[string]float64{"correct": 1, "similar": 0.666667}},
		{CaseID: "é", Trial: 0, Scores: map[string]float64{"a": 0.000001, "z": 0.3}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n%+v\nwant\n%+v", got, want)
	}
	e := f.Experiment()
	if e.ID != "file:"+path || e.Name != header.Experiment || e.Eval != header.Eval || e.Git.Commit != header.Commit ||
		e.Status != store.StatusCompleted || e.Rows != 6 || !e.Created.Equal(wantHeader.Created) {
		t.Errorf("experiment %+v", e)
	}
	// Saving what was loaded gives the same bytes: the format is a fixed point.
	again := save(t, HeaderOf(e), nil)
	var b bytes.Buffer
	if err := Save(&b, f.Header, f.Rows); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(path)
	if !bytes.Equal(b.Bytes(), first) {
		t.Errorf("saved again\n%s\nfirst\n%s", b.Bytes(), first)
	}
	if head, _, _ := bytes.Cut(again, []byte("\n")); !bytes.Equal(head, bytes.SplitN(first, []byte("\n"), 2)[0]) {
		t.Errorf("HeaderOf(f.Experiment()) gives the header %s", head)
	}
}

func TestSorting(t *testing.T) {
	t.Parallel()
	rows := sample()
	want := save(t, header, rows)
	for i := range 5 {
		perm := append([]*store.Row(nil), rows...)
		for j := range perm { // a fixed shuffle per round
			k := (j*7 + i*3) % len(perm)
			perm[j], perm[k] = perm[k], perm[j]
		}
		if got := save(t, header, perm); !bytes.Equal(got, want) {
			t.Fatalf("rows in another order give other bytes:\n%s\nwant\n%s", got, want)
		}
	}
	lines := strings.Split(strings.TrimSpace(string(want)), "\n")[1:]
	var ids []string
	for _, l := range lines {
		id, _, _ := strings.Cut(strings.TrimPrefix(l, `{"id":"`), `","trial"`)
		ids = append(ids, id)
	}
	// Byte order, as the store sorts: upper case first, "c10" before "c9".
	wantIDs := []string{"B", `a \"quoted\" id\nwith a line break`, "c10", "c9", "c9", "é"}
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Errorf("ids in order %q, want %q", ids, wantIDs)
	}
	if !strings.Contains(lines[0], `"scores":{"big":12345,"neg":0,"tiny":0}`) {
		t.Errorf("score names are not sorted or scores not rounded: %s", lines[0])
	}
}

func TestAppendScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    float64
		want string
	}{
		{1, "1"}, {0, "0"}, {0.5, "0.5"}, {2.0 / 3, "0.666667"}, {1.0 / 3, "0.333333"}, {0.1 + 0.2, "0.3"},
		{1e-6, "0.000001"}, {4e-7, "0"}, {6e-7, "0.000001"}, {-1e-9, "0"}, {math.Copysign(0, -1), "0"},
		{0.9999996, "1"}, {123.25, "123.25"}, {-0.25, "-0.25"},
	}
	for _, tt := range tests {
		if got := string(appendScore(nil, tt.v)); got != tt.want {
			t.Errorf("appendScore(%v) = %s, want %s", tt.v, got, tt.want)
		}
	}
}

func TestSaveErrors(t *testing.T) {
	t.Parallel()
	errSource := errors.New("database is locked")
	tests := []struct {
		name   string
		header Header
		rows   RowSource
		want   string
		is     error
	}{
		{name: "no eval", rows: source(nil), want: "the baseline header has no eval name"},
		{
			name: "duplicate", header: header,
			rows: source([]*store.Row{{CaseID: "a"}, {CaseID: "b"}, {CaseID: "a"}}),
			want: `case "a" trial 0 appears twice in the rows of the baseline`,
		},
		{
			name: "NaN", header: header,
			rows: source([]*store.Row{{CaseID: "a", Trial: 1, Scores: map[string]float64{"s": math.NaN()}}}),
			want: `case "a" trial 1: score "s" is NaN, not a number a baseline can hold`,
		},
		{
			name: "infinite", header: header,
			rows: source([]*store.Row{{CaseID: "a", Scores: map[string]float64{"s": math.Inf(1)}}}),
			want: `case "a" trial 0: score "s" is +Inf, not a number a baseline can hold`,
		},
		{
			name: "invalid UTF-8", header: header,
			rows: source([]*store.Row{{CaseID: "a\xff"}}),
			want: `case id "a\xff" is not valid UTF-8`,
		},
		{
			name: "empty id", header: header,
			rows: source([]*store.Row{{Trial: 3}}),
			want: `a row of trial 3 has an empty case id`,
		},
		{
			name: "negative trial", header: header,
			rows: source([]*store.Row{{CaseID: "a", Trial: -1}}),
			want: `case "a" has a negative trial -1`,
		},
		{
			name: "source fails", header: header,
			rows: func(func(*store.Row) error) error { return errSource },
			want: "reading the rows of the baseline: database is locked", is: errSource,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			err := Save(&b, tt.header, tt.rows)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("%v does not wrap %v", err, tt.is)
			}
			if b.Len() != 0 {
				t.Errorf("a failed Save wrote %q", b.String())
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	const head = `{"caliper_baseline":1,"eval":"e","experiment":"x","created":"2024-05-06T07:08:07Z"}` + "\n"
	tests := []struct {
		name, content string
		want          string // after "PATH:"
	}{
		{"empty", "", `1: the file is empty: a baseline starts with a {"caliper_baseline": 1, ...} header`},
		{"a dataset", `{"input": "q", "expected": "a"}` + "\n", `1: not a caliper baseline: the first line is not a {"caliper_baseline": 1, ...} header`},
		{"newer version", `{"caliper_baseline":2,"eval":"e"}` + "\n", `1: baseline format version 2 is newer than this caliper reads (1): upgrade caliper`},
		{"version zero", `{"caliper_baseline":0,"eval":"e"}` + "\n", `1: baseline format version 0 is not one this caliper reads (1): save the baseline again`},
		{"no eval", `{"caliper_baseline":1}` + "\n", `1: the header has no "eval" name`},
		{"unknown header key", `{"caliper_baseline":1,"eval":"e","evel":"x"}` + "\n", `1: the header: invalid JSON: json: unknown field "evel"`},
		{"not JSON", head + `{"id":"a","trial":0}` + "\n" + "<<<<<<< HEAD\n", `3: invalid JSON: invalid character '<' looking for beginning of value`},
		{"unknown key", head + `{"id":"a","trial":0,"score":{"s":1}}` + "\n", `2: invalid JSON: json: unknown field "score"`},
		{"no id", head + `{"trial":0}` + "\n", `2: the row has no "id"`},
		{"no trial", head + `{"id":"a"}` + "\n", `2: case "a": the row has no "trial"`},
		{"fractional trial", head + `{"id":"a","trial":0.5}` + "\n", `2: invalid JSON: json: cannot unmarshal number 0.5 into Go struct field .trial of type int`},
		{"negative trial", head + `{"id":"a","trial":-1}` + "\n", `2: case "a": trial -1 is negative`},
		{"null score", head + `{"id":"a","trial":0,"scores":{"s":null}}` + "\n", `2: case "a" trial 0: score "s" is null, not a number`},
		{"string score", head + `{"id":"a","trial":0,"scores":{"s":"1"}}` + "\n", `2: invalid JSON: json: cannot unmarshal string into Go struct field .scores of type float64`},
		{"two values", head + `{"id":"a","trial":0} {"id":"b","trial":0}` + "\n", `2: invalid JSON: more than one value on the line`},
		{
			"out of order", head + `{"id":"b","trial":0}` + "\n" + `{"id":"a","trial":0}` + "\n",
			`3: case "a" trial 0 comes after case "b" trial 0: rows must be sorted by case id, then trial (caliper baseline save writes them so)`,
		},
		{
			"trials out of order", head + `{"id":"a","trial":1}` + "\n\n" + `{"id":"a","trial":0}` + "\n",
			`4: case "a" trial 0 comes after case "a" trial 1: rows must be sorted by case id, then trial (caliper baseline save writes them so)`,
		},
		{"duplicate", head + `{"id":"a","trial":0}` + "\n" + `{"id":"a","trial":0}` + "\n", `3: case "a" trial 0 appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "x.jsonl")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := Load(path)
			if want := path + ":" + tt.want; err == nil || err.Error() != want {
				t.Errorf("Load: %v, %v\nwant the error %s", f, err, want)
			}
		})
	}
}

func TestLoadAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, content string }{
		{"only a header", `{"caliper_baseline":1,"eval":"e"}`},
		{"CRLF line breaks and blank lines", "{\"caliper_baseline\":1,\"eval\":\"e\"}\r\n\r\n{\"id\":\"a\",\"trial\":0,\"scores\":{}}\r\n{\"id\":\"b\",\"trial\":0}\r\n"},
		{"spaces", `{ "caliper_baseline": 1, "eval": "e" }` + "\n" + `{ "id": "a", "trial": 0, "scores": { "s": 1 } }` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "x.jsonl")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(path); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), "missing.jsonl"))
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "reading baseline: open ") {
		t.Errorf("error %v", err)
	}
}

func TestRowsStopsOnError(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.jsonl")
	if err := os.WriteFile(path, save(t, header, sample()), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	n := 0
	if err := f.Rows(func(*store.Row) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("Rows returned %v after %d rows; want the error of fn, as it is, after 1", err, n)
	}
}

func FuzzLoad(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "golden.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add([]byte(`{"caliper_baseline":1,"eval":"e"}` + "\n" + `{"id":"a","trial":0,"scores":{"s":1e400}}`))
	f.Add([]byte(`{"caliper_baseline":1,"eval":"e"}` + "\n" + `{"id":"a","trial":0,"scores":{"s":0.1234567}}`))
	f.Fuzz(func(t *testing.T, content []byte) {
		// Load's checks, without the file.
		var h Header
		var rows []*store.Row
		keep := func(r *store.Row) error { rows = append(rows, r); return nil }
		if err := scan(bytes.NewReader(content), "x.jsonl", func(got *Header) error { h = *got; return nil }, keep); err != nil {
			if !strings.HasPrefix(err.Error(), "x.jsonl:") {
				t.Fatalf("an error that names no line: %v", err)
			}
			return
		}
		// What loads saves, and saving is a fixed point after one round.
		var once, twice bytes.Buffer
		if err := Save(&once, h, source(rows)); err != nil {
			return // e.g. a created time that JSON cannot hold once in UTC
		}
		rows = nil
		if err := scan(bytes.NewReader(once.Bytes()), "once", func(got *Header) error { h = *got; return nil }, keep); err != nil {
			t.Fatalf("a saved baseline does not load: %v\n%s", err, once.Bytes())
		}
		if err := Save(&twice, h, source(rows)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("saving is not stable:\n%s\n%s", once.Bytes(), twice.Bytes())
		}
	})
}
