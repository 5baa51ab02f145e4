package datasets

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// TestDuplicateIDs checks that two rows that would be stored under the same
// case id are an error naming both rows, never two cases with one id.
func TestDuplicateIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, content string
		data                func(path string) spec.Data
		want                []string
	}{
		{
			name: "the same explicit id", file: "d.jsonl",
			content: `{"id": "a", "input": 1}` + "\n" + `{"id": "b", "input": 2}` + "\n" + `{"id": "a", "input": 3}` + "\n",
			want:    []string{`d.jsonl:3: case id "a" is also the id of the row at `, `d.jsonl:1`, "give each row an id of its own"},
		},
		{
			name: "a number id and a string id that read the same", file: "d.jsonl",
			content: `{"id": 7, "input": 1}` + "\n" + `{"id": "7", "input": 2}` + "\n",
			want:    []string{`d.jsonl:2: case id "7" is also the id of the row at `, `d.jsonl:1`},
		},
		{
			name: "the same input and no id", file: "d.jsonl",
			content: `{"input": "same"}` + "\n\n" + `{"input": "same", "expected": "x"}` + "\n",
			want:    []string{`d.jsonl:3: the row has no id and the same input as the row at `, `d.jsonl:1`, "give each row an id"},
		},
		{
			name: "the same id in a yaml file", file: "d.yaml",
			content: "- {id: q, input: 1}\n- {id: q, input: 2}\n",
			want:    []string{`d.yaml:2: case id "q"`, `d.yaml:1`},
		},
		{
			name: "the same id in a csv file", file: "d.csv",
			content: "id,input\nq,1\nq,2\n",
			want:    []string{`d.csv:3: case id "q"`, `d.csv:2`},
		},
		{
			name: "the same id from data.fields", file: "d.jsonl",
			content: `{"k": 1, "q": "a"}` + "\n" + `{"k": 1, "q": "b"}` + "\n",
			data: func(p string) spec.Data {
				return spec.Data{File: p, Fields: spec.Fields{ID: ex("row.k"), Input: ex("row.q")}}
			},
			want: []string{`d.jsonl:2: case id "1"`, `d.jsonl:1`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := writeFile(t, tt.file, tt.content)
			d := spec.Data{File: p}
			if tt.data != nil {
				d = tt.data(p)
			}
			_, _, err := readAll(t, d, Options{Display: filepath.Base})
			wantErr(t, err, tt.want...)
		})
	}
}

func TestDuplicateIDsInline(t *testing.T) {
	t.Parallel()
	d := spec.Data{Inline: []any{map[string]any{"id": "x", "input": 1}, map[string]any{"id": "x", "input": 2}}}
	_, _, err := readAll(t, d, Options{})
	wantErr(t, err, `inline[1]: case id "x" is also the id of the row at inline[0]`)
}

func TestDuplicateIDsAcrossFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{"a.jsonl": `{"id": "x", "input": 1}` + "\n", "b.jsonl": `{"id": "y", "input": 1}` + "\n" + `{"id": "x", "input": 2}` + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := readAll(t, spec.Data{Files: []string{filepath.Join(dir, "*.jsonl")}}, Options{Display: filepath.Base})
	wantErr(t, err, `b.jsonl:2: case id "x" is also the id of the row at a.jsonl:1`)
}

func TestDuplicateIDSkipped(t *testing.T) {
	t.Parallel()
	p := writeFile(t, "d.jsonl", `{"id": "a", "input": 1}`+"\n"+`{"id": "a", "input": 2}`+"\n"+`{"id": "b", "input": 3}`+"\n")
	var w warnings
	cases, s, err := readAll(t, spec.Data{File: p, OnError: "skip"}, Options{Warn: w.warn, Display: filepath.Base})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(cases); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("ids %v, want [a b]", got)
	}
	if s.Skipped() != 1 || len(w.msgs) != 1 {
		t.Errorf("skipped %d, warnings %q; want 1 of each", s.Skipped(), w.msgs)
	}
}

