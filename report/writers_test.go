package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run go test ./report -update to create it", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test ./report -update rewrites it; review the diff):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// comparedSummary is the hand-made pair compared, with the checks a run
// would have added.
func comparedSummary(t *testing.T) *Summary {
	s := comparePair(t, 0, 0)
	s.Duration = 1.25
	Evaluate(s, nil, gates(t, "scores.correct.regressions == 0", "errors == 0"))
	return s
}

func plainSummary() *Summary {
	return &Summary{Eval: "qa", Experiment: "main-1", Status: "interrupted", Cases: 2, Rows: 4, Errors: 1, Duration: 1.5,
		Scores:  []ScoreSummary{{Name: "correct", Mean: 0.75, Count: 4}, {Name: "judge|x", Mean: 0.5, Count: 3, Errors: 1}},
		Metrics: []MetricSummary{{Name: "duration", Mean: 0.002, Sum: 0.008, Min: 0.001, Max: 0.004, Count: 4}, {Name: "tokens", Mean: 120, Sum: 480, Min: 100, Max: 140, Count: 4}},
		Checks:  []Check{{Kind: "threshold", Name: "correct", Passed: true, Detail: "mean 0.750 >= 0.700"}}}
}

func TestWriteTextComparison(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	WriteText(&b, comparedSummary(t))
	golden(t, "text-compare.golden.txt", b.Bytes())
}

func TestWriteMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		summaries func(t *testing.T) []*Summary
	}{
		{"markdown-compare.golden.md", func(t *testing.T) []*Summary { return []*Summary{comparedSummary(t)} }},
		{"markdown-plain.golden.md", func(*testing.T) []*Summary { return []*Summary{plainSummary()} }},
		{"markdown-two-evals.golden.md", func(t *testing.T) []*Summary { return []*Summary{plainSummary(), comparedSummary(t)} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := WriteMarkdown(&b, tt.summaries(t)...); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(b.String(), "](") || strings.Contains(b.String(), "http") {
				t.Errorf("the Markdown has a link:\n%s", b.String())
			}
			golden(t, tt.name, b.Bytes())
		})
	}
}

func TestMarkdownCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		inTable bool
		want    string
	}{
		{"case-1", false, "`case-1`"},
		{"a|b", true, "`a\\|b`"},
		{"a|b", false, "`a|b`"},
		{"has `tick`", false, "`` has `tick` ``"},
		{"two\nlines", false, "`two lines`"},
		{"@someone #12 https://x.test", false, "`@someone #12 https://x.test`"},
		{"", false, "`  `"},
	}
	for _, tt := range tests {
		if got := mdCode(tt.in, tt.inTable); got != tt.want {
			t.Errorf("mdCode(%q, %v) = %q, want %q", tt.in, tt.inTable, got, tt.want)
		}
	}
}

