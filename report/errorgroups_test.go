package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// erroredRows are 30 cases: c00..c29, with seven distinct task errors
// (one holding a terminal escape), a scorer that fails on some rows, and an
// correct score that drops on the 14 others against the base.
func erroredRows() (cur, base []*store.Row) {
	for i := range 30 {
		id := fmt.Sprintf("c%02d", i)
		r := &store.Row{CaseID: id, Output: json.RawMessage(fmt.Sprintf(`"answer %d: %s"`, i, strings.Repeat("long ", 40))),
			Scores: map[string]float64{"correct": 1, "judge": 1}}
		switch {
		case i < 8:
			r.Error, r.Output = "connection refused", nil
		case i < 11:
			r.Error, r.Output = "timeout after 30s", nil
		case i < 16:
			r.Error, r.Output = fmt.Sprintf("odd failure %d \x1b[31mred", i), nil
		}
		if r.Error != "" {
			r.Scores = nil // error_score: skip
		} else {
			r.Scores["correct"] = float64(i%2) / 2
		}
		if i >= 16 && i%3 == 0 {
			r.ScorerErrors = map[string]string{"judge": "no select_choice tool call"}
			delete(r.Scores, "judge")
		}
		cur = append(cur, r)
		base = append(base, &store.Row{CaseID: id, Scores: map[string]float64{"correct": 1, "judge": 1}})
	}
	return cur, base
}

func erroredSummary(t *testing.T) *Summary {
	t.Helper()
	cur, base := erroredRows()
	s, err := Compare(RowSlice(cur), RowSlice(base), CompareOptions{
		SummaryOptions: SummaryOptions{Eval: "qa", Experiment: "feature 2", Status: "completed", Scorers: []string{"correct", "judge"}},
		Base:           "main"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSummaryGroupsErrorsByMessage(t *testing.T) {
	t.Parallel()
	cur, _ := erroredRows()
	summarized, err := Summarize(RowSlice(cur), SummaryOptions{Scorers: []string{"correct", "judge"}})
	if err != nil {
		t.Fatal(err)
	}
	agg := NewAggregator([]string{"correct", "judge"})
	for _, r := range cur {
		row := Row{CaseID: r.CaseID, Errored: r.Error != "", Error: r.Error, ScorerErrorMessages: r.ScorerErrors}
		for n := range r.ScorerErrors {
			row.ScorerErrors = append(row.ScorerErrors, n)
		}
		agg.Add(row)
	}
	want := []ErrorGroup{
		{Message: "connection refused", Count: 8, Cases: []string{"c00", "c01", "c02"}},
		{Scorer: "judge", Message: "no select_choice tool call", Count: 4, Cases: []string{"c18", "c21", "c24"}},
		{Message: "timeout after 30s", Count: 3, Cases: []string{"c08", "c09", "c10"}},
		{Message: "odd failure 11 \x1b[31mred", Count: 1, Cases: []string{"c11"}},
		{Message: "odd failure 12 \x1b[31mred", Count: 1, Cases: []string{"c12"}},
	}
	for name, s := range map[string]*Summary{"Summarize": summarized, "Aggregator": agg.Summary(30)} {
		if !slices.EqualFunc(s.ErrorGroups, want, func(a, b ErrorGroup) bool {
			return a.Scorer == b.Scorer && a.Message == b.Message && a.Count == b.Count && slices.Equal(a.Cases, b.Cases)
		}) {
			t.Errorf("%s: error groups\n%+v\nwant\n%+v", name, s.ErrorGroups, want)
		}
		if s.ErrorMessages != 8 {
			t.Errorf("%s: %d messages, want 8", name, s.ErrorMessages)
		}
		if sc, _ := s.Score("judge"); sc.Errors != 4 {
			t.Errorf("%s: judge's scorer errors %d, want the 4 rows where the judge itself failed", name, sc.Errors)
		}
	}
}

func TestErrorGroupsAreBounded(t *testing.T) {
	t.Parallel()
	var g errorGrouper
	for i := range 3 * maxTrackedMessages {
		g.add(fmt.Sprintf("c%d", i), "", fmt.Sprintf("message %d", i))
	}
	g.add("x", "", strings.Repeat("é", 5000))
	top, n := g.top()
	if len(g.order) != maxTrackedMessages || n != maxTrackedMessages || len(top) != MaxErrorGroups {
		t.Fatalf("tracked %d, counted %d, listed %d", len(g.order), n, len(top))
	}
	if top[0].Message != OtherMessages || top[0].Count != 2*maxTrackedMessages+2 {
		t.Errorf("first group %+v, want the other messages", top[0])
	}
}

func TestOutputText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat(`ab\"c`, 100)
	tests := []struct{ head, want string }{
		{`"plain"`, "plain"},
		{`{"a":1}`, `{"a":1}`},
		{`"line\nbreak"`, "line break"},
		{`"ends in a backslash\\"`, `ends in a backslash\`},
		{`"` + long[:outputHeadBytes-1], strings.Repeat(`ab"c`, 100)[:255]},
		{`"cut \u00`, "cut "},
	}
	for _, tc := range tests {
		if got := outputText(tc.head); got != tc.want {
			t.Errorf("outputText(%q) = %q, want %q", tc.head, got, tc.want)
		}
	}
}

func TestWriteTextErrors(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	WriteText(&b, erroredSummary(t))
	if bytes.ContainsRune(b.Bytes(), '\x1b') {
		t.Error("a terminal escape of an error message reached the terminal")
	}
	golden(t, "text-errors.golden.txt", b.Bytes())
}

func TestWriteMarkdownErrors(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteMarkdown(&b, erroredSummary(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "markdown-errors.golden.md", b.Bytes())
}

// FuzzOutputText checks that the text of any cut output is one line, no
// longer than what was kept, and the string itself when it was whole.
func FuzzOutputText(f *testing.F) {
	for _, s := range []string{`"plain"`, `"a\"b`, `"\u00e9\n`, `{"a":[1,2]}`, `"`, `"\\`, "\"\x1b[31m\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, _ := json.Marshal(s)
		head := outputHead(raw)
		got := outputText(head)
		if strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("outputText(%q) = %q holds a control character", head, got)
		}
		if n := len([]rune(got)); n > outputHeadBytes {
			t.Fatalf("outputText(%q) is %d characters", head, n)
		}
		if len(raw) <= outputHeadBytes && len([]rune(s)) < outputHeadBytes && got != oneLine(s, outputHeadBytes) {
			t.Fatalf("outputText of the whole %q = %q", s, got)
		}
	})
}
