package view

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"

	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/store"
)

// experimentData is the page of one experiment.
type experimentData struct {
	Exp        *store.Experiment
	Base       *store.Experiment
	Summary    *report.Summary
	Scores     []scoreLine
	Metrics    []metricLine
	Histograms []histogram
	Errors     []errorGroup
	ErrorRows  int
	Parameters string
	Metadata   string
	Feedback   []feedbackSummary
	Reading    bool // the rows are being read: no histograms yet
}

// scoreLine is one score of the summary with its comparison.
type scoreLine struct {
	report.ScoreSummary
	Delta   *report.Delta
	Diff    float64 // NaN without a base
	HasBase bool
}

type metricLine struct {
	report.MetricSummary
	Delta *report.Delta
	Diff  float64
}

// readInlineRows is the size up to which an experiment's rows are read
// into the index while its first page waits: a few tenths of a second.
// Larger ones are first served by the store's queries.
const readInlineRows = 20_000

// maxErrorGroups is how many error messages the experiment page lists.
const maxErrorGroups = 50

func (s *Server) handleExperiment(w http.ResponseWriter, r *http.Request) {
	e, ok := s.experiment(w, r, r.PathValue("id"))
	if !ok {
		return
	}
	d := experimentData{Exp: e, Parameters: prettyJSON(e.Parameters), Metadata: prettyJSON(e.Metadata)}
	if e.Base != "" {
		if b, err := s.db.Experiment(r.Context(), "", e.Base); err == nil {
			d.Base = b
		}
	}
	var err error
	if rq, ok := s.db.(store.RowQuerier); ok && e.Rows > s.inlineRows && e.Status != store.StatusRunning && len(e.Summary) > 0 && !s.indexes.fresh(e) {
		// A finished experiment not read yet: its stored summary and the
		// store's query of its errors now, the histograms once read.
		s.indexes.warm(context.WithoutCancel(r.Context()), e)
		d.Summary, err = s.summary(r.Context(), e, nil, d.Base)
		if err == nil {
			d.Errors, err = queriedErrorGroups(r.Context(), rq, e.ID)
		}
		d.Reading = true
	} else {
		err = s.indexedExperiment(r.Context(), &d)
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	d.Scores, d.Metrics = scoreLines(d.Summary)
	for _, g := range d.Errors {
		d.ErrorRows += g.Count
	}
	if len(d.Errors) > maxErrorGroups {
		d.Errors = d.Errors[:maxErrorGroups]
	}
	d.Feedback = s.feedbackSummary(r.Context(), e.ID)
	s.render(w, "experiment.html", page{Title: e.Name, Live: e.Status == store.StatusRunning, State: stateOf(e), Data: d})
}

// indexedExperiment fills the summary, histograms and errors of the
// experiment page from the index of the experiment's rows.
func (s *Server) indexedExperiment(ctx context.Context, d *experimentData) error {
	ix, err := s.indexes.get(ctx, d.Exp)
	if err != nil {
		return err
	}
	if d.Summary, err = s.summary(ctx, d.Exp, ix, d.Base); err != nil {
		return err
	}
	for i, name := range ix.scores {
		d.Histograms = append(d.Histograms, histogramOf(name, ix, i))
	}
	d.Errors = ix.errorGroups(5)
	return nil
}

// maxQueriedErrors bounds the errored rows read to group errors by message
// before the index is read.
const maxQueriedErrors = 20_000

// queriedErrorGroups groups the errored rows the store's query returns.
func queriedErrorGroups(ctx context.Context, rq store.RowQuerier, id string) ([]errorGroup, error) {
	rows, _, err := rq.QueryRows(ctx, id, store.RowQuery{Errored: true, Limit: maxQueriedErrors})
	if err != nil {
		return nil, err
	}
	ix := &index{items: make([]item, len(rows))}
	for i := range rows {
		ix.items[i] = item{caseID: rows[i].CaseID, trial: rows[i].Trial, err: rows[i].Error}
	}
	return ix.errorGroups(5), nil
}

// experiment finds the experiment of a request, answering 404 when there is none.
func (s *Server) experiment(w http.ResponseWriter, r *http.Request, id string) (*store.Experiment, bool) {
	e, err := s.db.Experiment(r.Context(), "", id)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, "experiment "+id)
		return nil, false
	}
	if err != nil {
		s.fail(w, err)
		return nil, false
	}
	return e, true
}