func TestAppendGitHubStepSummary(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "step_summary.md")
	if err := os.WriteFile(path, []byte("# earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := AppendGitHubStepSummary(path, plainSummary()); err != nil {
			t.Fatal(err)
		}
	}
	var one bytes.Buffer
	if err := WriteMarkdown(&one, plainSummary()); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if want := "# earlier step\n" + one.String() + one.String(); string(got) != want {
		t.Errorf("file:\n%s\nwant:\n%s", got, want)
	}
	if err := AppendGitHubStepSummary("", plainSummary()); err != nil {
		t.Errorf("no path: %v", err)
	}
	if err := AppendGitHubStepSummary(filepath.Join(path, "nope"), plainSummary()); err == nil || !strings.HasPrefix(err.Error(), "appending to the GitHub step summary: ") {
		t.Errorf("error %v", err)
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteJSON(&b, plainSummary(), comparedSummary(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.json", b.Bytes())
	var doc struct {
		Format  string     `json:"format"`
		Version int        `json:"version"`
		Evals   []*Summary `json:"evals"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Evals[1].Comparison
	if doc.Format != "caliper.report" || doc.Version != 1 || doc.Evals[0].Comparison != nil || c == nil || c.Scores[0].Regressions != 10 || c.OnlyBaseIDs[0] != "gone" {
		t.Errorf("decoded %+v", doc)
	}
	b.Reset()
	if err := WriteJSON(&b); err != nil || !strings.Contains(b.String(), `"evals": []`) {
		t.Errorf("no eval: %v %s", err, b.String())
	}
}

func TestWriteJSONL(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	rows := []*store.Row{
		{CaseID: "a", Trial: 0, Input: json.RawMessage(`{"q": "<2+2>"}`), Expected: json.RawMessage(`"4"`), Output: json.RawMessage(`"4"`),
			Scores: map[string]float64{"correct": 1}, ScoreMeta: map[string]json.RawMessage{"similar": json.RawMessage(`{"distance":1}`)}, ScorerErrors: map[string]string{"judge": "rate limited"},
			Metrics: map[string]float64{"duration": 0.5}, Tags: []string{"smoke"}, Spans: json.RawMessage(`[{"name":"m","kind":"llm"}]`), Created: created},
		{CaseID: "a", Trial: 1, Input: json.RawMessage(`{"q":"<2+2>"}`), Error: "timeout"},
	}
	var b bytes.Buffer
	one := 1.0
	feedback := []store.Feedback{{ID: "f1", CaseID: "a", Trial: 0, Name: "helpful", Score: &one, Author: "ada", Created: created},
		{ID: "f2", CaseID: "a", Trial: 0, Name: "note", Comment: "<terse>", Author: "bo", Created: created},
		{ID: "f3", CaseID: "b", Trial: 0, Name: "helpful", Label: "elsewhere", Author: "bo", Created: created}}
	if err := WriteJSONL(&b, "qa", "main-1", RowSlice(rows), feedback); err != nil {
		t.Fatal(err)
	}
	want := `{"eval":"qa","experiment":"main-1","case_id":"a","trial":0,"input":{"q":"<2+2>"},"expected":"4","output":"4","scores":{"correct":1},"score_meta":{"similar":{"distance":1}},"scorer_errors":{"judge":"rate limited"},"metrics":{"duration":0.5},"tags":["smoke"],"spans":[{"name":"m","kind":"llm"}],"feedback":[{"id":"f1","name":"helpful","score":1,"author":"ada","created":"2026-11-24T10:00:00Z"},{"id":"f2","name":"note","comment":"<terse>","author":"bo","created":"2026-11-24T10:00:00Z"}],"created":"2026-11-24T10:00:00Z"}
{"eval":"qa","experiment":"main-1","case_id":"a","trial":1,"input":{"q":"<2+2>"},"error":"timeout"}
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	sc := bufio.NewScanner(&b)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Errorf("line %q: %v", sc.Text(), err)
		}
	}
	bad := []*store.Row{{CaseID: "x", Input: json.RawMessage(`{`)}}
	if err := WriteJSONL(&b, "qa", "main-1", RowSlice(bad), nil); err == nil || !strings.Contains(err.Error(), `writing the rows of main-1 as JSON Lines: encoding case "x" trial 0`) {
		t.Errorf("error %v", err)
	}
}

// junitFixture is an eval with a passing, a failing, an errored case and a
// case whose id and error need escaping.
func junitFixture(t *testing.T) (*Summary, []*store.Row) {
	rows := []*store.Row{
		{CaseID: "fails", Trial: 0, Scores: map[string]float64{"correct": 0, "similar": 0.4}, Metrics: map[string]float64{"duration": 0.25}},
		{CaseID: "fails", Trial: 1, Scores: map[string]float64{"correct": 1, "similar": 0.9}, Metrics: map[string]float64{"duration": 0.5}},
		{CaseID: "odd <id> & \"quotes\"", Trial: 0, Error: "bad byte \xff and control \x01\nsecond line", Scores: map[string]float64{"correct": 0}},
		{CaseID: "passes", Trial: 0, Scores: map[string]float64{"correct": 1, "similar": 0.8}, Metrics: map[string]float64{"duration": 0.125}},
		{CaseID: "times-out", Trial: 0, Error: "task timed out after 30s", Scores: map[string]float64{"correct": 0}, Metrics: map[string]float64{"duration": 30}},
	}
	s, err := Summarize(RowSlice(rows), SummaryOptions{Eval: "qa", Experiment: "main-1", Status: "completed", Scorers: []string{"correct", "similar"}})
	if err != nil {
		t.Fatal(err)
	}
	Evaluate(s, nil, gates(t, "errors == 0"))
	return s, rows
}

func TestWriteJUnit(t *testing.T) {
	t.Parallel()
	s, rows := junitFixture(t)
	other := &Summary{Eval: "empty", Experiment: "e2"}
	var b bytes.Buffer
	err := WriteJUnit(&b, Suite{Summary: s, Cases: Cases(RowSlice(rows), Reduction{})}, Suite{Summary: other, Cases: CaseSlice(nil)})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Errors   int    `xml:"errors,attr"`
			Props    []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			Cases []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Time      string `xml:"time,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
				Error *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if doc.Tests != 5 || doc.Failures != 2 || doc.Errors != 2 || len(doc.Suites) != 2 {
		t.Fatalf("totals %d %d %d\n%s", doc.Tests, doc.Failures, doc.Errors, b.String())
	}
	qa := doc.Suites[0]
	if qa.Name != "qa" || qa.Tests != 5 || qa.Failures != 2 || qa.Errors != 2 || len(qa.Cases) != 5 {
		t.Fatalf("suite %+v", qa)
	}
	if qa.Props[0].Name != "experiment" || qa.Props[0].Value != "main-1" {
		t.Errorf("properties %+v", qa.Props)
	}
	byName := map[string]int{}
	for i, c := range qa.Cases {
		byName[c.Name] = i
		if c.Classname != "qa" && c.Classname != "qa.checks" {
			t.Errorf("classname %q", c.Classname)
		}
	}
	if c := qa.Cases[byName["fails"]]; c.Failure == nil || c.Failure.Message != "correct=0.500 similar=0.650" || c.Time != "0.750" || c.Error != nil {
		t.Errorf("fails: %+v", c)
	}
	if c := qa.Cases[byName["passes"]]; c.Failure != nil || c.Error != nil || c.Time != "0.125" {
		t.Errorf("passes: %+v", c)
	}
	if c := qa.Cases[byName["times-out"]]; c.Error == nil || c.Error.Message != "task timed out after 30s" || c.Failure != nil {
		t.Errorf("times-out: %+v", c)
	}
	if c := qa.Cases[byName[`odd <id> & "quotes"`]]; c.Error == nil || c.Error.Message != "bad byte \uFFFD and control \uFFFD" || !strings.Contains(c.Error.Text, "second line") {
		t.Errorf("odd: %+v", c)
	}
	if c := qa.Cases[byName["gate errors == 0"]]; c.Classname != "qa.checks" || c.Failure == nil || c.Failure.Message != "false" {
		t.Errorf("gate: %+v", c)
	}
	validateJUnit(t, b.Bytes())
}

func TestWriteJUnitComparison(t *testing.T) {
	t.Parallel()
	cur, base := pairOfExperiments()
	s, err := Compare(RowSlice(cur), RowSlice(base), CompareOptions{SummaryOptions: SummaryOptions{Eval: "qa", Experiment: "feature-1"}, Base: "main"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteJUnit(&b, Suite{Summary: s, Cases: Cases(RowSlice(cur), Reduction{})}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<property name="base" value="main"></property>`, `<property name="score.correct.significant_regression" value="true"></property>`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %s in\n%s", want, b.String())
		}
	}
	validateJUnit(t, b.Bytes())
}

// validateJUnit checks a report against testdata/junit-4.xsd with xmllint.
func validateJUnit(t *testing.T, report []byte) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint is not installed (Debian: apt-get install libxml2-utils): the JUnit report is not validated against its schema")
	}
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(path, report, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join("testdata", "junit-4.xsd"), path).CombinedOutput()
	if err != nil {
		t.Errorf("xmllint: %v\n%s\nreport:\n%s", err, out, report)
	}
}

func TestJUnitSchemaRejects(t *testing.T) {
	t.Parallel()
	// The schema must be able to fail, or validating against it proves nothing.
	bad := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="qa" tests="-1"><testcase classname="qa"/></testsuite></testsuites>
`
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint is not installed (Debian: apt-get install libxml2-utils)")
	}
	path := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join("testdata", "junit-4.xsd"), path).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "tests") || !strings.Contains(string(out), "name") {
		t.Errorf("xmllint accepted a bad report: %v\n%s", err, out)
	}
}
