package report

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// pairOfExperiments is a hand-made base and current run of 20 shared cases
// c00..c19, plus one case only in the base and two only in the current run.
//
//   - correct: 1 on every base case; 0 on c00..c09 in the current run, so
//     the paired diff is -10/20 = -0.5, with 10 regressions: a clear
//     regression.
//   - noise: the base's value plus 0.1 on even cases and minus 0.1 on odd
//     ones: paired diff 0, 10 improvements, 10 regressions, no significance.
//   - duration: twice the base's on every case: a significant rise.
func pairOfExperiments() (cur, base []*store.Row) {
	row := func(id string, correct, noise, duration float64) *store.Row {
		return &store.Row{CaseID: id, Scores: map[string]float64{"correct": correct, "noise": noise},
			Metrics: map[string]float64{"duration": duration}}
	}
	for i := range 20 {
		id := fmt.Sprintf("c%02d", i)
		nb := 0.3 + 0.02*float64(i)
		nc := nb + 0.1
		if i%2 == 1 {
			nc = nb - 0.1
		}
		c := 1.0
		if i < 10 {
			c = 0
		}
		base = append(base, row(id, 1, nb, 0.1*float64(i+1)))
		cur = append(cur, row(id, c, nc, 0.2*float64(i+1)))
	}
	base = append(base, row("gone", 1, 0.5, 1))
	cur = append(cur, row("new1", 0, 0.5, 1), row("new2", 0, 0.5, 1))
	return cur, base
}

