package view

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"sort"

	"github.com/caliperhq/caliper/store"
)

// caseData is the page of one case: its trials side by side.
type caseData struct {
	Exp         *store.Experiment
	Base        *store.Experiment
	CaseID      string
	Input       string
	Expected    string
	HasExpected bool
	Metadata    string
	Tags        []string
	Trials      []trialView
	Feedback    []feedbackView
	Reviewer    string
	ScoreNames  []string // names a reviewer may score, from the case's scores
	// ReadOnly says why feedback cannot be given; empty when it can.
	ReadOnly string
	// Attachments are the files the case's input, expected and metadata
	// refer to.
	Attachments []attachmentView
}

// trialView is one trial of a case.
type trialView struct {
	Trial        int
	Output       string
	Error        string
	Scores       []scoreView
	Metrics      []metricValue
	Spans        []spanGroup
	DiffExpected []diffOp
	BaseOutput   string
	HasBase      bool
	DiffBase     []diffOp
	Transcript   []transcriptMessage // an agent task's messages (transcript.go)
	StopReason   string
}

type scoreView struct {
	Name    string
	Value   float64
	Base    float64 // NaN without a base value
	Choice  string
	Reasons string
	Error   string
	Meta    string // the rest of the score's metadata, pretty-printed
}

type metricValue struct {
	Name  string
	Value float64
}

// errStop ends a scan of rows early.
var errStop = errors.New("stop")

// CaseRows reads the rows of one case of an experiment, in trial order,
// through store.CaseReader when the store has it.
func CaseRows(ctx context.Context, db store.Store, experimentID, caseID string) ([]*store.Row, error) {
	var rows []*store.Row
	keep := func(r *store.Row) error { rows = append(rows, r); return nil }
	if cr, ok := db.(store.CaseReader); ok {
		return rows, cr.CaseRows(ctx, experimentID, caseID, keep)
	}
	err := db.Rows(ctx, experimentID, func(r *store.Row) error {
		switch {
		case r.CaseID == caseID:
			return keep(r)
		case r.CaseID > caseID:
			return errStop
		}
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return rows, err
}

func (s *Server) handleCase(w http.ResponseWriter, r *http.Request) {
	e, ok := s.experiment(w, r, r.PathValue("id"))
	if !ok {
		return
	}
	id := r.PathValue("case")
	rows, err := CaseRows(r.Context(), s.db, e.ID, id)
	if err != nil {
		s.fail(w, err)
		return
	}
	if len(rows) == 0 {
		s.notFound(w, "case "+id+" of experiment "+e.Name)
		return
	}
	d := caseData{Exp: e, CaseID: id, Reviewer: s.reviewer, ReadOnly: s.readOnly}
	first := rows[0]
	d.Input, d.Expected, d.HasExpected = prettyJSON(first.Input), prettyJSON(first.Expected), len(first.Expected) > 0
	d.Metadata, d.Tags = prettyJSON(first.Metadata), first.Tags
	d.Attachments = attachmentsOf(caseValue{"input", first.Input}, caseValue{"expected", first.Expected}, caseValue{"metadata", first.Metadata})
	s.checkInline(r.Context(), d.Attachments)
	var baseRows []*store.Row
	if e.Base != "" {
		if b, err := s.db.Experiment(r.Context(), "", e.Base); err == nil {
			d.Base = b
			baseRows, _ = CaseRows(r.Context(), s.db, b.ID, id)
		}
	}
	names := map[string]bool{}
	for _, row := range rows {
		t := trialOf(row, baseFor(baseRows, row.Trial), d.HasExpected)
		for _, sc := range t.Scores {
			names[sc.Name] = true
		}
		d.Trials = append(d.Trials, t)
	}
	d.ScoreNames = sortedKeys(names)
	d.Feedback = s.caseFeedback(r.Context(), e.ID, id)
	s.render(w, "case.html", page{Title: id + " · " + e.Name, Live: e.Status == store.StatusRunning, State: stateOf(e), Data: d})
}

// baseFor is the base's row of the same trial, or its first.
func baseFor(rows []*store.Row, trial int) *store.Row {
	for _, r := range rows {
		if r.Trial == trial {
			return r
		}
	}
	if len(rows) > 0 {
		return rows[0]
	}
	return nil
}

func trialOf(r *store.Row, base *store.Row, hasExpected bool) trialView {
	t := trialView{Trial: r.Trial, Output: prettyJSON(r.Output), Error: r.Error, Spans: spanTree(r.Spans),
		Transcript: transcriptOf(r.Messages), StopReason: r.StopReason}
	if hasExpected && r.Error == "" {
		t.DiffExpected = diffText(prettyJSON(r.Expected), t.Output)
	}
	if base != nil {
		t.HasBase, t.BaseOutput = true, prettyJSON(base.Output)
		if base.Error != "" {
			t.BaseOutput = "error: " + base.Error
		}
		t.DiffBase = diffText(t.BaseOutput, t.Output)
	}
	names := map[string]bool{}
	for _, m := range []map[string]float64{r.Scores} {
		for n := range m {
			names[n] = true
		}
	}
	for n := range r.ScoreMeta {
		names[n] = true
	}
	for n := range r.ScorerErrors {
		names[n] = true
	}
	for _, n := range sortedKeys(names) {
		sv := scoreView{Name: n, Value: math.NaN(), Base: math.NaN()}
		if v, ok := r.Scores[n]; ok {
			sv.Value = v
		}
		if base != nil {
			if v, ok := base.Scores[n]; ok {
				sv.Base = v
			}
		}
		sv.readMeta(r.ScoreMeta[n])
		if msg, ok := r.ScorerErrors[n]; ok {
			sv.Error = msg
		}
		t.Scores = append(t.Scores, sv)
	}
	for n, v := range r.Metrics {
		t.Metrics = append(t.Metrics, metricValue{n, v})
	}
	sort.Slice(t.Metrics, func(i, j int) bool { return t.Metrics[i].Name < t.Metrics[j].Name })
	return t
}

// readMeta takes a judge's choice and reasons out of a score's metadata;
// the rest is shown as JSON.
func (sv *scoreView) readMeta(raw json.RawMessage) {
	var m map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		sv.Meta = prettyJSON(raw)
		return
	}
	take := func(keys ...string) string {
		for _, k := range keys {
			if v, ok := m[k]; ok {
				delete(m, k)
				return prettyJSON(v)
			}
		}
		return ""
	}
	sv.Choice = take("choice")
	sv.Reasons = take("rationale", "reasons")
	if len(m) > 0 {
		b, _ := json.Marshal(m)
		sv.Meta = prettyJSON(b)
	}
}
