package report

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Limits of what a comparison lists.
const (
	// MaxListedCases is how many ids of cases found on one side only a
	// comparison lists; it counts them all.
	MaxListedCases = 20
	// MaxRegressedCases is how many of the worst regressed cases it lists.
	MaxRegressedCases = 10
	// ChangeEpsilon is the smallest change of a case's value that counts as
	// an improvement or a regression, so that rounding is neither.
	ChangeEpsilon = 1e-9
	// MinResamples is the fewest bootstrap resamples Compare draws.
	MinResamples = 1000
)

// Comparison is an experiment compared with its base, case by case: cases
// are matched by id, and differences are taken over the paired cases only.
type Comparison struct {
	Base string `json:"base"` // the base experiment
	// BaseReason says why base: auto chose Base; empty for a base named.
	BaseReason string `json:"base_reason,omitempty"`
	BaseCases  int    `json:"base_cases"`   // distinct cases of the base
	Paired     int    `json:"paired_cases"` // cases in both
	// OnlyCurrent counts the cases of this experiment that the base does not
	// have; OnlyCurrentIDs lists the first MaxListedCases of them by id.
	OnlyCurrent    int      `json:"only_current"`
	OnlyCurrentIDs []string `json:"only_current_ids,omitempty"`
	// OnlyBase counts the cases of the base that this experiment does not
	// have; OnlyBaseIDs lists the first MaxListedCases of them by id.
	OnlyBase    int      `json:"only_base"`
	OnlyBaseIDs []string `json:"only_base_ids,omitempty"`
	// Confidence, Resamples and Seed are those of the bootstrap intervals.
	Confidence float64 `json:"confidence"`
	Resamples  int     `json:"resamples"`
	Seed       uint64  `json:"seed"`
	// Scores compares each score (higher is better); Metrics each metric
	// (lower is better: duration, tokens, cost).
	Scores  []Delta `json:"scores"`
	Metrics []Delta `json:"metrics,omitempty"`
	// Regressed lists the cases whose scores dropped most, summing the drops
	// (not the rises) of their scores, worst first, at most MaxRegressedCases.
	Regressed []RegressedCase `json:"regressed_cases,omitempty"`
	// RegressedCount counts every paired case with a score lower than in
	// the base, of which Regressed lists the worst.
	RegressedCount int `json:"regressed_count,omitempty"`
}

// Delta compares one score or metric of an experiment with its base.
//
// Mean and BaseMean are each over all the cases of their experiment that
// have the value (for a metric, of the case's mean over its trials), so they
// are what each experiment shows on its own. Diff, Improvements, Regressions
// and the interval are over the Paired cases only: when some cases are on
// one side only, Diff need not equal Mean - BaseMean.
type Delta struct {
	Name      string  `json:"name"`
	Mean      float64 `json:"mean"`
	Count     int     `json:"count"` // cases of this experiment with the value
	BaseMean  float64 `json:"base_mean"`
	BaseCount int     `json:"base_count"` // cases of the base with the value
	Paired    int     `json:"paired"`     // cases with the value on both sides
	// Diff is the mean over paired cases of this experiment's value minus
	// the base's.
	Diff float64 `json:"diff"`
	// Improvements and Regressions count the paired cases whose value got
	// better or worse by more than ChangeEpsilon: up and down for a score,
	// down and up for a metric.
	Improvements int `json:"improvements"`
	Regressions  int `json:"regressions"`
	// CILow and CIHigh bound the paired bootstrap confidence interval of
	// Diff; with fewer than 2 paired cases they equal Diff.
	CILow  float64 `json:"ci_low"`
	CIHigh float64 `json:"ci_high"`
	// SignificantRegression says that the whole interval is on the worse
	// side of zero (below it for a score, above it for a metric), with at
	// least 2 paired cases; SignificantImprovement the better side.
	SignificantRegression  bool `json:"significant_regression"`
	SignificantImprovement bool `json:"significant_improvement"`
}

// HasBase says whether the base has this value at all.
func (d Delta) HasBase() bool { return d.BaseCount > 0 }

// RegressedCase is one of the worst regressed cases.
type RegressedCase struct {
	ID     string        `json:"id"`
	Drop   float64       `json:"drop"`   // the sum of its scores' drops
	Scores []ScoreChange `json:"scores"` // its scores present on both sides
	// Output is the start of the output of its first trial in the current
	// experiment, as text (a JSON string as itself), on one line.
	Output string `json:"output,omitempty"`
}

// ScoreChange is one score of a case before (in the base) and after.
type ScoreChange struct {
	Name   string  `json:"name"`
	Before float64 `json:"before"`
	After  float64 `json:"after"`
}

