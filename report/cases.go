package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// RowSource streams the rows of one experiment in (case_id, trial) order: see
// store.RowSource.
type RowSource = store.RowSource

// RowReader is what StoreRows needs of a store.
type RowReader interface {
	Rows(ctx context.Context, experimentID string, fn func(*store.Row) error) error
}

// StoreRows is the RowSource of one experiment of a store.
func StoreRows(ctx context.Context, s RowReader, experimentID string) RowSource {
	return func(fn func(*store.Row) error) error { return s.Rows(ctx, experimentID, fn) }
}

// RowSlice is a RowSource over rows held in memory, which must already be in
// (case_id, trial) order.
func RowSlice(rows []*store.Row) RowSource {
	return func(fn func(*store.Row) error) error {
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
}

// CaseSource streams the results of an experiment's cases in case id order.
type CaseSource func(fn func(*CaseResult) error) error

// CaseSlice is a CaseSource over results held in memory.
func CaseSlice(cases []CaseResult) CaseSource {
	return func(fn func(*CaseResult) error) error {
		for i := range cases {
			if err := fn(&cases[i]); err != nil {
				return err
			}
		}
		return nil
	}
}

// CaseResult is one case of an experiment, its trials reduced to one result.
type CaseResult struct {
	ID     string
	Trials int // rows of the case
	// Scores holds each score reduced over the trials where it is present,
	// by its reducer. A score absent from every trial is absent here.
	Scores map[string]float64
	// Errored says that at least one trial's task failed; Error is the first
	// such failure.
	Errored bool
	Error   string
	// Passed says that every trial passed the eval's `pass` expression, or,
	// without one, that every trial ran without a task or scorer error and
	// each of its present scores is at least 0.5.
	Passed bool
	// PassError is the first error of the `pass` expression, which fails
	// the trial it happened on.
	PassError string
	// ScorerError is the first scorer failure of the case, as "NAME:
	// message"; without a `pass` expression it fails the trial.
	ScorerError string
	// Metrics holds each metric's mean over the trials that have it.
	Metrics map[string]float64
	// Duration is the sum of the trials' duration metric, in seconds.
	Duration float64
}

// The reducers of trial scores.
const (
	ReduceMean     = "mean"
	ReduceMin      = "min"
	ReduceMax      = "max"
	ReduceMedian   = "median"
	ReducePassAtK  = "pass_at_k"  // 1 when any trial reaches PassScore, else 0
	ReducePassAllK = "pass_all_k" // 1 when every trial reaches PassScore, else 0
)

// Reduction says how the trials of a case become one CaseResult.
// ReductionOf builds the one an eval declares.
type Reduction struct {
	// Reduce is the reducer of scores that ScoreReduce does not name; mean
	// when empty.
	Reduce string
	// ScoreReduce overrides Reduce for some scores, by score name.
	ScoreReduce map[string]string
	// PassScore is the score at which a trial passes, for pass_at_k and
	// pass_all_k. Its zero value is a real threshold: every score passes.
	PassScore float64
	// Pass is the compiled `pass` expression (scope spec.ScopeCase), run
	// once per trial with a spec.CaseEnv; nil for the default rule.
	Pass *vm.Program
}

// ReductionOf returns the reduction an eval declares: its reduce, each
// scorer's reduce, its pass_score, and its pass expression compiled with
// opts, which must define the helper functions expressions may call
// (scorers.ExprFunctions).
func ReductionOf(ev *spec.Eval, opts ...expr.Option) (Reduction, error) {
	r := Reduction{Reduce: ev.Reduce, PassScore: ev.PassScore}
	for _, sc := range ev.Scorers {
		if sc.Reduce != "" {
			if r.ScoreReduce == nil {
				r.ScoreReduce = map[string]string{}
			}
			r.ScoreReduce[sc.Name] = sc.Reduce
		}
	}
	if ev.Pass != nil {
		prog, err := ev.Pass.Compile(spec.ScopeCase, opts...)
		if err != nil {
			return Reduction{}, fmt.Errorf("compiling the pass expression: %w", err)
		}
		r.Pass = prog
	}
	return r, r.validate()
}

// StoredReductionOf is the reduction an eval declares as an experiment
// keeps it (store.Experiment.Reduction), so a comparison made later reads the
// keys as they were, not today's file.
func StoredReductionOf(ev *spec.Eval) *store.Reduction {
	r := &store.Reduction{Reduce: ev.Reduce, PassScore: ev.PassScore}
	for _, sc := range ev.Scorers {
		if sc.Reduce != "" {
			if r.ScoreReduce == nil {
				r.ScoreReduce = map[string]string{}
			}
			r.ScoreReduce[sc.Name] = sc.Reduce
		}
	}
	if ev.Pass != nil {
		r.Pass = ev.Pass.Code
	}
	return r
}

// ReductionFromStored compiles the reduction an experiment kept, its pass
// expression with opts (scorers.ExprFunctions); where names the experiment in
// an error.
func ReductionFromStored(sr *store.Reduction, where string, opts ...expr.Option) (Reduction, error) {
	r := Reduction{Reduce: sr.Reduce, ScoreReduce: sr.ScoreReduce, PassScore: sr.PassScore}
	if sr.Pass != "" {
		prog, err := spec.Expr{Code: sr.Pass, File: where}.Compile(spec.ScopeCase, opts...)
		if err != nil {
			return Reduction{}, fmt.Errorf("compiling the stored pass expression: %w", err)
		}
		r.Pass = prog
	}
	return r, r.validate()
}

func (r Reduction) validate() error {
	if err := checkReducer(r.Reduce); err != nil {
		return err
	}
	for name, red := range r.ScoreReduce {
		if err := checkReducer(red); err != nil {
			return fmt.Errorf("score %q: %w", name, err)
		}
	}
	return nil
}

func checkReducer(name string) error {
	switch name {
	case "", ReduceMean, ReduceMin, ReduceMax, ReduceMedian, ReducePassAtK, ReducePassAllK:
		return nil
	}
	return fmt.Errorf("unknown reducer %q: use mean, min, max, median, pass_at_k or pass_all_k", name)
}

// reducerOf returns the reducer of a score.
func (r Reduction) reducerOf(score string) string {
	if red := r.ScoreReduce[score]; red != "" {
		return red
	}
	if r.Reduce == "" {
		return ReduceMean
	}
	return r.Reduce
}

// Cases reduces a stream of rows to one CaseResult per case. Only the rows of
// one case are held at a time. Each CaseResult is new and may be kept.
func Cases(rows RowSource, r Reduction) CaseSource {
	return func(fn func(*CaseResult) error) error {
		red, err := newReducer(r)
		if err != nil {
			return err
		}
		return red.run(rows, func(c *reduced) error { return fn(red.result(c)) })
	}
}

// names interns the names of scores or metrics to small indices.
type names struct {
	list  []string
	index map[string]int
}

func (n *names) of(name string) int {
	i, ok := n.index[name]
	if !ok {
		if n.index == nil {
			n.index = map[string]int{}
		}
		i = len(n.list)
		n.index[name] = i
		n.list = append(n.list, name)
	}
	return i
}

// reduced is one reduced case. scores and metrics are indexed as the
// reducer's names, NaN where absent; they are reused for the next case.
type reduced struct {
	id              string
	trials          int
	errored, passed bool
	err, passErr    string
	scorerErr       string
	output          string // the start of the first trial's output, when the reducer keeps it
	duration        float64
	scores, metrics []float64
	scoreN, metricN int // valid lengths of scores and metrics
}

// rowStats is what a summary counts over rows rather than cases.
type rowStats struct {
	rows, errors int
	scorerErrors map[string]int
	metrics      []metricAcc // by metric index
	errs         errorGrouper
}

// reducer turns rows into reduced cases, one case at a time.
type reducer struct {
	red     Reduction
	kinds   []string // reducer of each score index
	scores  names
	metrics names
	rs      rowStats
	cur     reduced
	vals    [][]float64 // trial values of each score index
	msum    []float64
	mcnt    []int
	started bool
	// keepOutput keeps the start of each case's first output (outputHead).
	keepOutput bool
}

// errStop ends a row stream early without an error of its own.
var errStop = errors.New("stop")

func newReducer(r Reduction) (*reducer, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &reducer{red: r, rs: rowStats{scorerErrors: map[string]int{}}}, nil
}

// run feeds every row to the reducer and calls emit with each case.
func (d *reducer) run(rows RowSource, emit func(*reduced) error) error {
	err := rows(func(row *store.Row) error {
		if d.started && row.CaseID != d.cur.id {
			if row.CaseID < d.cur.id {
				return fmt.Errorf("rows out of order: case %q after %q; rows must be sorted by case id", row.CaseID, d.cur.id)
			}
			if err := emit(d.finish()); err != nil {
				return err
			}
		}
		if !d.started || row.CaseID != d.cur.id {
			d.begin(row.CaseID)
		}
		d.add(row)
		return nil
	})
	if err != nil {
		return err
	}
	if d.started {
		return emit(d.finish())
	}
	return nil
}

func (d *reducer) begin(id string) {
	d.started = true
	d.cur.id, d.cur.trials = id, 0
	d.cur.errored, d.cur.passed = false, true
	d.cur.err, d.cur.passErr, d.cur.scorerErr, d.cur.output, d.cur.duration = "", "", "", "", 0
	for i := range d.vals {
		d.vals[i] = d.vals[i][:0]
	}
	clear(d.msum)
	clear(d.mcnt)
}

func (d *reducer) add(row *store.Row) {
	c := &d.cur
	c.trials++
	d.rs.rows++
	if d.keepOutput && c.trials == 1 {
		c.output = outputHead(row.Output)
	}
	if row.Error != "" {
		d.rs.errors++
		if !c.errored {
			c.errored, c.err = true, row.Error
		}
	}
	for name, v := range row.Scores {
		i := d.scores.of(name)
		if i == len(d.vals) {
			d.vals = append(d.vals, nil)
			d.kinds = append(d.kinds, d.red.reducerOf(name))
		}
		d.vals[i] = append(d.vals[i], v)
	}
	for name, v := range row.Metrics {
		i := d.metrics.of(name)
		if i == len(d.msum) {
			d.msum = append(d.msum, 0)
			d.mcnt = append(d.mcnt, 0)
			d.rs.metrics = append(d.rs.metrics, metricAcc{min: math.Inf(1), max: math.Inf(-1)})
		}
		d.msum[i] += v
		d.mcnt[i]++
		m := &d.rs.metrics[i]
		m.sum += v
		m.count++
		m.min = math.Min(m.min, v)
		m.max = math.Max(m.max, v)
		if name == "duration" {
			c.duration += v
		}
	}
	scorerErr := d.scorerErrors(row)
	if c.scorerErr == "" {
		c.scorerErr = scorerErr
	}
	if c.passed { // the first failed trial decides
		ok, perr := d.trialPassed(row, scorerErr != "")
		c.passed = ok
		if perr != nil {
			c.passErr = perr.Error()
		}
	}
}

// scorerErrors counts the scorers that failed on a row (store.Row's
// ScorerErrors) and returns the first failure, by scorer name, as
// "NAME: message".
func (d *reducer) scorerErrors(row *store.Row) string {
	for name := range row.ScorerErrors {
		d.rs.scorerErrors[name]++
	}
	d.rs.errs.addRow(row.CaseID, row.Error, row.ScorerErrors)
	return row.FirstScorerError()
}

// trialPassed runs the pass expression, or the default rule, on one row.
func (d *reducer) trialPassed(row *store.Row, scorerFailed bool) (bool, error) {
	if d.red.Pass == nil {
		if row.Error != "" || scorerFailed {
			return false, nil
		}
		for _, v := range row.Scores {
			if v < 0.5 {
				return false, nil
			}
		}
		return true, nil
	}
	env := spec.CaseEnv{Scores: row.Scores, Errored: row.Error != "", Error: row.Error, Metrics: row.Metrics, Tags: row.Tags}
	var err error
	if env.Input, err = decodeAny(row.Input); err == nil {
		if env.Output, err = decodeAny(row.Output); err == nil {
			if env.Expected, err = decodeAny(row.Expected); err == nil && len(row.Metadata) > 0 {
				err = json.Unmarshal(row.Metadata, &env.Metadata)
			}
		}
	}
	if err != nil {
		return false, fmt.Errorf("decoding case %q trial %d: %w", row.CaseID, row.Trial, err)
	}
	if env.Scores == nil {
		env.Scores = map[string]float64{}
	}
	if env.Metrics == nil {
		env.Metrics = map[string]float64{}
	}
	v, err := expr.Run(d.red.Pass, env)
	if err != nil {
		return false, fmt.Errorf("pass expression on trial %d: %w", row.Trial, err)
	}
	b, _ := v.(bool)
	return b, nil
}

func decodeAny(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var v any
	err := json.Unmarshal(raw, &v)
	return v, err
}

// finish reduces the current case's trials.
func (d *reducer) finish() *reduced {
	c := &d.cur
	c.scoreN, c.metricN = len(d.vals), len(d.msum)
	c.scores = grow(c.scores, c.scoreN)
	for i, vals := range d.vals {
		c.scores[i] = reduceValues(d.kinds[i], vals, d.red.PassScore)
	}
	c.metrics = grow(c.metrics, c.metricN)
	for i, s := range d.msum {
		c.metrics[i] = math.NaN()
		if d.mcnt[i] > 0 {
			c.metrics[i] = s / float64(d.mcnt[i])
		}
	}
	return c
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n, max(n, 2*cap(s)))
	}
	return s[:n]
}

