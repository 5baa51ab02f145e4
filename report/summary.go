// Package report turns the rows of a run into its summary, checks thresholds and
// gates against it, and writes it for people and machines.
package report

import (
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/caliperhq/caliper/spec"
)

// Summary is what a run amounts to. It is stored with the experiment as JSON.
type Summary struct {
	Eval       string `json:"eval"`
	Experiment string `json:"experiment"`
	Status     string `json:"status"`
	Stopped    string `json:"stopped,omitempty"` // why the run stopped early, e.g. --max-cost
	Cases      int    `json:"cases"`
	Rows       int    `json:"rows"`
	Errors     int    `json:"errors"`
	// SkippedRows counts the malformed dataset rows left out under
	// data.on_error: skip.
	SkippedRows int             `json:"skipped_rows"`
	Duration    float64         `json:"duration_seconds"`
	Scores      []ScoreSummary  `json:"scores"`
	Metrics     []MetricSummary `json:"metrics,omitempty"`
	// ErrorGroups are the most frequent error messages of the rows, task
	// and scorer errors apart, at most MaxErrorGroups; ErrorMessages counts
	// the distinct messages.
	ErrorGroups   []ErrorGroup `json:"error_groups,omitempty"`
	ErrorMessages int          `json:"error_messages,omitempty"`
	Checks        []Check      `json:"checks,omitempty"`
	// Comparison compares the experiment with its base; nil without one.
	Comparison *Comparison `json:"comparison,omitempty"`
}

// ScoreSummary is one scorer over the run.
type ScoreSummary struct {
	Name   string  `json:"name"`
	Mean   float64 `json:"mean"`
	Count  int     `json:"count"`
	Errors int     `json:"errors"`
}

