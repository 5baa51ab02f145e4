package datasets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

func TestFilterAndLimit(t *testing.T) {
	t.Parallel()
	qa := testdata(t, "qa.jsonl")
	tests := []struct {
		name string
		data spec.Data
		opts Options
		want []string
		err  string
	}{
		{"filter", spec.Data{File: qa, Filter: ex(`metadata.lang == "en"`)}, Options{}, []string{"q1", "7"}, ""},
		{"filter on tags", spec.Data{File: qa, Filter: ex(`"smoke" in tags`)}, Options{}, []string{"q1"}, ""},
		{"filter on the raw row and id", spec.Data{File: qa, Filter: ex(`row.expected != nil && id != "7"`)}, Options{}, []string{"q1", "12345678901", "q5"}, ""},
		{"filter with parameters", spec.Data{File: qa, Filter: ex(`metadata?.lang == parameters.lang`)}, Options{Parameters: map[string]any{"lang": "de"}}, []string{"q5"}, ""},
		{"limit", spec.Data{File: qa, Limit: 2}, Options{}, []string{"q1", "7"}, ""},
		{"limit above the row count", spec.Data{File: qa, Limit: 99}, Options{}, []string{"q1", "7", mustHash(t, "Quelle heure est-il ?"), "12345678901", "q5"}, ""},
		{"limit after filter", spec.Data{File: qa, Filter: ex(`metadata?.lang != "en"`), Limit: 2}, Options{}, []string{mustHash(t, "Quelle heure est-il ?"), "12345678901"}, ""},
		{"limit stops reading before a bad row", spec.Data{File: testdata(t, "bad.jsonl"), Limit: 1}, Options{}, []string{"ok1"}, ""},
		{"a filter that is not a boolean", spec.Data{File: qa, Filter: ex(`metadata?.lang`)}, Options{}, nil, "qa.jsonl:1: data.filter must give true or false, but gave en (string)"},
		{"a null filter is false", spec.Data{File: qa, Filter: ex(`metadata?.flag`)}, Options{}, nil, ""},
		{"a filter that fails", spec.Data{File: qa, Filter: ex(`input.question == "x"`)}, Options{}, nil, "qa.jsonl:1: data.filter:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, err := readAll(t, tt.data, tt.opts)
			if tt.err != "" {
				wantErr(t, err, tt.err, "fix the row or set data.on_error: skip")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(ids(got), ",") != strings.Join(tt.want, ",") {
				t.Errorf("ids %v, want %v", ids(got), tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	qa := testdata(t, "qa.jsonl")
	tests := []struct {
		name string
		data spec.Data
		err  string
	}{
		{"fields", spec.Data{File: qa, Fields: spec.Fields{Input: ex("row.")}}, "compiling data.fields.input: test.eval.yaml:1:"},
		{"unknown name", spec.Data{File: qa, Fields: spec.Fields{Expected: ex("rows.answer")}}, `compiling data.fields.expected: test.eval.yaml:1:1: expression: unknown name "rows"; did you mean "row"?`},
		{"filter", spec.Data{File: qa, Filter: ex("input +")}, "compiling data.filter: test.eval.yaml:1:"},
		{"no source", spec.Data{}, "data sets none of file, files, dataset, experiment and inline"},
		{"missing file", spec.Data{File: filepath.Join(t.TempDir(), "gone.jsonl")}, "opening data: opening dataset file: stat "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Open(context.Background(), tt.data, Options{})
			wantErr(t, err, tt.err)
		})
	}
}

func TestFieldsOnJSONL(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "raw.jsonl", `"just a string"
{"q": "what?", "a": 42, "labels": ["x"]}
`)
	got := mustReadAll(t, spec.Data{File: file, Fields: spec.Fields{
		Input:    ex(`type(row) == "string" ? row : row.q`),
		Expected: ex(`type(row) == "string" ? nil : row.a`),
		Tags:     ex(`type(row) == "string" ? nil : row.labels`),
	}}, Options{})
	want := []Case{
		{Case: spec.Case{ID: mustHash(t, "just a string"), Input: "just a string"}},
		{Case: spec.Case{ID: mustHash(t, "what?"), Input: "what?", Expected: 42.0, Tags: []string{"x"}}},
	}
	diffCases(t, withoutSources(got), want)
}

func TestExprOptions(t *testing.T) {
	t.Parallel()
	// Helper functions exist only when the caller passes them (the pipeline
	// passes its registry's through Options.ExprOptions): without them a call
	// is an error before any row is read.
	d := spec.Data{File: testdata(t, "qa.jsonl"), Fields: spec.Fields{Input: ex(`to_json(row.input)`)}, Limit: 1}
	_, _, err := readAll(t, d, Options{})
	wantErr(t, err, "data.fields.input:", `unknown name "to_json"`)

	toJSON := func(args ...any) (any, error) {
		b, err := json.Marshal(args[0])
		return string(b), err
	}
	got := mustReadAll(t, d, Options{ExprOptions: helperOption("to_json", toJSON)})
	if got[0].Input != `"What is 2+2?"` {
		t.Errorf("input %#v", got[0].Input)
	}
}

func TestMalformedRows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		file   string
		data   spec.Data
		err    string
		skip   bool // the row can be skipped
		remain int  // cases read under on_error: skip
	}{
		{name: "invalid JSON line", file: "a.jsonl", data: spec.Data{}, err: "a.jsonl:2: invalid JSON: ", skip: true},
		{name: "not an object", file: "a.jsonl", data: spec.Data{}, err: "a.jsonl:2: a row must be an object {id?, input, expected?, metadata?, tags?}, not a list", skip: true},
		{name: "missing input", file: "a.jsonl", data: spec.Data{}, err: "a.jsonl:2: the row has no input: add one, or map one with data.fields.input", skip: true},
		{name: "null input", file: "a.jsonl", data: spec.Data{}, err: "a.jsonl:2: the row's input is null", skip: true},
		{name: "tags not a list", file: "a.jsonl", data: spec.Data{}, err: "a.jsonl:2: tags must be a list of strings, not a string", skip: true},
		{name: "a tag not a string", file: "a.jsonl", data: spec.Data{}, err: "a.jsonl:2: tags must be a list of strings, but tag 2 is a number", skip: true},
		{name: "metadata not an object", file: "a.jsonl", data: spec.Data{}, err: "a.jsonl:2: metadata must be an object, not a list", skip: true},
		{name: "id of a wrong type", file: "a.jsonl", data: spec.Data{}, err: "a.jsonl:2: id must be a string or a number, not a boolean", skip: true},
		{name: "fields expression fails", file: "a.jsonl", data: spec.Data{Fields: spec.Fields{Input: ex("row.input.text")}}, err: "a.jsonl:2: data.fields.input: ", skip: true},
		{name: "fields gives null input", file: "a.jsonl", data: spec.Data{Fields: spec.Fields{Input: ex("row.input?.text")}}, err: "a.jsonl:2: data.fields.input gives no input (null) for this row", skip: true},
		{name: "CSV column count", file: "a.csv", err: "a.csv:3: the row has 3 columns but the header has 2", skip: true},
		{name: "CSV bare quote", file: "a.csv", err: `a.csv:3: invalid CSV: bare " in non-quoted-field`, skip: true},
		{name: "JSON array element not an object", file: "a.json", err: "a.json:3: a row must be an object", skip: true},
		{name: "YAML element not an object", file: "a.yaml", err: "a.yaml:2: a row must be an object", skip: true},
		{name: "YAML duplicate key", file: "a.yaml", err: `a.yaml:2: invalid row: yaml: unmarshal errors:`, skip: true},
		{name: "JSON syntax error", file: "a.json", err: "a.json:3: invalid JSON: invalid character '}'", skip: false},
		{name: "JSON truncated", file: "a.json", err: "a.json:3: invalid JSON: the file ends inside the array", skip: false},
		{name: "JSON not an array", file: "a.json", err: "a.json:1: a .json dataset must be a top-level array of rows", skip: false},
		{name: "JSON after the array", file: "a.json", err: "a.json:2: unexpected content after the top-level array", skip: false},
		{name: "YAML syntax error", file: "a.yaml", err: "a.yaml:2: invalid YAML: ", skip: false},
		{name: "YAML not a list", file: "a.yaml", err: "a.yaml:1: a YAML dataset must be a top-level list of rows", skip: false},
		{name: "YAML several documents", file: "a.yaml", err: "a.yaml:2: the file holds several YAML documents", skip: false},
		{name: "CSV unnamed column", file: "a.csv", err: "a.csv:1: column 2 of the header has no name", skip: false},
		{name: "CSV duplicate column", file: "a.csv", err: `a.csv:1: columns 1 and 2 of the header are both named "input"`, skip: false},
	}
	contents := map[string]string{
		"invalid JSON line":                `{"input": 1}` + "\n" + `{"input": ` + "\n" + `{"input": 3}`,
		"not an object":                    `{"input": 1}` + "\n[1, 2]\n" + `{"input": 3}`,
		"missing input":                    `{"input": 1}` + "\n" + `{"expected": 2}` + "\n" + `{"input": 3}`,
		"null input":                       `{"input": 1}` + "\n" + `{"input": null}` + "\n" + `{"input": 3}`,
		"tags not a list":                  `{"input": 1}` + "\n" + `{"input": 2, "tags": "smoke"}` + "\n" + `{"input": 3}`,
		"a tag not a string":               `{"input": 1}` + "\n" + `{"input": 2, "tags": ["a", 1]}` + "\n" + `{"input": 3}`,
		"metadata not an object":           `{"input": 1}` + "\n" + `{"input": 2, "metadata": [1]}` + "\n" + `{"input": 3}`,
		"id of a wrong type":               `{"input": 1}` + "\n" + `{"input": 2, "id": true}` + "\n" + `{"input": 3}`,
		"fields expression fails":          `{"input": {"text": 1}}` + "\n" + `{"input": 2}` + "\n" + `{"input": {"text": 3}}`,
		"fields gives null input":          `{"input": {"text": 1}}` + "\n" + `{"input": {}}` + "\n" + `{"input": {"text": 3}}`,
		"CSV column count":                 "id,input\n1,a\n2,b,c\n3,c\n",
		"CSV bare quote":                   "id,input\n1,a\n2,b\"x\n3,c\n",
		"JSON array element not an object": "[\n {\"input\": 1},\n \"two\",\n {\"input\": 3}]",
		"YAML element not an object":       "- input: 1\n- two\n- input: 3\n",
		"YAML duplicate key":               "- input: 1\n- {input: 2, input: 3}\n- input: 3\n",
		"JSON syntax error":                "[\n {\"input\": 1},\n {\"input\": }\n]",
		"JSON truncated":                   "[\n {\"input\": 1},\n {\"input\": 2",
		"JSON not an array":                `{"input": 1}`,
		"JSON after the array":             "[{\"input\": 1}]\n[]",
		"YAML syntax error":                "- input: 1\n- input: [\n",
		"YAML not a list":                  "input: 1\n",
		"YAML several documents":           "- input: 1\n---\n- input: 2\n",
		"CSV unnamed column":               "input,,x\n1,2,3\n",
		"CSV duplicate column":             "input,input\n1,2\n",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := tt.data
			d.File = writeFile(t, tt.file, contents[tt.name])
			_, _, err := readAll(t, d, Options{})
			wantErr(t, err, tt.err)
			if tt.skip {
				var re *RowError
				if !errors.As(err, &re) {
					t.Fatalf("error %v is not a *RowError", err)
				}
				wantErr(t, err, "fix the row or set data.on_error: skip")
			}

			d.OnError = "skip"
			var w warnings
			got, s, err := readAll(t, d, Options{Warn: w.warn})
			if !tt.skip {
				wantErr(t, err, tt.err)
				return
			}
			if err != nil {
				t.Fatalf("under on_error: skip: %v", err)
			}
			if len(got) != 2 || s.Skipped() != 1 || len(w.msgs) != 1 {
				t.Fatalf("under on_error: skip: %d cases, %d skipped, warnings %q; want 2, 1, 1", len(got), s.Skipped(), w.msgs)
			}
			if !strings.Contains(w.msgs[0], tt.err) || !strings.HasSuffix(w.msgs[0], "row skipped (data.on_error: skip)") {
				t.Errorf("warning %q", w.msgs[0])
			}
		})
	}
}