// CompareOptions describe a comparison.
type CompareOptions struct {
	SummaryOptions        // the current experiment; its Reduction reduces both
	Base           string // the base experiment's name, for display
	BaseReason     string // why it is the base, when base: auto chose it
	// Confidence is the level of the intervals; 0.95 when 0.
	Confidence float64
	// Resamples is the number of bootstrap resamples; MinResamples when
	// fewer.
	Resamples int
	// Seed seeds the bootstrap: the same seed gives the same intervals.
	Seed uint64
	// Workers bound the goroutines of the bootstrap; GOMAXPROCS when 0.
	// The intervals do not depend on it.
	Workers int
}

// Compare summarises the current experiment as Summarize does and compares
// it with base, setting the summary's Comparison. Both experiments' trials
// are reduced with opts.Reduction, and their cases joined on id: means are
// over all the cases of each experiment, differences over the paired cases
// only, and the cases on one side only are counted and listed (see Delta).
//
// Both row streams are read once, at the same time, each on a goroutine of
// its own; memory grows with the number of paired cases only by the per-case
// differences the bootstrap resamples (16 bytes per case per score and
// metric, with the packed copy).
func Compare(current, base RowSource, opts CompareOptions) (*Summary, error) {
	if opts.Confidence == 0 {
		opts.Confidence = 0.95
	}
	if !(opts.Confidence > 0 && opts.Confidence < 1) {
		return nil, fmt.Errorf("comparing with the base experiment%s: confidence %v is not between 0 and 1", prefixSpace(opts.Base), opts.Confidence)
	}
	opts.Resamples = max(opts.Resamples, MinResamples)
	curRed, err := newReducer(opts.Reduction)
	if err != nil {
		return nil, err
	}
	curRed.keepOutput = true
	baseRed, _ := newReducer(opts.Reduction)
	// Each side is read and reduced on its own goroutine, so that two store
	// queries run at once; the merge-join below consumes their batches.
	done := make(chan struct{})
	cur, bas := startSide(current, curRed, done), startSide(base, baseRed, done)
	stop := func() {
		close(done)
		cur.drain()
		bas.drain()
	}

	m := &merger{cur: curRed, base: baseRed, curSide: cur, baseSide: bas}
	a, okA := cur.next()
	b, okB := bas.next()
	for okA || okB {
		if (!okA && cur.err != nil) || (!okB && bas.err != nil) {
			break // a side failed: stop reading the other
		}
		switch {
		case okA && (!okB || a.id < b.id):
			m.onlyCurrent(a)
			a, okA = cur.next()
		case okB && (!okA || b.id < a.id):
			m.onlyBase(b)
			b, okB = bas.next()
		default:
			m.pair(a, b)
			a, okA = cur.next()
			b, okB = bas.next()
		}
	}
	stop()
	if cur.err != nil {
		return nil, fmt.Errorf("reading the current experiment: %w", cur.err)
	}
	if bas.err != nil {
		return nil, fmt.Errorf("reading the base experiment%s: %w", prefixSpace(opts.Base), bas.err)
	}
	sum := m.curAcc.summary(curRed, opts.SummaryOptions)
	sum.Comparison = m.comparison(opts)
	return sum, nil
}

// caseBatchSize is the number of reduced cases a side sends at once.
const caseBatchSize = 512

// caseBatch is a run of reduced cases with their own storage, and the
// names of the reducer's scores and metrics when it was sent (the names
// only grow, so these are safe to read while the reducer goes on).
type caseBatch struct {
	cases                   []reduced
	arena                   []float64
	scoreNames, metricNames []string
}

func (b *caseBatch) add(c *reduced) {
	r := *c
	at := len(b.arena)
	b.arena = append(b.arena, c.scores[:c.scoreN]...)
	b.arena = append(b.arena, c.metrics[:c.metricN]...)
	r.scores = b.arena[at : at+c.scoreN : at+c.scoreN]
	r.metrics = b.arena[at+c.scoreN : at+c.scoreN+c.metricN : at+c.scoreN+c.metricN]
	b.cases = append(b.cases, r)
}

// side reads and reduces one experiment's rows on its own goroutine.
type side struct {
	ch    chan *caseBatch
	err   error // set before ch is closed
	batch *caseBatch
	pos   int
}

