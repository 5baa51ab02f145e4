package report

import (
	"math"
	"sort"
)

// SummaryOptions describe the experiment Summarize reads.
type SummaryOptions struct {
	Eval       string
	Experiment string
	Status     string
	Duration   float64 // seconds the run took, when known
	// Scorers lists the scorers in the order to report them; they are
	// reported even when no case has their score. Other scores follow, by name.
	Scorers   []string
	Reduction Reduction
}

// Summarize builds the summary of an experiment from its stored rows, in one
// pass, holding one case at a time:
//
//   - cases, rows and errors (rows whose task failed);
//   - per score, the mean over cases of the score reduced over the case's
//     trials (Reduction), count the cases that have it, errors the rows on
//     which its scorer failed;
//   - per metric, mean, sum, min and max over rows, so that sum is the
//     total (of cost, of tokens) across trials.
//
// With one trial per case this is what the Aggregator gives during a run.
func Summarize(rows RowSource, opts SummaryOptions) (*Summary, error) {
	d, err := newReducer(opts.Reduction)
	if err != nil {
		return nil, err
	}
	var acc caseAcc
	if err := d.run(rows, func(c *reduced) error { acc.add(c); return nil }); err != nil {
		return nil, err
	}
	return acc.summary(d, opts), nil
}

// caseAcc sums reduced scores and per-case metric means over cases.
type caseAcc struct {
	cases   int
	scores  meanAcc // by score index
	metrics meanAcc // by metric index
}

func (a *caseAcc) add(c *reduced) {
	a.cases++
	a.scores.add(c.scores[:c.scoreN])
	a.metrics.add(c.metrics[:c.metricN])
}

// meanAcc sums values by index, skipping NaN.
type meanAcc struct {
	sum   []float64
	count []int
}

func (a *meanAcc) add(vals []float64) {
	for len(a.sum) < len(vals) {
		a.sum = append(a.sum, 0)
		a.count = append(a.count, 0)
	}
	for i, v := range vals {
		if !math.IsNaN(v) {
			a.sum[i] += v
			a.count[i]++
		}
	}
}

// mean returns the mean and count of index i.
func (a *meanAcc) mean(i int) (float64, int) {
	if i < 0 || i >= len(a.count) || a.count[i] == 0 {
		return 0, 0
	}
	return a.sum[i] / float64(a.count[i]), a.count[i]
}

// summary assembles the Summary of the cases d reduced.
func (a *caseAcc) summary(d *reducer, opts SummaryOptions) *Summary {
	s := &Summary{Eval: opts.Eval, Experiment: opts.Experiment, Status: opts.Status, Duration: opts.Duration,
		Cases: a.cases, Rows: d.rs.rows, Errors: d.rs.errors}
	s.ErrorGroups, s.ErrorMessages = d.rs.errs.top()
	for _, name := range scoreOrder(opts.Scorers, d.scores.list, d.rs.scorerErrors) {
		ss := ScoreSummary{Name: name, Errors: d.rs.scorerErrors[name]}
		if i, ok := d.scores.index[name]; ok {
			ss.Mean, ss.Count = a.scores.mean(i)
		}
		s.Scores = append(s.Scores, ss)
	}
	order := make([]int, len(d.metrics.list))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(x, y int) bool { return d.metrics.list[order[x]] < d.metrics.list[order[y]] })
	for _, i := range order {
		m := d.rs.metrics[i]
		s.Metrics = append(s.Metrics, MetricSummary{Name: d.metrics.list[i], Mean: m.sum / float64(m.count),
			Sum: m.sum, Min: m.min, Max: m.max, Count: m.count})
	}
	return s
}

// scoreOrder lists the declared scorers, then every other name seen, sorted.
func scoreOrder(declared []string, seen []string, errs map[string]int) []string {
	out := append([]string(nil), declared...)
	known := map[string]bool{}
	for _, n := range declared {
		known[n] = true
	}
	var rest []string
	for _, n := range seen {
		if !known[n] {
			known[n] = true
			rest = append(rest, n)
		}
	}
	for n := range errs {
		if !known[n] {
			known[n] = true
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}
