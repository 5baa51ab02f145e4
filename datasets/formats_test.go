package datasets

import (
	"os"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
	"gopkg.in/yaml.v3"
)

// qaCases are the cases of testdata/qa.*, whatever the format.
func qaCases(t testing.TB) []Case {
	return []Case{
		{Case: spec.Case{ID: "q1", Input: "What is 2+2?", Expected: "4",
			Metadata: map[string]any{"lang": "en", "difficulty": 1.0}, Tags: []string{"math", "smoke"}}},
		{Case: spec.Case{ID: "7", Input: map[string]any{"question": "Capital of France?", "context": []any{"Paris is the capital."}},
			Expected: "Paris", Metadata: map[string]any{"lang": "en"}}},
		{Case: spec.Case{ID: mustHash(t, "Quelle heure est-il ?"), Input: "Quelle heure est-il ?",
			Metadata: map[string]any{"lang": "fr"}, Tags: []string{}}},
		{Case: spec.Case{ID: "12345678901", Input: map[string]any{"a": 1.0, "b": 2.0}, Expected: 3.0}},
		{Case: spec.Case{ID: "q5", Input: []any{1.0, 2.5, true, nil}, Expected: map[string]any{"ok": true},
			Metadata: map[string]any{"lang": "de"}}},
	}
}