// TestFilteredDuplicatesPass checks that only the cases a run uses must have
// distinct ids: a duplicate the filter leaves out overwrites nothing.
func TestFilteredDuplicatesPass(t *testing.T) {
	t.Parallel()
	p := writeFile(t, "d.jsonl", `{"id": "a", "input": 1}`+"\n"+`{"id": "a", "input": 2}`+"\n")
	cases := mustReadAll(t, spec.Data{File: p, Filter: ex("input == 2")}, Options{})
	if len(cases) != 1 {
		t.Errorf("got %d cases, want 1", len(cases))
	}
}

func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	bad := "caf\xe9"
	tests := []struct{ file, content, want string }{
		{"u.jsonl", `{"id": "a", "input": "ok"}` + "\n" + `{"input": "` + bad + `"}` + "\n", "u.jsonl:2: invalid UTF-8"},
		{"u.json", "[\n{\"input\": \"ok\"},\n{\"input\": \"" + bad + "\"}\n]\n", "u.json:3: invalid UTF-8"},
		{"u.csv", "id,input\na,ok\nb," + bad + "\n", "u.csv:3: invalid UTF-8"},
		{"u.yaml", "- input: ok\n- input: " + bad + "\n", "u.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			p := writeFile(t, tt.file, tt.content)
			_, _, err := readAll(t, spec.Data{File: p}, Options{Display: filepath.Base})
			wantErr(t, err, tt.want, "UTF-8")
		})
	}
}