// MetricSummary is one metric over the run.
type MetricSummary struct {
	Name  string  `json:"name"`
	Mean  float64 `json:"mean"`
	Sum   float64 `json:"sum"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	Count int     `json:"count"`
}

// Row is what the aggregator needs of one finished case and trial.
type Row struct {
	CaseID       string
	Scores       []Score  // present scores, after the error_score policy
	ScorerErrors []string // scorers that failed on this row
	// ScorerErrorMessages holds the error of each scorer in ScorerErrors.
	ScorerErrorMessages map[string]string
	Errored             bool   // the task failed
	Error               string // the task's error, when Errored
	Metrics             map[string]float64
}

// Score is one score of a row.
type Score struct {
	Name  string
	Value float64
}

// Aggregator accumulates rows into a summary; Add is safe for concurrent use and
// its memory does not grow with the number of rows.
type Aggregator struct {
	mu    sync.Mutex
	order []string
	// accs are the accumulators of the scores in order, which a row that
	// lists its scores in that order, as a run's do, finds without a lookup.
	accs    []*scoreAcc
	rows    int
	errors  int
	scores  map[string]*scoreAcc
	metrics map[string]*metricAcc
	errs    errorGrouper
}

type scoreAcc struct {
	sum           float64
	count, errors int
}

type metricAcc struct {
	sum, min, max float64
	count         int
}

// NewAggregator starts a summary of the named scorers, reported in that order.
func NewAggregator(scorers []string) *Aggregator {
	a := &Aggregator{order: scorers, scores: map[string]*scoreAcc{}, metrics: map[string]*metricAcc{}}
	for _, s := range scorers {
		a.scores[s] = &scoreAcc{}
	}
	for _, s := range scorers {
		a.accs = append(a.accs, a.scores[s])
	}
	return a
}

// Add counts one row.
func (a *Aggregator) Add(r Row) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rows++
	if r.Errored {
		a.errors++
		a.errs.add(r.CaseID, "", r.Error)
	}
	for _, name := range r.ScorerErrors {
		a.errs.add(r.CaseID, name, r.ScorerErrorMessages[name])
	}
	for i, s := range r.Scores {
		acc := a.scoreAt(i, s.Name)
		acc.sum += s.Value
		acc.count++
	}
	for _, name := range r.ScorerErrors {
		a.score(name).errors++
	}
	for name, v := range r.Metrics {
		m, ok := a.metrics[name]
		if !ok {
			m = &metricAcc{min: math.Inf(1), max: math.Inf(-1)}
			a.metrics[strings.Clone(name)] = m
		}
		m.sum += v
		m.count++
		m.min = math.Min(m.min, v)
		m.max = math.Max(m.max, v)
	}
}

// scoreAt is the accumulator of score name, the i-th of its row.
func (a *Aggregator) scoreAt(i int, name string) *scoreAcc {
	if i < len(a.order) && a.order[i] == name {
		return a.accs[i]
	}
	return a.score(name)
}

func (a *Aggregator) score(name string) *scoreAcc {
	acc, ok := a.scores[name]
	if !ok {
		acc = &scoreAcc{}
		kept := strings.Clone(name) // not the caller's row
		a.scores[kept] = acc
		a.order = append(a.order, kept)
		a.accs = append(a.accs, acc)
	}
	return acc
}

// Summary returns the summary so far; cases is the number of distinct cases run.
func (a *Aggregator) Summary(cases int) *Summary {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := &Summary{Cases: cases, Rows: a.rows, Errors: a.errors}
	s.ErrorGroups, s.ErrorMessages = a.errs.top()
	for _, name := range a.order {
		acc := a.scores[name]
		ss := ScoreSummary{Name: name, Count: acc.count, Errors: acc.errors}
		if acc.count > 0 {
			ss.Mean = acc.sum / float64(acc.count)
		}
		s.Scores = append(s.Scores, ss)
	}
	names := make([]string, 0, len(a.metrics))
	for n := range a.metrics {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m := a.metrics[n]
		s.Metrics = append(s.Metrics, MetricSummary{Name: n, Mean: m.sum / float64(m.count), Sum: m.sum, Min: m.min, Max: m.max, Count: m.count})
	}
	return s
}

// Score returns the summary of one scorer, if there is one.
func (s *Summary) Score(name string) (ScoreSummary, bool) {
	for _, sc := range s.Scores {
		if sc.Name == name {
			return sc, true
		}
	}
	return ScoreSummary{}, false
}

// GateEnv is the summary as gates see it. With a comparison, each score's
// has_base, base_mean, diff, improvements, regressions, ci_low, ci_high and
// significant_regression come from it; without one they are zero.
func (s *Summary) GateEnv() spec.GateEnv {
	env := spec.GateEnv{Cases: s.Cases, Rows: s.Rows, Errors: s.Errors,
		Scores: map[string]spec.ScoreStats{}, Metrics: map[string]spec.MetricStats{}}
	for _, sc := range s.Scores {
		env.Scores[sc.Name] = spec.ScoreStats{Mean: sc.Mean, Count: sc.Count, Errors: sc.Errors}
	}
	for _, m := range s.Metrics {
		env.Metrics[m.Name] = spec.MetricStats{Mean: m.Mean, Sum: m.Sum, Min: m.Min, Max: m.Max}
	}
	if s.Comparison != nil {
		for _, d := range s.Comparison.Scores {
			st := env.Scores[d.Name]
			st.HasBase = d.HasBase()
			st.BaseMean, st.Diff = d.BaseMean, d.Diff
			st.Improvements, st.Regressions = d.Improvements, d.Regressions
			st.CILow, st.CIHigh = d.CILow, d.CIHigh
			st.SignificantRegression = d.SignificantRegression
			env.Scores[d.Name] = st
		}
		for _, d := range s.Comparison.Metrics {
			m := env.Metrics[d.Name]
			m.HasBase = d.HasBase()
			m.BaseMean, m.Diff = d.BaseMean, d.Diff
			m.Improvements, m.Regressions = d.Improvements, d.Regressions
			m.CILow, m.CIHigh = d.CILow, d.CIHigh
			m.SignificantRegression = d.SignificantRegression
			env.Metrics[d.Name] = m
		}
	}
	return env
}