func startSide(rows RowSource, d *reducer, done <-chan struct{}) *side {
	s := &side{ch: make(chan *caseBatch, 4)}
	go func() {
		defer close(s.ch)
		b := &caseBatch{cases: make([]reduced, 0, caseBatchSize)}
		send := func() error {
			b.scoreNames, b.metricNames = d.scores.list, d.metrics.list
			select {
			case s.ch <- b:
				b = &caseBatch{cases: make([]reduced, 0, caseBatchSize)}
				return nil
			case <-done:
				return errStop
			}
		}
		err := d.run(rows, func(c *reduced) error {
			b.add(c)
			if len(b.cases) == caseBatchSize {
				return send()
			}
			return nil
		})
		if err == nil && len(b.cases) > 0 {
			err = send()
		}
		if !errors.Is(err, errStop) {
			s.err = err
		}
	}()
	return s
}

// next returns the side's next case; it stays valid until the next call.
func (s *side) next() (*reduced, bool) {
	for s.batch == nil || s.pos == len(s.batch.cases) {
		b, ok := <-s.ch
		if !ok {
			return nil, false
		}
		s.batch, s.pos = b, 0
	}
	s.pos++
	return &s.batch.cases[s.pos-1], true
}

// drain waits for the side's goroutine to end.
func (s *side) drain() {
	for range s.ch {
	}
}

// merger accumulates the joined cases of both sides.
type merger struct {
	cur, base        *reducer
	curSide          *side
	baseSide         *side
	curAcc, baseAcc  caseAcc
	paired           int
	onlyCur, onlyBas []string
	nOnlyCur         int
	nOnlyBas         int
	scores, metrics  dims
	worst            []RegressedCase
	regressed        int
	// scratch, by score dim: the two sides' values of the case being paired
	cv, bv []float64
}

// dims are the scores or metrics of both sides, each with the per-case
// differences of the paired cases.
type dims struct {
	names    names
	curDim   []int // side index -> dim
	baseDim  []int
	diffs    [][]float64 // by dim, by paired case; NaN where a side lacks it
	up, down []int
}

func (d *dims) sync(sideNames []string, m *[]int, paired int) {
	for len(*m) < len(sideNames) {
		i := d.names.of(sideNames[len(*m)])
		*m = append(*m, i)
		for len(d.diffs) <= i {
			col := make([]float64, paired, max(paired, 1024))
			for j := range col {
				col[j] = math.NaN()
			}
			d.diffs = append(d.diffs, col)
			d.up = append(d.up, 0)
			d.down = append(d.down, 0)
		}
	}
}

// scatter puts a side's values into out, by dim, NaN where absent.
func scatter(vals []float64, dim []int, out []float64) {
	for i, v := range vals {
		out[dim[i]] = v
	}
}

func (m *merger) onlyCurrent(c *reduced) {
	m.curAcc.add(c)
	m.nOnlyCur++
	if len(m.onlyCur) < MaxListedCases {
		m.onlyCur = append(m.onlyCur, c.id)
	}
}

func (m *merger) onlyBase(c *reduced) {
	m.baseAcc.add(c)
	m.nOnlyBas++
	if len(m.onlyBas) < MaxListedCases {
		m.onlyBas = append(m.onlyBas, c.id)
	}
}

func (m *merger) pair(a, b *reduced) {
	m.curAcc.add(a)
	m.baseAcc.add(b)
	cb, bb := m.curSide.batch, m.baseSide.batch // a's and b's
	m.scores.sync(cb.scoreNames, &m.scores.curDim, m.paired)
	m.scores.sync(bb.scoreNames, &m.scores.baseDim, m.paired)
	m.metrics.sync(cb.metricNames, &m.metrics.curDim, m.paired)
	m.metrics.sync(bb.metricNames, &m.metrics.baseDim, m.paired)
	if drop := m.pairDims(&m.scores, a.scores[:a.scoreN], b.scores[:b.scoreN], 1); drop > ChangeEpsilon {
		m.regressed++
		m.noteRegressed(a, drop)
	}
	m.pairDims(&m.metrics, a.metrics[:a.metricN], b.metrics[:b.metricN], -1)
	m.paired++
}

// pairDims appends the differences of one paired case and returns the sum
// of its drops; sign is 1 where higher is better, -1 where lower is.
func (m *merger) pairDims(d *dims, cur, base []float64, sign float64) float64 {
	n := len(d.diffs)
	m.cv, m.bv = nanFill(m.cv, n), nanFill(m.bv, n)
	scatter(cur, d.curDim, m.cv)
	scatter(base, d.baseDim, m.bv)
	drop := 0.0
	for i := range n {
		diff := m.cv[i] - m.bv[i] // NaN when either is absent
		d.diffs[i] = append(d.diffs[i], diff)
		switch better := sign * diff; {
		case better > ChangeEpsilon:
			d.up[i]++
		case better < -ChangeEpsilon:
			d.down[i]++
			drop -= better
		}
	}
	return drop
}

