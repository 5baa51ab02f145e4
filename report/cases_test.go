package report

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// trials makes the rows of one case, one trial per score value.
func trials(id string, score string, values ...float64) []*store.Row {
	out := make([]*store.Row, len(values))
	for i, v := range values {
		out[i] = &store.Row{CaseID: id, Trial: i, Scores: map[string]float64{score: v}}
	}
	return out
}

func collect(t *testing.T, src CaseSource) []*CaseResult {
	t.Helper()
	var out []*CaseResult
	if err := src(func(c *CaseResult) error { out = append(out, c); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestReducers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		reduce    string
		passScore float64
		values    []float64
		want      float64
	}{
		{"mean", "", 0, []float64{0.2, 0.4, 0.9}, 0.5},
		{"mean explicit", ReduceMean, 0, []float64{1, 0}, 0.5},
		{"min", ReduceMin, 0, []float64{0.7, 0.2, 0.9}, 0.2},
		{"max", ReduceMax, 0, []float64{0.7, 0.2, 0.9}, 0.9},
		{"median odd", ReduceMedian, 0, []float64{0.9, 0.1, 0.4}, 0.4},
		{"median even", ReduceMedian, 0, []float64{0.9, 0.1, 0.4, 0.2}, 0.3},
		{"median one", ReduceMedian, 0, []float64{0.6}, 0.6},
		{"pass_at_k one trial reaches", ReducePassAtK, 0.8, []float64{0.1, 0.8, 0.3}, 1},
		{"pass_at_k none reaches", ReducePassAtK, 0.8, []float64{0.1, 0.79, 0.3}, 0},
		{"pass_at_k default pass score 1", ReducePassAtK, 1, []float64{0.99, 1}, 1},
		{"pass_all_k all reach", ReducePassAllK, 0.5, []float64{0.5, 0.9, 1}, 1},
		{"pass_all_k one misses", ReducePassAllK, 0.5, []float64{0.5, 0.49, 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := Reduction{Reduce: tt.reduce, PassScore: tt.passScore}
			got := collect(t, Cases(RowSlice(trials("c", "s", tt.values...)), r))
			if len(got) != 1 || got[0].Trials != len(tt.values) || !near(got[0].Scores["s"], tt.want) {
				t.Fatalf("got %+v, want s=%v", got[0], tt.want)
			}
		})
	}
}

func TestCasesPerScorerReduceAndSkips(t *testing.T) {
	t.Parallel()
	rows := []*store.Row{
		{CaseID: "a", Trial: 0, Scores: map[string]float64{"x": 0.2, "y": 1}, Metrics: map[string]float64{"duration": 1}},
		{CaseID: "a", Trial: 1, Scores: map[string]float64{"x": 0.6}, Metrics: map[string]float64{"duration": 3}}, // y skipped
		{CaseID: "a", Trial: 2, Scores: map[string]float64{"x": 0.4, "y": 0}, Error: "timeout", Metrics: map[string]float64{"duration": 2}},
		{CaseID: "b", Trial: 0, Scores: map[string]float64{"x": 1}},
	}
	r := Reduction{Reduce: ReduceMax, ScoreReduce: map[string]string{"y": ReduceMean}}
	got := collect(t, Cases(RowSlice(rows), r))
	if len(got) != 2 {
		t.Fatalf("%d cases", len(got))
	}
	a, b := got[0], got[1]
	if a.ID != "a" || a.Trials != 3 || !near(a.Scores["x"], 0.6) || !near(a.Scores["y"], 0.5) {
		t.Errorf("a = %+v", a)
	}
	if !a.Errored || a.Error != "timeout" || a.Passed {
		t.Errorf("a errored %v %q passed %v", a.Errored, a.Error, a.Passed)
	}
	if !near(a.Metrics["duration"], 2) || !near(a.Duration, 6) {
		t.Errorf("a metrics %v duration %v", a.Metrics, a.Duration)
	}
	if _, ok := b.Scores["y"]; ok || b.Errored || !b.Passed || b.Trials != 1 {
		t.Errorf("b = %+v", b)
	}
}

func passExpr(t *testing.T, code string) Reduction {
	t.Helper()
	ev := &spec.Eval{Reduce: ReduceMean, PassScore: 1, Pass: &spec.Expr{Code: code, File: "x.eval.yaml", Pos: spec.Pos{Line: 3, Col: 7}},
		Scorers: []spec.Scorer{{Name: "correct", Reduce: ReduceMin}}}
	r, err := ReductionOf(ev)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPassed(t *testing.T) {
	t.Parallel()
	row := func(trial int, correct float64, errMsg string, output string) *store.Row {
		return &store.Row{CaseID: "c", Trial: trial, Scores: map[string]float64{"correct": correct}, Error: errMsg,
			Input: json.RawMessage(`{"q":"2+2"}`), Output: json.RawMessage(output), Metadata: json.RawMessage(`{"lang":"en"}`)}
	}
	tests := []struct {
		name    string
		pass    string // "" for the default rule
		rows    []*store.Row
		want    bool
		passErr string
	}{
		{"default: all trials at least 0.5", "", []*store.Row{row(0, 0.5, "", `"4"`), row(1, 1, "", `"4"`)}, true, ""},
		{"default: one trial below", "", []*store.Row{row(0, 1, "", `"4"`), row(1, 0.49, "", `"5"`)}, false, ""},
		{"default: an error fails", "", []*store.Row{row(0, 1, "boom", ``)}, false, ""},
		{"expression on every trial", `scores.correct >= 0.3 && output == "4"`, []*store.Row{row(0, 0.3, "", `"4"`), row(1, 0.9, "", `"4"`)}, true, ""},
		{"expression fails one trial", `output == "4"`, []*store.Row{row(0, 1, "", `"4"`), row(1, 1, "", `"5"`)}, false, ""},
		{"expression sees input and metadata", `input.q == "2+2" && metadata.lang == "en" && !errored`, []*store.Row{row(0, 0, "", `"x"`)}, true, ""},
		{"expression sees the error", `errored && error == "boom"`, []*store.Row{row(0, 0, "boom", ``)}, true, ""},
		{"runtime error fails the case", `int(output) > 1`, []*store.Row{row(0, 1, "", `"four"`)}, false, "pass expression on trial 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := Reduction{}
			if tt.pass != "" {
				r = passExpr(t, tt.pass)
			}
			got := collect(t, Cases(RowSlice(tt.rows), r))
			if got[0].Passed != tt.want || !strings.Contains(got[0].PassError, tt.passErr) || (tt.passErr == "") != (got[0].PassError == "") {
				t.Errorf("passed %v (%q), want %v (%q)", got[0].Passed, got[0].PassError, tt.want, tt.passErr)
			}
		})
	}
}

func TestReductionOf(t *testing.T) {
	t.Parallel()
	r := passExpr(t, "!errored")
	if r.Reduce != ReduceMean || r.PassScore != 1 || r.ScoreReduce["correct"] != ReduceMin || r.Pass == nil {
		t.Errorf("reduction %+v", r)
	}
	_, err := ReductionOf(&spec.Eval{Pass: &spec.Expr{Code: "scores +", File: "x.eval.yaml", Pos: spec.Pos{Line: 3, Col: 7}}})
	if err == nil || !strings.Contains(err.Error(), "x.eval.yaml:3:") {
		t.Errorf("error %v", err)
	}
	_, err = ReductionOf(&spec.Eval{Reduce: "avg"})
	if err == nil || !strings.Contains(err.Error(), `unknown reducer "avg"`) {
		t.Errorf("error %v", err)
	}
}

func TestRowsOutOfOrder(t *testing.T) {
	t.Parallel()
	rows := append(trials("b", "s", 1), trials("a", "s", 1)...)
	err := Cases(RowSlice(rows), Reduction{})(func(*CaseResult) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `rows out of order: case "a" after "b"`) {
		t.Errorf("error %v", err)
	}
	stop := errors.New("enough")
	if err := Cases(RowSlice(trials("a", "s", 1, 1)), Reduction{})(func(*CaseResult) error { return stop }); err != stop {
		t.Errorf("error %v, want the callback's", err)
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	rows := []*store.Row{
		{CaseID: "a", Trial: 0, Scores: map[string]float64{"correct": 1, "judge": 0.5}, Metrics: map[string]float64{"duration": 1, "estimated_cost": 0.01}},
		{CaseID: "a", Trial: 1, Scores: map[string]float64{"correct": 0, "judge": 0}, ScorerErrors: map[string]string{"judge": "rate limited"}, Metrics: map[string]float64{"duration": 3, "estimated_cost": 0.02}},
		{CaseID: "b", Trial: 0, Scores: map[string]float64{"correct": 1, "judge": 1}, ScoreMeta: map[string]json.RawMessage{"judge": json.RawMessage(`{"choice":"C","rationale":"no error"}`)}, Metrics: map[string]float64{"duration": 2}},
		{CaseID: "b", Trial: 1, Scores: map[string]float64{"correct": 1, "extra": 0.25}, Metrics: map[string]float64{"duration": 2}},
		{CaseID: "c", Trial: 0, Scores: map[string]float64{"correct": 0, "judge": 0}, Error: "task failed", Metrics: map[string]float64{"duration": 0.5}},
	}
	s, err := Summarize(RowSlice(rows), SummaryOptions{Eval: "qa", Experiment: "e1", Status: "completed", Scorers: []string{"correct", "judge", "unused"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Eval != "qa" || s.Experiment != "e1" || s.Cases != 3 || s.Rows != 5 || s.Errors != 1 {
		t.Fatalf("summary %+v", s)
	}
	want := []ScoreSummary{
		{Name: "correct", Mean: (0.5 + 1 + 0) / 3, Count: 3},
		{Name: "judge", Mean: (0.25 + 1 + 0) / 3, Count: 3, Errors: 1},
		{Name: "unused"},
		{Name: "extra", Mean: 0.25, Count: 1},
	}
	if len(s.Scores) != len(want) {
		t.Fatalf("scores %+v", s.Scores)
	}
	for i, w := range want {
		if g := s.Scores[i]; g.Name != w.Name || !near(g.Mean, w.Mean) || g.Count != w.Count || g.Errors != w.Errors {
			t.Errorf("score %d = %+v, want %+v", i, g, w)
		}
	}
	if len(s.Metrics) != 2 {
		t.Fatalf("metrics %+v", s.Metrics)
	}
	if d := s.Metrics[0]; d.Name != "duration" || !near(d.Sum, 8.5) || !near(d.Mean, 1.7) || d.Min != 0.5 || d.Max != 3 || d.Count != 5 {
		t.Errorf("duration %+v", d)
	}
	if c := s.Metrics[1]; c.Name != "estimated_cost" || !near(c.Sum, 0.03) || c.Count != 2 {
		t.Errorf("cost %+v", c)
	}
}

func TestSummarizeOneTrialMatchesAggregator(t *testing.T) {
	t.Parallel()
	rows := benchRows(500, 9, 0)
	s, err := Summarize(RowSlice(rows), SummaryOptions{Scorers: []string{"correct", "similar", "factual"}})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAggregator([]string{"correct", "similar", "factual"})
	for _, r := range rows {
		row := Row{Metrics: r.Metrics}
		for _, name := range []string{"correct", "similar", "factual"} {
			row.Scores = append(row.Scores, Score{name, r.Scores[name]})
		}
		a.Add(row)
	}
	want := a.Summary(500)
	for i := range want.Scores {
		if g, w := s.Scores[i], want.Scores[i]; g.Name != w.Name || math.Abs(g.Mean-w.Mean) > 1e-9 || g.Count != w.Count {
			t.Errorf("score %+v, aggregator %+v", g, w)
		}
	}
	if g, w := s.Metrics[0], want.Metrics[0]; math.Abs(g.Sum-w.Sum) > 1e-9 || g.Max != w.Max || g.Count != w.Count {
		t.Errorf("metric %+v, aggregator %+v", g, w)
	}
}

func TestScorerErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		meta       map[string]json.RawMessage
		errs       map[string]string
		pass       string
		wantErrors int
		wantFirst  string
		wantPassed bool
	}{
		{"none", nil, nil, "", 0, "", true},
		{"metadata mentioning an error", map[string]json.RawMessage{"judge": json.RawMessage(`{"choice":"A","rationale":"no \"error\" here"}`)}, nil, "", 0, "", true},
		{"metadata with an error field among others", map[string]json.RawMessage{"judge": json.RawMessage(`{"error":"none","choice":"A"}`)}, nil, "", 0, "", true},
		{"metadata with an error field alone", map[string]json.RawMessage{"judge": json.RawMessage(`{"error":"none"}`)}, nil, "", 0, "", true},
		{"a failed scorer fails the default rule", nil, map[string]string{"judge": "rate limited", "policy": "exit 2"}, "", 2, "judge: rate limited", false},
		{"a pass expression decides alone", nil, map[string]string{"judge": "rate limited"}, "scores.correct == 1", 1, "judge: rate limited", true},
		{"not objects", map[string]json.RawMessage{"judge": json.RawMessage(`"text"`), "other": json.RawMessage(`[1]`)}, nil, "", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			row := &store.Row{CaseID: "c", Scores: map[string]float64{"correct": 1}, ScoreMeta: tt.meta, ScorerErrors: tt.errs}
			r := Reduction{}
			if tt.pass != "" {
				r = passExpr(t, tt.pass)
			}
			got := collect(t, Cases(RowSlice([]*store.Row{row}), r))[0]
			if got.ScorerError != tt.wantFirst || got.Passed != tt.wantPassed {
				t.Errorf("scorer error %q passed %v, want %q %v", got.ScorerError, got.Passed, tt.wantFirst, tt.wantPassed)
			}
			s, err := Summarize(RowSlice([]*store.Row{row}), SummaryOptions{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, sc := range s.Scores {
				n += sc.Errors
			}
			if n != tt.wantErrors {
				t.Errorf("%d scorer errors counted, want %d: %+v", n, tt.wantErrors, s.Scores)
			}
		})
	}
}
