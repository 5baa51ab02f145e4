package report

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

func gates(t *testing.T, srcs ...string) []Gate {
	t.Helper()
	var exprs []spec.Expr
	for _, s := range srcs {
		exprs = append(exprs, spec.Expr{Code: s, File: "x.eval.yaml", Pos: spec.Pos{Line: 1, Col: 1}})
	}
	g, err := CompileGates(exprs, true)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestAggregator(t *testing.T) {
	t.Parallel()
	a := NewAggregator([]string{"correct", "close"})
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := Row{Scores: []Score{{"correct", float64(i % 2)}}, Metrics: map[string]float64{"duration": float64(i)}}
			if i%10 == 0 {
				r.ScorerErrors = []string{"close"}
				r.Scores = append(r.Scores, Score{"close", 0})
			} else {
				r.Scores = append(r.Scores, Score{"close", 1})
			}
			if i == 99 {
				r.Errored = true
			}
			a.Add(r)
		}()
	}
	wg.Wait()
	s := a.Summary(50)
	if s.Rows != 100 || s.Cases != 50 || s.Errors != 1 {
		t.Fatalf("summary %+v", s)
	}
	want := []ScoreSummary{{Name: "correct", Mean: 0.5, Count: 100}, {Name: "close", Mean: 0.9, Count: 100, Errors: 10}}
	for i, w := range want {
		if got := s.Scores[i]; got.Name != w.Name || math.Abs(got.Mean-w.Mean) > 1e-12 || got.Count != w.Count || got.Errors != w.Errors {
			t.Errorf("score %d = %+v, want %+v", i, got, w)
		}
	}
	if m := s.Metrics[0]; m.Name != "duration" || m.Sum != 4950 || m.Min != 0 || m.Max != 99 || m.Mean != 49.5 {
		t.Errorf("duration = %+v", m)
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	s := &Summary{Cases: 10, Rows: 10, Errors: 1, Scores: []ScoreSummary{{Name: "correct", Mean: 0.8, Count: 10}, {Name: "empty"}}}
	tests := []struct {
		name       string
		thresholds []spec.Threshold
		gates      []string
		pass       bool
		failed     []string
	}{
		{"all pass", []spec.Threshold{{Scorer: "correct", Min: 0.8}}, []string{"cases == 10", "scores.correct.mean >= 0.5"}, true, nil},
		{"threshold below", []spec.Threshold{{Scorer: "correct", Min: 0.81}}, nil, false, []string{"threshold correct: mean 0.800 < 0.810"}},
		{"no score is no pass", []spec.Threshold{{Scorer: "empty", Min: 0}}, nil, false, []string{"threshold empty: no score to compare with 0.000"}},
		{"gate false", nil, []string{"errors == 0", "rows > 5"}, false, []string{"gate errors == 0: false"}},
		{"unknown scorer in a gate sees zeros", nil, []string{"scores.other.count == 0"}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sum := *s
			sum.Checks = nil
			pass := Evaluate(&sum, tt.thresholds, gates(t, tt.gates...))
			var failed []string
			for _, c := range sum.Failed() {
				failed = append(failed, c.Kind+" "+c.Name+": "+c.Detail)
			}
			if pass != tt.pass || strings.Join(failed, "|") != strings.Join(tt.failed, "|") {
				t.Errorf("pass %v failed %v; want %v %v", pass, failed, tt.pass, tt.failed)
			}
			if len(sum.Checks) != len(tt.thresholds)+len(tt.gates) {
				t.Errorf("%d checks recorded", len(sum.Checks))
			}
		})
	}
}

func TestWriteText(t *testing.T) {
	t.Parallel()
	s := &Summary{Eval: "qa", Experiment: "main-1", Status: "interrupted", Cases: 2, Rows: 4, Errors: 1, Duration: 1.5,
		Scores:  []ScoreSummary{{Name: "correct", Mean: 0.75, Count: 4}},
		Metrics: []MetricSummary{{Name: "duration", Mean: 0.002, Max: 0.004}},
		Checks:  []Check{{Kind: "gate", Name: "errors == 0", Detail: "false"}}}
	var b bytes.Buffer
	WriteText(&b, s)
	want := `qa · experiment main-1 · 2 cases, 4 rows · 1 error · 1.50s · INTERRUPTED
  score       mean    count  scorer errors
  correct    0.750        4              0
  task duration  mean 2.0ms  max 4.0ms
  FAIL  gate errors == 0: false
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestAggregatorScoresInAnyOrder adds rows whose scores come in the
// scorers' order, out of it, and with scores no scorer was named for.
func TestAggregatorScoresInAnyOrder(t *testing.T) {
	t.Parallel()
	a := NewAggregator([]string{"a", "b"})
	for _, scores := range [][]Score{
		{{"a", 1}, {"b", 0}},
		{{"b", 1}, {"a", 0.5}},
		{{"c", 0.25}},
		{{"a", 0}, {"c", 0.75}, {"b", 1}},
	} {
		a.Add(Row{Scores: scores})
	}
	got := a.Summary(4).Scores
	want := []ScoreSummary{{Name: "a", Mean: 0.5, Count: 3}, {Name: "b", Mean: 2.0 / 3, Count: 3}, {Name: "c", Mean: 0.5, Count: 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scores %+v, want %+v", got, want)
	}
}