// reduceValues reduces one score's trial values; NaN when there are none.
// It may reorder vals.
func reduceValues(kind string, vals []float64, passScore float64) float64 {
	if len(vals) == 0 {
		return math.NaN()
	}
	switch kind {
	case ReduceMin:
		return slices.Min(vals)
	case ReduceMax:
		return slices.Max(vals)
	case ReduceMedian:
		sort.Float64s(vals)
		n := len(vals)
		if n%2 == 1 {
			return vals[n/2]
		}
		return (vals[n/2-1] + vals[n/2]) / 2
	case ReducePassAtK:
		for _, v := range vals {
			if v >= passScore {
				return 1
			}
		}
		return 0
	case ReducePassAllK:
		for _, v := range vals {
			if v < passScore {
				return 0
			}
		}
		return 1
	}
	sum := 0.0
	for _, v := range vals {
		sum += v
	}
	return sum / float64(len(vals))
}

// result copies a reduced case into a new CaseResult.
func (d *reducer) result(c *reduced) *CaseResult {
	out := &CaseResult{ID: c.id, Trials: c.trials, Errored: c.errored, Error: c.err,
		Passed: c.passed, PassError: c.passErr, ScorerError: c.scorerErr, Duration: c.duration,
		Scores: map[string]float64{}, Metrics: map[string]float64{}}
	for i, v := range c.scores[:c.scoreN] {
		if !math.IsNaN(v) {
			out.Scores[d.scores.list[i]] = v
		}
	}
	for i, v := range c.metrics[:c.metricN] {
		if !math.IsNaN(v) {
			out.Metrics[d.metrics.list[i]] = v
		}
	}
	return out
}
