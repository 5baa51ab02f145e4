package main

import (
	"encoding/json"
	"io"
	"sync"

	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/store"
)

// jsonProgress writes the events of a run as JSON Lines (--progress json):
// start, one row per finished case trial, error for a row whose task or a
// scorer failed, and summary.
type jsonProgress struct {
	mu   sync.Mutex
	enc  *json.Encoder
	eval string
}

func newJSONProgress(w io.Writer, eval string) *jsonProgress {
	return &jsonProgress{enc: json.NewEncoder(w), eval: eval}
}

// startEvent opens a run's events.
type startEvent struct {
	Event        string   `json:"event"`
	Eval         string   `json:"eval"`
	Experiment   string   `json:"experiment"`
	ExperimentID string   `json:"experiment_id"`
	Cases        *int     `json:"cases,omitempty"` // the cases to run, when counted before the run
	Trials       int      `json:"trials"`
	Rows         *int     `json:"rows,omitempty"`
	Scorers      []string `json:"scorers"`
	Concurrency  int      `json:"concurrency"`
}

// rowEvent is one finished case trial.
type rowEvent struct {
	Event        string             `json:"event"`
	Eval         string             `json:"eval"`
	CaseID       string             `json:"case_id"`
	Trial        int                `json:"trial"`
	Scores       map[string]float64 `json:"scores,omitempty"`
	Error        string             `json:"error,omitempty"`
	ScorerErrors map[string]string  `json:"scorer_errors,omitempty"`
	Duration     float64            `json:"duration"`
}

// summaryEvent closes a run's events.
type summaryEvent struct {
	Event   string          `json:"event"`
	Eval    string          `json:"eval"`
	Passed  bool            `json:"passed"`
	Summary *report.Summary `json:"summary"`
}

func (p *jsonProgress) emit(v any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.enc.Encode(v)
}

// start writes the start event of experiment e.
func (p *jsonProgress) start(e *store.Experiment, pl *pipeline.Pipeline, cases int) {
	ev := startEvent{Event: "start", Eval: p.eval, Experiment: e.Name, ExperimentID: e.ID, Trials: pl.Trials,
		Scorers: pl.ScorerNames(), Concurrency: pl.Concurrency}
	if cases >= 0 {
		rows := cases * pl.Trials
		ev.Cases, ev.Rows = &cases, &rows
	}
	p.emit(ev)
}

// Add writes the row event of r, and an error event when it failed.
func (p *jsonProgress) Add(r *pipeline.Result) error {
	row := pipeline.ToRow(r)
	p.emit(rowEvent{Event: "row", Eval: p.eval, CaseID: row.CaseID, Trial: row.Trial, Scores: row.Scores, Error: row.Error,
		ScorerErrors: row.ScorerErrors, Duration: r.Duration.Seconds()})
	if !row.Succeeded() {
		msg := row.Error
		if msg == "" {
			msg = row.FirstScorerError()
		}
		p.emit(map[string]any{"event": "error", "eval": p.eval, "case_id": row.CaseID, "trial": row.Trial, "error": msg})
	}
	return nil
}

// summary writes the summary event of a finished run.
func (p *jsonProgress) summary(o *pipeline.Outcome) {
	p.emit(summaryEvent{Event: "summary", Eval: p.eval, Passed: o.Passed, Summary: o.Summary})
}