// summary is the summary the run stored, or, while the experiment runs or
// when it stored none, one computed from the rows so far.
func (s *Server) summary(ctx context.Context, e *store.Experiment, ix *index, base *store.Experiment) (*report.Summary, error) {
	var sum report.Summary
	if e.Status != store.StatusRunning && len(e.Summary) > 0 && json.Unmarshal(e.Summary, &sum) == nil {
		return &sum, nil
	}
	if ix == nil {
		var err error
		if ix, err = s.indexes.get(ctx, e); err != nil {
			return nil, err
		}
	}
	opts := report.SummaryOptions{Eval: e.Eval, Experiment: e.Name, Status: e.Status}
	if base == nil {
		return report.Summarize(ix.rowSource(), opts)
	}
	bix, err := s.indexes.get(ctx, base)
	if err != nil {
		return nil, err
	}
	return report.Compare(ix.rowSource(), bix.rowSource(), report.CompareOptions{SummaryOptions: opts, Base: base.Name})
}

// rowSource streams the index's rows, with their scores, metrics and errors
// only, for report.Summarize and report.Compare.
func (ix *index) rowSource() report.RowSource {
	return func(fn func(*store.Row) error) error {
		for i := range ix.items {
			it := &ix.items[i]
			r := &store.Row{CaseID: it.caseID, Trial: it.trial, Error: it.err,
				Scores: unfill(it.scores, ix.scores), Metrics: unfill(it.metrics, ix.metrics)}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func unfill(vals []float64, names []string) map[string]float64 {
	var m map[string]float64
	for i, v := range vals {
		if !math.IsNaN(v) {
			if m == nil {
				m = make(map[string]float64, len(vals))
			}
			m[names[i]] = v
		}
	}
	return m
}

func scoreLines(sum *report.Summary) ([]scoreLine, []metricLine) {
	deltas := map[string]*report.Delta{}
	metricDeltas := map[string]*report.Delta{}
	if c := sum.Comparison; c != nil {
		for i := range c.Scores {
			deltas[c.Scores[i].Name] = &c.Scores[i]
		}
		for i := range c.Metrics {
			metricDeltas[c.Metrics[i].Name] = &c.Metrics[i]
		}
	}
	var scores []scoreLine
	for _, sc := range sum.Scores {
		l := scoreLine{ScoreSummary: sc, Diff: math.NaN()}
		if l.Count == 0 {
			l.Mean = math.NaN()
		}
		if d := deltas[sc.Name]; d != nil && d.HasBase() {
			l.Delta, l.HasBase = d, true
			if d.Paired > 0 {
				l.Diff = d.Diff
			}
		}
		scores = append(scores, l)
	}
	var metrics []metricLine
	for _, m := range sum.Metrics {
		l := metricLine{MetricSummary: m, Diff: math.NaN()}
		if d := metricDeltas[m.Name]; d != nil && d.HasBase() && d.Paired > 0 {
			l.Delta, l.Diff = d, d.Diff
		}
		metrics = append(metrics, l)
	}
	return scores, metrics
}

// stateOf is what the live refresh compares: the status and the row count.
func stateOf(e *store.Experiment) string {
	return e.Status + ":" + itoa(e.Rows)
}

// handleState answers the live refresh's poll.
func (s *Server) handleState(w http.ResponseWriter, r *http.Request) {
	e, ok := s.experiment(w, r, r.PathValue("id"))
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{"status": e.Status, "rows": e.Rows}) //nolint:errcheck // the client went away
}