func nanFill(s []float64, n int) []float64 {
	s = grow(s, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// noteRegressed keeps the case if it is among the worst so far; m.cv and
// m.bv still hold its scores.
func (m *merger) noteRegressed(c *reduced, drop float64) {
	id := c.id
	if len(m.worst) == MaxRegressedCases && drop <= m.worst[len(m.worst)-1].Drop {
		return
	}
	rc := RegressedCase{ID: id, Drop: drop, Output: outputText(c.output)}
	for i, name := range m.scores.names.list {
		if !math.IsNaN(m.cv[i]) && !math.IsNaN(m.bv[i]) {
			rc.Scores = append(rc.Scores, ScoreChange{Name: name, Before: m.bv[i], After: m.cv[i]})
		}
	}
	// Ids ascend, so among equal drops the earlier id stays first.
	at := sort.Search(len(m.worst), func(i int) bool { return m.worst[i].Drop < drop })
	m.worst = append(m.worst, RegressedCase{})
	copy(m.worst[at+1:], m.worst[at:])
	m.worst[at] = rc
	if len(m.worst) > MaxRegressedCases {
		m.worst = m.worst[:MaxRegressedCases]
	}
}

// comparison computes the intervals and assembles the Comparison.
func (m *merger) comparison(opts CompareOptions) *Comparison {
	c := &Comparison{Base: opts.Base, BaseReason: opts.BaseReason, BaseCases: m.baseAcc.cases, Paired: m.paired,
		OnlyCurrent: m.nOnlyCur, OnlyCurrentIDs: m.onlyCur, OnlyBase: m.nOnlyBas, OnlyBaseIDs: m.onlyBas,
		Confidence: opts.Confidence, Resamples: opts.Resamples, Seed: opts.Seed, Regressed: m.worst, RegressedCount: m.regressed}
	cols := append(append([][]float64(nil), m.scores.diffs...), m.metrics.diffs...)
	lo, hi := bootstrap(cols, m.paired, opts.Confidence, opts.Resamples, opts.Seed, opts.Workers)
	ns := len(m.scores.diffs)
	c.Scores = m.deltas(&m.scores, m.cur.scores.index, m.base.scores.index, &m.curAcc.scores, &m.baseAcc.scores, lo[:ns], hi[:ns], 1, opts.Scorers)
	c.Metrics = m.deltas(&m.metrics, m.cur.metrics.index, m.base.metrics.index, &m.curAcc.metrics, &m.baseAcc.metrics, lo[ns:], hi[ns:], -1, nil)
	rank := map[string]int{}
	for i, d := range c.Scores {
		rank[d.Name] = i
	}
	for _, rc := range c.Regressed {
		sort.Slice(rc.Scores, func(i, j int) bool { return rank[rc.Scores[i].Name] < rank[rc.Scores[j].Name] })
	}
	return c
}

func (m *merger) deltas(d *dims, curIdx, baseIdx map[string]int, curAcc, baseAcc *meanAcc, lo, hi []float64, sign float64, declared []string) []Delta {
	// Names on one side only, which never met a paired case, are dims too.
	for n := range curIdx {
		d.names.of(n)
	}
	for n := range baseIdx {
		d.names.of(n)
	}
	var order []string
	if declared != nil {
		order = scoreOrder(declared, d.names.list, nil)
	} else {
		order = append(order, d.names.list...)
		sort.Strings(order)
	}
	out := make([]Delta, 0, len(order))
	for _, name := range order {
		i, ok := d.names.index[name]
		if !ok { // declared but never seen
			continue
		}
		dl := Delta{Name: name}
		dl.Mean, dl.Count = curAcc.mean(indexOr(curIdx, name))
		dl.BaseMean, dl.BaseCount = baseAcc.mean(indexOr(baseIdx, name))
		if i < len(d.diffs) {
			sum := 0.0
			for _, v := range d.diffs[i] {
				if !math.IsNaN(v) {
					sum += v
					dl.Paired++
				}
			}
			if dl.Paired > 0 {
				dl.Diff = sum / float64(dl.Paired)
			}
			dl.Improvements, dl.Regressions = d.up[i], d.down[i]
			dl.CILow, dl.CIHigh = dl.Diff, dl.Diff
			if dl.Paired >= 2 {
				dl.CILow, dl.CIHigh = lo[i], hi[i]
				worse, better := dl.CIHigh < -ChangeEpsilon, dl.CILow > ChangeEpsilon
				if sign < 0 {
					worse, better = better, worse
				}
				dl.SignificantRegression, dl.SignificantImprovement = worse, better
			}
		}
		out = append(out, dl)
	}
	return out
}

func indexOr(idx map[string]int, name string) int {
	if i, ok := idx[name]; ok {
		return i
	}
	return -1
}

func prefixSpace(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}