func comparePair(t *testing.T, seed uint64, workers int) *Summary {
	t.Helper()
	cur, base := pairOfExperiments()
	s, err := Compare(RowSlice(cur), RowSlice(base), CompareOptions{
		SummaryOptions: SummaryOptions{Eval: "qa", Experiment: "feature-1", Status: "completed", Scorers: []string{"correct", "noise"}},
		Base:           "main", Seed: seed, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func delta(t *testing.T, ds []Delta, name string) Delta {
	t.Helper()
	for _, d := range ds {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no delta %q in %+v", name, ds)
	return Delta{}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	s := comparePair(t, 0, 0)
	c := s.Comparison
	if s.Cases != 22 || s.Rows != 22 || c.BaseCases != 21 || c.Paired != 20 || c.Confidence != 0.95 || c.Resamples != MinResamples {
		t.Fatalf("cases %d rows %d comparison %+v", s.Cases, s.Rows, c)
	}
	if c.OnlyCurrent != 2 || !slices.Equal(c.OnlyCurrentIDs, []string{"new1", "new2"}) || c.OnlyBase != 1 || !slices.Equal(c.OnlyBaseIDs, []string{"gone"}) {
		t.Errorf("one-sided cases: %d %v, %d %v", c.OnlyCurrent, c.OnlyCurrentIDs, c.OnlyBase, c.OnlyBaseIDs)
	}
	if got := []string{c.Scores[0].Name, c.Scores[1].Name}; !slices.Equal(got, []string{"correct", "noise"}) {
		t.Errorf("score order %v", got)
	}

	correct := delta(t, c.Scores, "correct")
	// The means are over all of each side's cases; the diff over the paired.
	if !near(correct.Mean, 10.0/22) || correct.Count != 22 || !near(correct.BaseMean, 1) || correct.BaseCount != 21 {
		t.Errorf("correct means %+v", correct)
	}
	if !near(correct.Diff, -0.5) || correct.Paired != 20 || correct.Improvements != 0 || correct.Regressions != 10 {
		t.Errorf("correct diff %+v", correct)
	}
	// The standard error of the diff is 0.5/sqrt(20) = 0.11: the interval is
	// about -0.5 ± 0.22 and holds the true diff.
	if !(correct.CILow < -0.5 && correct.CIHigh > -0.5) || correct.CILow < -0.85 || correct.CIHigh > -0.2 {
		t.Errorf("correct interval [%v, %v]", correct.CILow, correct.CIHigh)
	}
	if !correct.SignificantRegression || correct.SignificantImprovement {
		t.Errorf("correct significance %+v", correct)
	}

	noise := delta(t, c.Scores, "noise")
	if math.Abs(noise.Diff) > 1e-12 || noise.Improvements != 10 || noise.Regressions != 10 {
		t.Errorf("noise %+v", noise)
	}
	if !(noise.CILow < 0 && noise.CIHigh > 0) || noise.SignificantRegression || noise.SignificantImprovement {
		t.Errorf("noise interval %+v", noise)
	}

	dur := delta(t, c.Metrics, "duration")
	if !near(dur.Diff, 0.1*21/2) || dur.Regressions != 20 || dur.Improvements != 0 || !dur.SignificantRegression || dur.SignificantImprovement {
		t.Errorf("duration %+v", dur)
	}

	// Worst first: c01, c03, ... lost 1 on correct and 0.1 on noise.
	var ids []string
	for _, rc := range c.Regressed {
		ids = append(ids, rc.ID)
	}
	want := []string{"c01", "c03", "c05", "c07", "c09", "c00", "c02", "c04", "c06", "c08"}
	if !slices.Equal(ids, want) {
		t.Errorf("regressed %v, want %v", ids, want)
	}
	if rc := c.Regressed[0]; !near(rc.Drop, 1.1) || len(rc.Scores) != 2 || rc.Scores[0] != (ScoreChange{"correct", 1, 0}) {
		t.Errorf("worst %+v", rc)
	}
}

func TestCompareDeterministic(t *testing.T) {
	t.Parallel()
	base, cur := benchRows(300, 1, 0), benchRows(300, 2, -0.2)
	intervals := func(seed uint64, workers int) []float64 {
		s, err := Compare(RowSlice(cur), RowSlice(base), CompareOptions{Seed: seed, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		var out []float64
		for _, d := range append(s.Comparison.Scores, s.Comparison.Metrics...) {
			out = append(out, d.CILow, d.CIHigh)
		}
		return out
	}
	a := intervals(7, 1)
	if b := intervals(7, 3); !slices.Equal(a, b) {
		t.Errorf("same seed, other workers: %v and %v", a, b)
	}
	if b := intervals(7, 0); !slices.Equal(a, b) {
		t.Errorf("same seed, run again: %v and %v", a, b)
	}
	if other := intervals(8, 0); slices.Equal(other, a) {
		t.Errorf("seeds 7 and 8 gave the same intervals %v", a)
	}
	if zero, dflt := intervals(0, 0), intervals(0, 2); !slices.Equal(zero, dflt) {
		t.Errorf("seed 0: %v and %v", zero, dflt)
	}
}

func TestCompareEdges(t *testing.T) {
	t.Parallel()
	one := func(id string, scores map[string]float64) *store.Row {
		return &store.Row{CaseID: id, Scores: scores}
	}
	tests := []struct {
		name       string
		cur, base  []*store.Row
		check      func(t *testing.T, c *Comparison)
		wantErrSub string
	}{
		{
			name: "no common case",
			cur:  []*store.Row{one("a", map[string]float64{"s": 1})},
			base: []*store.Row{one("b", map[string]float64{"s": 0})},
			check: func(t *testing.T, c *Comparison) {
				d := delta(t, c.Scores, "s")
				if c.Paired != 0 || c.OnlyCurrent != 1 || c.OnlyBase != 1 || d.Paired != 0 || d.Diff != 0 || d.SignificantRegression || !d.HasBase() {
					t.Errorf("%+v %+v", c, d)
				}
			},
		},
		{
			name: "one pair is never significant",
			cur:  []*store.Row{one("a", map[string]float64{"s": 0})},
			base: []*store.Row{one("a", map[string]float64{"s": 1})},
			check: func(t *testing.T, c *Comparison) {
				d := delta(t, c.Scores, "s")
				if d.Diff != -1 || d.CILow != -1 || d.CIHigh != -1 || d.SignificantRegression || d.Regressions != 1 {
					t.Errorf("%+v", d)
				}
			},
		},
		{
			name: "a score new in this run and one gone from it",
			cur:  []*store.Row{one("a", map[string]float64{"new": 1}), one("b", map[string]float64{"new": 1})},
			base: []*store.Row{one("a", map[string]float64{"old": 1}), one("b", map[string]float64{"old": 1})},
			check: func(t *testing.T, c *Comparison) {
				n, o := delta(t, c.Scores, "new"), delta(t, c.Scores, "old")
				if n.HasBase() || n.Count != 2 || n.Paired != 0 || !o.HasBase() || o.Count != 0 || o.BaseMean != 1 {
					t.Errorf("new %+v old %+v", n, o)
				}
			},
		},
		{
			name: "a score skipped on some cases is paired where both have it",
			cur: []*store.Row{one("a", map[string]float64{"s": 0.5}), one("b", map[string]float64{}),
				one("c", map[string]float64{"s": 0.5}), one("d", map[string]float64{"s": 0.25})},
			base: []*store.Row{one("a", map[string]float64{"s": 1}), one("b", map[string]float64{"s": 1}),
				one("c", map[string]float64{}), one("d", map[string]float64{"s": 0.75})},
			check: func(t *testing.T, c *Comparison) {
				d := delta(t, c.Scores, "s")
				if d.Paired != 2 || !near(d.Diff, -0.5) || d.Regressions != 2 || !near(d.CILow, -0.5) || !near(d.CIHigh, -0.5) || !d.SignificantRegression {
					t.Errorf("%+v", d)
				}
			},
		},
		{
			name:       "base out of order",
			cur:        []*store.Row{one("a", nil)},
			base:       []*store.Row{one("b", nil), one("a", nil)},
			wantErrSub: `reading the base experiment main: rows out of order: case "a" after "b"`,
		},
		{
			name:  "empty sides",
			check: func(t *testing.T, c *Comparison) { _ = c },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Compare(RowSlice(tt.cur), RowSlice(tt.base), CompareOptions{Base: "main"})
			if tt.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSub) {
					t.Fatalf("error %v, want %q", err, tt.wantErrSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s.Comparison)
		})
	}
}

// TestCompareCoverage checks the interval's calibration: over many pairs of
// experiments whose cases differ by a known mean plus independent noise, a
// 90% interval must hold the true difference about 90% of the time.
func TestCompareCoverage(t *testing.T) {
	t.Parallel()
	const experiments, n, trueDiff = 200, 200, -0.05
	held := 0
	for e := range experiments {
		rng := rand.New(rand.NewPCG(uint64(e), 99))
		cur, base := make([]*store.Row, n), make([]*store.Row, n)
		for i := range n {
			id := fmt.Sprintf("c%04d", i)
			b := rng.Float64()
			noise := rng.ExpFloat64() - 1 // mean 0, skewed
			base[i] = &store.Row{CaseID: id, Scores: map[string]float64{"s": b}}
			cur[i] = &store.Row{CaseID: id, Scores: map[string]float64{"s": b + trueDiff + 0.2*noise}}
		}
		s, err := Compare(RowSlice(cur), RowSlice(base), CompareOptions{Confidence: 0.9, Seed: uint64(e), Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		if d := s.Comparison.Scores[0]; d.CILow <= trueDiff && trueDiff <= d.CIHigh {
			held++
		}
	}
	// Seeded, so deterministic: 86% here; the percentile bootstrap covers a
	// little less than its level at small n.
	if rate := float64(held) / experiments; rate < 0.8 || rate > 0.97 {
		t.Errorf("90%% intervals held the true difference %.1f%% of the time", 100*rate)
	}
}

func TestGateEnvWithComparison(t *testing.T) {
	t.Parallel()
	s := comparePair(t, 0, 0)
	env := s.GateEnv()
	c := env.Scores["correct"]
	if !c.HasBase || c.BaseMean != 1 || c.Diff != -0.5 || c.Improvements != 0 || c.Regressions != 10 || !c.SignificantRegression || c.CILow >= c.CIHigh || c.Mean != 10.0/22 || c.Count != 22 {
		t.Errorf("correct %+v", c)
	}
	if n := env.Scores["noise"]; !n.HasBase || n.SignificantRegression || n.Regressions != 10 || n.Improvements != 10 {
		t.Errorf("noise %+v", n)
	}
	tests := []struct {
		gate string
		pass bool
	}{
		{"scores.correct.regressions == 0", false},
		{"!scores.correct.significant_regression", false},
		{"!scores.noise.significant_regression", true},
		{"scores.correct.diff > -0.6 && scores.correct.ci_high < 0", true},
		{"scores.noise.has_base && scores.noise.ci_low < 0 && scores.noise.base_mean > 0", true},
		{"scores.correct.improvements == 0 && cases == 22", true},
	}
	for _, tt := range tests {
		t.Run(tt.gate, func(t *testing.T) {
			t.Parallel()
			sum := *s
			sum.Checks = nil
			if got := Evaluate(&sum, nil, gates(t, tt.gate)); got != tt.pass {
				t.Errorf("%s = %v (%s)", tt.gate, got, sum.Checks[0].Detail)
			}
		})
	}
	plain := &Summary{Scores: []ScoreSummary{{Name: "correct", Mean: 1, Count: 1}}}
	if c := plain.GateEnv().Scores["correct"]; c.HasBase || c.Diff != 0 {
		t.Errorf("without a base %+v", c)
	}
}

// TestCompareAgreesWithDirectSums checks the streamed join over many batches
// against sums taken directly, with cases missing on either side.
func TestCompareAgreesWithDirectSums(t *testing.T) {
	t.Parallel()
	base, cur := benchRows(3000, 1, 0), benchRows(3000, 2, -0.2)
	base = slices.DeleteFunc(base, func(r *store.Row) bool { return strings.HasSuffix(r.CaseID, "7") })
	cur = slices.DeleteFunc(cur, func(r *store.Row) bool { return strings.HasSuffix(r.CaseID, "13") })
	s, err := Compare(RowSlice(cur), RowSlice(base), CompareOptions{SummaryOptions: SummaryOptions{Scorers: []string{"correct", "similar", "factual"}}})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Summarize(RowSlice(cur), SummaryOptions{Scorers: []string{"correct", "similar", "factual"}})
	if err != nil {
		t.Fatal(err)
	}
	baseByID := map[string]*store.Row{}
	for _, r := range base {
		baseByID[r.CaseID] = r
	}
	paired := 0
	for _, r := range cur {
		if baseByID[r.CaseID] != nil {
			paired++
		}
	}
	c := s.Comparison
	if c.Paired != paired || c.OnlyCurrent != len(cur)-paired || c.OnlyBase != len(base)-paired || c.BaseCases != len(base) {
		t.Fatalf("paired %d (want %d), only current %d, only base %d", c.Paired, paired, c.OnlyCurrent, c.OnlyBase)
	}
	for i, name := range []string{"correct", "similar", "factual"} {
		var sum float64
		var up, down int
		for _, r := range cur {
			if b := baseByID[r.CaseID]; b != nil {
				d := r.Scores[name] - b.Scores[name]
				sum += d
				if d > ChangeEpsilon {
					up++
				} else if d < -ChangeEpsilon {
					down++
				}
			}
		}
		d := c.Scores[i]
		if d.Name != name || math.Abs(d.Diff-sum/float64(paired)) > 1e-12 || d.Improvements != up || d.Regressions != down || !(d.CILow <= d.Diff && d.Diff <= d.CIHigh) {
			t.Errorf("%s: %+v; want diff %v, %d up, %d down", name, d, sum/float64(paired), up, down)
		}
		if p := plain.Scores[i]; math.Abs(p.Mean-d.Mean) > 1e-12 || p.Count != d.Count || s.Scores[i] != p {
			t.Errorf("%s: mean %v count %d, Summarize %+v", name, d.Mean, d.Count, p)
		}
	}
	if len(c.OnlyCurrentIDs) != MaxListedCases || len(c.OnlyBaseIDs) != MaxListedCases || len(c.Regressed) != MaxRegressedCases {
		t.Errorf("lists %d %d %d", len(c.OnlyCurrentIDs), len(c.OnlyBaseIDs), len(c.Regressed))
	}
	for i := 1; i < len(c.Regressed); i++ {
		if c.Regressed[i].Drop > c.Regressed[i-1].Drop {
			t.Errorf("regressed cases not worst first: %+v", c.Regressed)
		}
	}
}

func TestCompareSourceError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	failing := func(after int) RowSource {
		rows := benchRows(5000, 3, 0)
		return func(fn func(*store.Row) error) error {
			for i, r := range rows {
				if i == after {
					return boom
				}
				if err := fn(r); err != nil {
					return err
				}
			}
			return nil
		}
	}
	ok := RowSlice(benchRows(5000, 4, 0))
	for _, tt := range []struct {
		name      string
		cur, base RowSource
		want      string
	}{
		{"current fails early", failing(10), ok, "reading the current experiment: disk on fire"},
		{"base fails late", ok, failing(4000), "reading the base experiment main: disk on fire"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compare(tt.cur, tt.base, CompareOptions{Base: "main"})
			if !errors.Is(err, boom) || err.Error() != tt.want {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCompareOptions(t *testing.T) {
	t.Parallel()
	cur, base := pairOfExperiments()
	s, err := Compare(RowSlice(cur), RowSlice(base), CompareOptions{Confidence: 0.8, Resamples: 2500, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Comparison
	wide := comparePair(t, 3, 0).Comparison.Scores[0]
	if c.Confidence != 0.8 || c.Resamples != 2500 || c.Seed != 3 || c.Scores[0].CIHigh-c.Scores[0].CILow >= wide.CIHigh-wide.CILow {
		t.Errorf("80%% interval %+v not narrower than 95%% %+v", c.Scores[0], wide)
	}
	if s, _ := Compare(RowSlice(cur), RowSlice(base), CompareOptions{Resamples: 10}); s.Comparison.Resamples != MinResamples {
		t.Errorf("resamples %d", s.Comparison.Resamples)
	}
	if _, err := Compare(RowSlice(cur), RowSlice(base), CompareOptions{Base: "main", Confidence: 95}); err == nil || err.Error() != "comparing with the base experiment main: confidence 95 is not between 0 and 1" {
		t.Errorf("error %v", err)
	}
	if _, err := Compare(RowSlice(cur), RowSlice(base), CompareOptions{SummaryOptions: SummaryOptions{Reduction: Reduction{Reduce: "avg"}}}); err == nil || !strings.Contains(err.Error(), `unknown reducer "avg"`) {
		t.Errorf("error %v", err)
	}
}