// inlineQA is qa.yaml as spec holds data.inline: decoded by yaml.v3.
func inlineQA(t testing.TB) []any {
	t.Helper()
	b, err := os.ReadFile(testdata(t, "qa.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []any
	if err := yaml.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestFormats(t *testing.T) {
	t.Parallel()
	yml, err := os.ReadFile(testdata(t, "qa.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    spec.Data
		sources []string
	}{
		{"jsonl", spec.Data{File: testdata(t, "qa.jsonl")}, []string{"qa.jsonl:1", "qa.jsonl:2", "qa.jsonl:4", "qa.jsonl:6", "qa.jsonl:7"}},
		{"json array", spec.Data{File: testdata(t, "qa.json")}, []string{"qa.json:2", "qa.json:9", "qa.json:11", "qa.json:13", "qa.json:13"}},
		{"yaml", spec.Data{File: testdata(t, "qa.yaml")}, []string{"qa.yaml:2", "qa.yaml:7", "qa.yaml:16", "qa.yaml:19", "qa.yaml:22"}},
		{"yml", spec.Data{File: writeFile(t, "qa.yml", string(yml))}, []string{"qa.yml:2", "qa.yml:7", "qa.yml:16", "qa.yml:19", "qa.yml:22"}},
		{"inline", spec.Data{Inline: inlineQA(t)}, []string{"inline[0]", "inline[1]", "inline[2]", "inline[3]", "inline[4]"}},
		{"files glob", spec.Data{Files: []string{testdata(t, "qa.jsonl")}}, []string{"qa.jsonl:1", "qa.jsonl:2", "qa.jsonl:4", "qa.jsonl:6", "qa.jsonl:7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := mustReadAll(t, tt.data, Options{})
			diffCases(t, withoutSources(got), qaCases(t))
			for i, src := range sources(got) {
				if i < len(tt.sources) && !strings.HasSuffix(src, "/"+tt.sources[i]) && src != tt.sources[i] {
					t.Errorf("case %d: source %q, want …%s", i, src, tt.sources[i])
				}
			}
		})
	}
}

func TestEmptyFiles(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"empty.jsonl", "empty.json", "empty.csv", "empty.yaml", "null.yaml", "blank.jsonl", "array.json"} {
		content := map[string]string{"null.yaml": "~\n", "blank.jsonl": "\n  \n\n", "array.json": " [ ] "}[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := mustReadAll(t, spec.Data{File: writeFile(t, name, content)}, Options{})
			if len(got) != 0 {
				t.Errorf("got %d cases from an empty file", len(got))
			}
		})
	}
}

func TestCSV(t *testing.T) {
	t.Parallel()
	got := mustReadAll(t, spec.Data{File: testdata(t, "qa.csv")}, Options{})
	want := []Case{
		{Case: spec.Case{ID: "q1", Input: "What is 2+2?", Expected: "4", Metadata: map[string]any{"lang": "en", "difficulty": "1"}}},
		{Case: spec.Case{ID: mustHash(t, "Capital of\nFrance?"), Input: "Capital of\nFrance?", Expected: "Paris", Metadata: map[string]any{"lang": "en", "difficulty": "2"}}},
		{Case: spec.Case{ID: "q3", Input: `Say "hi"`, Expected: "hi", Metadata: map[string]any{"lang": "fr", "difficulty": "1"}}},
	}
	diffCases(t, withoutSources(got), want)
	wantSources := []string{"qa.csv:2", "qa.csv:3", "qa.csv:5"}
	for i, src := range sources(got) {
		if !strings.HasSuffix(src, "/"+wantSources[i]) {
			t.Errorf("case %d: source %q, want …/%s", i, src, wantSources[i])
		}
	}
}

func TestCSVFields(t *testing.T) {
	t.Parallel()
	tickets := testdata(t, "tickets.csv")
	tests := []struct {
		name string
		data spec.Data
		opts Options
		want []Case
	}{
		{
			name: "every field mapped",
			data: spec.Data{File: tickets, Fields: spec.Fields{
				ID:       ex("row.ticket_id"),
				Input:    ex("{question: row.question, context: row.context}"),
				Expected: ex("row.answer"),
				Metadata: ex("{lang: row.lang, n: 1}"),
				Tags:     ex("[row.context]"),
			}},
			want: []Case{
				{Case: spec.Case{ID: "T-1", Input: map[string]any{"question": "How do I reset my password?", "context": "account"}, Expected: "Use the reset link.",
					Metadata: map[string]any{"lang": "en", "n": 1.0}, Tags: []string{"account"}}},
				{Case: spec.Case{ID: "T-2", Input: map[string]any{"question": "Wie ändere ich meine E-Mail?", "context": "account"}, Expected: "In den Einstellungen.",
					Metadata: map[string]any{"lang": "de", "n": 1.0}, Tags: []string{"account"}}},
				{Case: spec.Case{ID: "T-3", Input: map[string]any{"question": "Where is my invoice?", "context": "billing"}, Expected: "Under Billing.",
					Metadata: map[string]any{"lang": "en", "n": 1.0}, Tags: []string{"billing"}}},
			},
		},
		{
			name: "unmapped metadata keeps the other columns; filter and parameters",
			data: spec.Data{File: tickets,
				Fields: spec.Fields{ID: ex("row.ticket_id"), Input: ex("row.question")},
				Filter: ex("metadata.lang == parameters.lang && row.context == 'account'"),
			},
			opts: Options{Parameters: map[string]any{"lang": "de"}},
			want: []Case{
				{Case: spec.Case{ID: "T-2", Input: "Wie ändere ich meine E-Mail?", Metadata: map[string]any{
					"ticket_id": "T-2", "question": "Wie ändere ich meine E-Mail?", "context": "account", "answer": "In den Einstellungen.", "lang": "de"}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			diffCases(t, withoutSources(mustReadAll(t, tt.data, tt.opts)), tt.want)
		})
	}
}

func TestCSVWithoutInputColumn(t *testing.T) {
	t.Parallel()
	_, _, err := readAll(t, spec.Data{File: testdata(t, "tickets.csv")}, Options{})
	wantErr(t, err, "tickets.csv:1: the CSV header has no input column", "data.fields.input")
}

func TestFilesGlobs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		patterns []string
		want     []string
		err      string
	}{
		{"one pattern", []string{"multi/*.jsonl"}, []string{"a1", "b1", "b2"}, ""},
		{"files sorted across patterns", []string{"multi/*.yaml", "multi/*.jsonl"}, []string{"a1", "b1", "b2", "c1"}, ""},
		{"a file matched twice is read once", []string{"multi/*.jsonl", "multi/a.*"}, []string{"a1", "b1", "b2"}, ""},
		{"no match", []string{"multi/*.jsonl", "multi/*.csv"}, nil, "no dataset file matches"},
		{"unknown format", []string{"multi/*"}, []string{"a1", "b1", "b2", "c1"}, `notes.txt has an unknown format ".txt"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var patterns []string
			for _, p := range tt.patterns {
				patterns = append(patterns, testdata(t, p))
			}
			got, _, err := readAll(t, spec.Data{Files: patterns}, Options{})
			if tt.err != "" {
				wantErr(t, err, tt.err)
			} else if err != nil {
				t.Fatal(err)
			}
			if strings.Join(ids(got), ",") != strings.Join(tt.want, ",") {
				t.Errorf("ids %v, want %v", ids(got), tt.want)
			}
		})
	}
}

func TestDisplay(t *testing.T) {
	t.Parallel()
	got := mustReadAll(t, spec.Data{File: testdata(t, "qa.jsonl")}, Options{
		Display: func(p string) string { return "datasets/" + p[strings.LastIndex(p, "/")+1:] },
	})
	if got[0].Source != "datasets/qa.jsonl:1" {
		t.Errorf("source %q, want datasets/qa.jsonl:1", got[0].Source)
	}
}

func TestYAMLNormalised(t *testing.T) {
	t.Parallel()
	yml := writeFile(t, "odd.yaml", `
- input: {1: one, true: yes, nested: [{n: 3}]}
  expected: 2024-01-02
  metadata: {big: 12345678901234, f: 1.0e3, hex: 0x10}
`)
	jsonl := writeFile(t, "odd.jsonl", `{"input": {"1": "one", "true": "yes", "nested": [{"n": 3}]}, "expected": "2024-01-02", "metadata": {"big": 12345678901234, "f": 1000, "hex": 16}}`+"\n")
	a := mustReadAll(t, spec.Data{File: yml}, Options{})
	b := mustReadAll(t, spec.Data{File: jsonl}, Options{})
	diffCases(t, withoutSources(a), withoutSources(b))
}

func TestYAMLAnchors(t *testing.T) {
	t.Parallel()
	yml := writeFile(t, "anchors.yaml", `
- &base {id: one, input: &greeting hello, metadata: {lang: en}}
- {id: two, input: *greeting}
- {<<: *base, id: three, expected: hi}
`)
	got := mustReadAll(t, spec.Data{File: yml}, Options{})
	if len(got) != 3 || got[1].Input != "hello" || got[2].Expected != "hi" || got[2].Metadata["lang"] != "en" {
		t.Errorf("got %s", dump(got))
	}
}