// TestInvalidUTF8Skipped checks that a row with invalid UTF-8 is skipped and
// counted under on_error: skip, so two rows that differ only in their invalid
// bytes are not merged into one case.
func TestInvalidUTF8Skipped(t *testing.T) {
	t.Parallel()
	p := writeFile(t, "u.jsonl", `{"input": "a`+"\xff"+`"}`+"\n"+`{"input": "a`+"\xfe"+`"}`+"\n"+`{"input": "b"}`+"\n")
	cases, s, err := readAll(t, spec.Data{File: p, OnError: "skip"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 1 || s.Skipped() != 2 {
		t.Errorf("got %d cases and %d skipped, want 1 and 2", len(cases), s.Skipped())
	}
}

func TestUnknownRowKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, content string
		want                []string
	}{
		{"jsonl", "r.jsonl", `{"input": 1, "expected": 1}` + "\n" + `{"input": 1, "expectd": 2}` + "\n", []string{`r.jsonl:2: unknown key "expectd" in the row; did you mean "expected"?`}},
		{"json", "r.json", "[\n  {\"input\": 1,\n   \"metdata\": {}}\n]", []string{`r.json:2: unknown key "metdata" in the row; did you mean "metadata"?`}},
		{"yaml", "r.yaml", "- input: 1\n  tgas: [a]\n", []string{`r.yaml:1: unknown key "tgas" in the row; did you mean "tags"?`}},
		{"no suggestion", "r.jsonl", `{"input": 1, "question": "q"}` + "\n", []string{`unknown key "question" in the row`, "id, input, expected, metadata and tags", "data.fields"}},
		{"csv header", "r.csv", "id,input,expectd\na,1,2\n", []string{`r.csv:1: column "expectd" of the header looks like a misspelt "expected"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := writeFile(t, tt.file, tt.content)
			_, _, err := readAll(t, spec.Data{File: p}, Options{Display: filepath.Base})
			wantErr(t, err, tt.want...)
		})
	}
}

func TestUnknownRowKeysInline(t *testing.T) {
	t.Parallel()
	d := spec.Data{Inline: []any{map[string]any{"input": 1, "expectd": 2}}}
	_, _, err := readAll(t, d, Options{})
	wantErr(t, err, `inline[0]: unknown key "expectd" in the row; did you mean "expected"?`)
}

// TestMappedRowsKeepTheirKeys checks that rows mapped by data.fields may have
// any keys, and CSV columns other than the mapped ones are still metadata.
func TestMappedRowsKeepTheirKeys(t *testing.T) {
	t.Parallel()
	p := writeFile(t, "m.jsonl", `{"question": "q", "expectd": 1}`+"\n")
	if c := mustReadAll(t, spec.Data{File: p, Fields: spec.Fields{Input: ex("row.question")}}, Options{}); len(c) != 1 {
		t.Errorf("got %d cases, want 1", len(c))
	}
	csv := writeFile(t, "m.csv", "input,expectd\n1,2\n")
	if c := mustReadAll(t, spec.Data{File: csv, Fields: spec.Fields{Expected: ex("row.expectd")}}, Options{}); len(c) != 1 || c[0].Expected != "2" {
		t.Errorf("got %+v, want one case expecting 2", c)
	}
	plain := writeFile(t, "p.csv", "input,lang,team\n1,en,x\n")
	if c := mustReadAll(t, spec.Data{File: plain}, Options{}); len(c) != 1 || c[0].Metadata["lang"] != "en" {
		t.Errorf("got %+v, want one case with metadata.lang", c)
	}
}

func TestNotARegularFile(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no named pipes here")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.jsonl")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a named pipe: %v", err)
	}
	sub := filepath.Join(dir, "sub.jsonl")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data spec.Data
		want string
	}{
		{"fifo", spec.Data{File: fifo}, "pipe.jsonl is not a regular file (a named pipe)"},
		{"fifo by glob", spec.Data{Files: []string{filepath.Join(dir, "pipe.*")}}, "pipe.jsonl is not a regular file (a named pipe)"},
		{"directory", spec.Data{File: sub}, "sub.jsonl is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := readAll(t, tt.data, Options{Display: filepath.Base}) // must not block
			wantErr(t, err, tt.want)
		})
	}
}

func TestLoneSurrogate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want int
	}{
		{`{"input": "plain"}`, -1},
		{`{"input": "\ud83d\ude00 pair"}`, -1},
		{`{"input": "\u00e9 \\ud800 escaped backslash"}`, -1},
		{`{"input": "\ud800"}`, 11},
		{`{"input": "\udc00"}`, 11},
		{`{"input": "\ud800x\udc00"}`, 11},
		{`{"input": "\ud800\ud800\udc00"}`, 11},
		{`{"input": "\ud800\n"}`, 11},
	}
	for _, tt := range tests {
		if got := loneSurrogate([]byte(tt.text)); got != tt.want {
			t.Errorf("loneSurrogate(%s) = %d, want %d", tt.text, got, tt.want)
		}
	}
}

// TestLoneSurrogateRows checks that two rows whose inputs differ only in lone
// surrogates, which decoding would make equal, are an error at their line.
func TestLoneSurrogateRows(t *testing.T) {
	t.Parallel()
	p := writeFile(t, "s.jsonl", `{"input": "ok"}`+"\n"+`{"input": "a\ud800"}`+"\n"+`{"input": "a\udfff"}`+"\n")
	_, _, err := readAll(t, spec.Data{File: p}, Options{Display: filepath.Base})
	wantErr(t, err, `s.jsonl:2: invalid UTF-8: the escape \ud800 at byte 13 of the row is half of a UTF-16 surrogate pair`)
}

// FuzzLoneSurrogateMatchesScan checks loneSurrogate, which skips from one
// backslash to the next, against a scan of every byte.
func FuzzLoneSurrogateMatchesScan(f *testing.F) {
	for _, s := range []string{`{"input": "\ud800"}`, `"\ud83d\ude00"`, `"\\ud800"`, `"\ud800\n"`, `\`, `\u12`, `"\ud800\ud800\udc00"`, `"a\\\udc00"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := loneSurrogate(b), loneSurrogateScan(b); got != want {
			t.Fatalf("loneSurrogate(%q) = %d, a scan of every byte gives %d", b, got, want)
		}
	})
}

// loneSurrogateScan is loneSurrogate looking at every byte.
func loneSurrogateScan(b []byte) int {
	high := -1
	for i := 0; i < len(b); i++ {
		isU := b[i] == '\\' && i+6 <= len(b) && b[i+1] == 'u'
		if high >= 0 && !isU {
			return high
		}
		if !isU {
			if b[i] == '\\' {
				i++
			}
			continue
		}
		r, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
		if err != nil {
			return -1
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
