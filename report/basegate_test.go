package report

import (
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

func compileGates(t *testing.T, baseRequired bool, srcs ...string) []Gate {
	t.Helper()
	var exprs []spec.Expr
	for _, s := range srcs {
		exprs = append(exprs, spec.Expr{Code: s, File: "x.eval.yaml", Pos: spec.Pos{Line: 1, Col: 1}})
	}
	g, err := CompileGates(exprs, baseRequired)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGatesWithoutBase checks that a gate reading a comparison fails with
// "no base experiment" when there is none, unless base_required is false,
// and that the other gates are evaluated as usual.
func TestGatesWithoutBase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		gate         string
		baseRequired bool
		pass         bool
		detail       string
	}{
		{"scores.correct.regressions == 0", true, false, "no base experiment"},
		{"scores.correct.diff >= -0.05", true, false, "no base experiment"},
		{"!scores.correct.significant_regression", true, false, "no base experiment"},
		{`scores["correct"]["ci_low"] > -1`, true, false, "no base experiment"},
		{"metrics.duration.diff < 1", true, false, "no base experiment"},
		{"!metrics.estimated_cost.significant_regression", true, false, "no base experiment"},
		{"scores.correct.regressions == 0", false, true, "base_required: false"},
		{"metrics.duration.diff < 1", false, true, "base_required: false"},
		{"scores.correct.mean >= 0.5", true, true, "true"},
		{"errors == 0 && metrics.duration.max < 10", true, true, "true"},
		{"!scores.correct.has_base", true, true, "true"},
	} {
		s := &Summary{Cases: 2, Rows: 2, Scores: []ScoreSummary{{Name: "correct", Mean: 0.5, Count: 2}},
			Metrics: []MetricSummary{{Name: "duration", Mean: 1, Max: 2, Count: 2}}}
		passed := Evaluate(s, nil, compileGates(t, tc.baseRequired, tc.gate))
		if passed != tc.pass || len(s.Checks) != 1 || !strings.Contains(s.Checks[0].Detail, tc.detail) {
			t.Errorf("gate %q (base_required %v) without a base: passed %v, checks %+v; want %v and %q",
				tc.gate, tc.baseRequired, passed, s.Checks, tc.pass, tc.detail)
		}
	}
}

// TestMetricComparisonGates checks that the comparison of metrics reaches
// the gates.
func TestMetricComparisonGates(t *testing.T) {
	t.Parallel()
	s := &Summary{Cases: 2, Rows: 2, Scores: []ScoreSummary{{Name: "correct", Mean: 1, Count: 2}},
		Metrics: []MetricSummary{{Name: "duration", Mean: 3, Count: 2}, {Name: "estimated_cost", Mean: 0.2, Count: 2}},
		Comparison: &Comparison{Base: "main", Scores: []Delta{{Name: "correct", Mean: 1, BaseMean: 1, BaseCount: 2}},
			Metrics: []Delta{
				{Name: "duration", Mean: 3, BaseMean: 1, BaseCount: 2, Diff: 2, Regressions: 2, CILow: 1.5, CIHigh: 2.5, SignificantRegression: true},
				{Name: "estimated_cost", Mean: 0.2, BaseMean: 0.25, BaseCount: 2, Diff: -0.05, Improvements: 2},
			}}}
	for _, tc := range []struct {
		gate string
		pass bool
	}{
		{"metrics.duration.diff < 1", false},
		{"metrics.duration.significant_regression", true},
		{"metrics.duration.regressions == 2 && metrics.duration.ci_low == 1.5 && metrics.duration.base_mean == 1", true},
		{"metrics.duration.has_base", true},
		{"!metrics.estimated_cost.significant_regression && metrics.estimated_cost.improvements == 2", true},
		{"metrics.estimated_cost.diff < 0", true},
	} {
		if got := Evaluate(s, nil, compileGates(t, true, tc.gate)); got != tc.pass {
			t.Errorf("gate %q: passed %v, want %v (%+v)", tc.gate, got, tc.pass, s.Checks)
		}
	}
}