func TestSkipCounts(t *testing.T) {
	t.Parallel()
	var w warnings
	got, s, err := readAll(t, spec.Data{File: testdata(t, "bad.jsonl"), OnError: "skip"}, Options{Warn: w.warn})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids(got), ",") != "ok1,ok2" || s.Skipped() != 6 || len(w.msgs) != 6 {
		t.Errorf("ids %v, skipped %d, warnings %d; want ok1,ok2, 6, 6", ids(got), s.Skipped(), len(w.msgs))
	}
	for i, line := range []int{2, 3, 4, 5, 6, 7} {
		if want := fmt.Sprintf("bad.jsonl:%d: ", line); !strings.Contains(w.msgs[i], want) {
			t.Errorf("warning %d %q does not name %s", i, w.msgs[i], want)
		}
	}

	// Under on_error: fail the first bad row stops the stream, and stays.
	st, err := Open(context.Background(), spec.Data{File: testdata(t, "bad.jsonl")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if c, err := st.Next(); err != nil || c.ID != "ok1" {
		t.Fatalf("first row: %v %v", c, err)
	}
	_, err1 := st.Next()
	_, err2 := st.Next()
	wantErr(t, err1, "bad.jsonl:2: invalid JSON")
	if err1 != err2 {
		t.Errorf("the error changed: %v, then %v", err1, err2)
	}
}

func TestJSONArrayStreamed(t *testing.T) {
	t.Parallel()
	// The reader fails after the first two elements: they must be given out
	// before the rest of the array is read.
	src := newJSONSource(brokenReader("[\n {\"input\": 1},\n\n {\"input\": 2}, {\"input\": 3"), "stream.json")
	for i, want := range []string{"stream.json:2", "stream.json:4"} {
		r, err := src.next()
		if err != nil {
			t.Fatalf("element %d: %v", i, err)
		}
		if r.source != want {
			t.Errorf("element %d from %s, want %s", i, r.source, want)
		}
	}
	_, err := src.next()
	if !errors.Is(err, errBroken) {
		t.Errorf("after the readable part: %v, want the reader's error", err)
	}
}

func TestLargeJSONArray(t *testing.T) {
	t.Parallel()
	const n = 20000
	var b strings.Builder
	b.WriteString("[\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"id": %d, "input": {"n": %d, "text": "row %d"}}`, i, i, i)
	}
	b.WriteString("\n]\n")
	got := mustReadAll(t, spec.Data{File: writeFile(t, "big.json", b.String())}, Options{})
	if len(got) != n {
		t.Fatalf("%d cases, want %d", len(got), n)
	}
	if last := got[n-1]; last.ID != fmt.Sprint(n-1) || !strings.HasSuffix(last.Source, fmt.Sprintf("big.json:%d", n+1)) {
		t.Errorf("last case %s from %s", last.ID, last.Source)
	}
}

func TestJSONArrayMemoryBounded(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("[")
	for i := range 50000 {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"input": %d}`, i)
	}
	b.WriteString("]")
	src := newJSONSource(strings.NewReader(b.String()), "big.json")
	most := 0
	for {
		_, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		most = max(most, cap(src.lines.pending))
	}
	if most > 64<<10 {
		t.Errorf("the line counter held %d bytes of a %d-byte file", most, b.Len())
	}
}

func TestLongJSONLLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("abcdefgh", 300<<10) // 2.4 MB
	content := `{"id": "short", "input": "x"}` + "\n" +
		`{"id": "long", "input": "` + long + `"}` + "\n" +
		`{"id": "after", "input": "y"}` // no final newline
	got := mustReadAll(t, spec.Data{File: writeFile(t, "long.jsonl", content)}, Options{})
	if strings.Join(ids(got), ",") != "short,long,after" {
		t.Fatalf("ids %v", ids(got))
	}
	if got[1].Input != long || !strings.HasSuffix(got[1].Source, "long.jsonl:2") || !strings.HasSuffix(got[2].Source, "long.jsonl:3") {
		t.Errorf("long line: %d bytes from %s, then %s", len(got[1].Input.(string)), got[1].Source, got[2].Source)
	}
}

func TestCRLF(t *testing.T) {
	t.Parallel()
	got := mustReadAll(t, spec.Data{File: writeFile(t, "crlf.jsonl", "{\"input\": 1}\r\n\r\n{\"input\": 2}\r\n")}, Options{})
	if len(got) != 2 || !strings.HasSuffix(got[1].Source, "crlf.jsonl:3") {
		t.Errorf("got %s", dump(got))
	}
}

// fakeStore serves datasets from memory.
type fakeStore struct {
	rows   map[string][]string
	closed *int
}

func (f fakeStore) OpenDataset(_ context.Context, name string, version int) (RowIterator, error) {
	rows, ok := f.rows[fmt.Sprintf("%s@%d", name, version)]
	if !ok {
		return nil, fmt.Errorf("dataset %q has no version %d", name, version)
	}
	return &fakeRows{rows: rows, closed: f.closed}, nil
}

type fakeRows struct {
	rows   []string
	closed *int
}

func (r *fakeRows) Next() (json.RawMessage, error) {
	if len(r.rows) == 0 {
		return nil, io.EOF
	}
	row := r.rows[0]
	r.rows = r.rows[1:]
	return json.RawMessage(row), nil
}

func (r *fakeRows) Close() error {
	*r.closed++
	return nil
}

func TestStoreDataset(t *testing.T) {
	t.Parallel()
	_, err := Open(context.Background(), spec.Data{Dataset: "support", Version: 3}, Options{})
	wantErr(t, err, `store dataset "support"`, "needs a store")

	closed := 0
	store := fakeStore{closed: &closed, rows: map[string][]string{
		"support@3": {`{"id": "s1", "input": "a"}`, `{"input": "b", "tags": 1}`, `{"id": "s3", "input": "c"}`},
	}}
	var w warnings
	got, s, err := readAll(t, spec.Data{Dataset: "support", Version: 3, OnError: "skip"}, Options{Datasets: store, Warn: w.warn})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids(got), ",") != "s1,s3" || got[1].Source != "dataset support@3[2]" || s.Skipped() != 1 || closed != 1 {
		t.Errorf("ids %v, sources %v, skipped %d, closed %d", ids(got), sources(got), s.Skipped(), closed)
	}
	if len(w.msgs) != 1 || !strings.HasPrefix(w.msgs[0], "dataset support@3[1]: tags must be a list") {
		t.Errorf("warnings %q", w.msgs)
	}

	_, err = Open(context.Background(), spec.Data{Dataset: "support"}, Options{Datasets: store})
	wantErr(t, err, `opening store dataset "support": dataset "support" has no version 0`)
}

func TestCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Open(ctx, spec.Data{File: testdata(t, "qa.jsonl")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := s.Next(); !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v", err)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	s, err := Open(context.Background(), spec.Data{Files: []string{testdata(t, "multi/*.jsonl")}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Next(); err == nil || err == io.EOF {
		t.Errorf("Next after Close: %v", err)
	}
}

func TestEvalFromSpec(t *testing.T) {
	t.Parallel()
	// An eval loaded by spec: the expressions carry their real positions.
	path := testdata(t, "evals/support.eval.yaml")
	ev, diags := spec.NewValidator(spec.OSFS{}, filepath.Dir(path), spec.EmptyCatalog{}).LoadEval(path)
	if len(diags) > 0 {
		t.Fatalf("loading the eval: %v", diags)
	}
	got := mustReadAll(t, ev.Data, Options{Parameters: map[string]any{"lang": "en"}})
	if strings.Join(ids(got), ",") != "T-1,T-3" {
		t.Errorf("ids %v, want T-1,T-3", ids(got))
	}

	bad := ev.Data
	code := *bad.Fields.Expected
	code.Code = "row.answer +"
	bad.Fields.Expected = &code
	_, err := Open(context.Background(), bad, Options{})
	wantErr(t, err, "compiling data.fields.expected: support.eval.yaml:", "expression: unexpected token EOF")
}
