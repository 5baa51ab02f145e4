// Package store keeps experiments and their rows, versioned datasets and the
// response cache of model calls: an embedded SQLite database by default.
// Values arrive already encoded as JSON so the single writer only writes.
package store

import (
	"encoding/json"
	"time"
)

// Experiment statuses.
const (
	StatusRunning     = "running"
	StatusCompleted   = "completed"
	StatusInterrupted = "interrupted"
	StatusFailed      = "failed"
	// StatusStopped is a run that --max-cost stopped before its last case.
	StatusStopped = "stopped"
)

// Experiment is one run of one eval.
type Experiment struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Eval       string          `json:"eval"`
	Created    time.Time       `json:"created"`
	Updated    time.Time       `json:"updated"`
	Status     string          `json:"status"`
	Git        Git             `json:"git"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
	SpecHash   string          `json:"spec_hash,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	Summary    json.RawMessage `json:"summary,omitempty"`
	// Dataset and DatasetVersion name the store dataset the eval read, if
	// any, at the concrete version it read (never 0 when Dataset is set).
	Dataset        string `json:"dataset,omitempty"`
	DatasetVersion int    `json:"dataset_version,omitempty"`
	// Base is the id of the experiment this one was compared with, if any.
	Base string `json:"base,omitempty"`
	// Reduction is how the eval reduced the trials of a case when the
	// experiment was created, so a later comparison does not depend on
	// today's eval file; nil for experiments stored before it was kept.
	Reduction *Reduction `json:"reduction,omitempty"`
	// Description and Tags are the eval's description and tags when the
	// experiment was created.
	Description string   `json:"description,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	// CommitMessage is the subject line of the git commit the run was at.
	CommitMessage string `json:"commit_message,omitempty"`
	// OutputsFrom is the experiment whose stored outputs this one scored
	// (caliper run --rescore, task.replay) instead of calling the task; nil
	// when the task ran.
	OutputsFrom *Origin `json:"outputs_from,omitempty"`
	Rows        int     `json:"rows"` // filled when read back
}

// Origin names another stored experiment.
type Origin struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Eval string `json:"eval"`
}

// About is what an experiment records besides its columns: Description,
// Tags, CommitMessage and OutputsFrom, as one JSON value a backend may keep
// in a single column.
type About struct {
	Description   string   `json:"description,omitempty"`
	Tags          []string `json:"tags,omitempty"`
	CommitMessage string   `json:"commit_message,omitempty"`
	OutputsFrom   *Origin  `json:"outputs_from,omitempty"`
}

// AboutOf returns the About of e; IsZero reports an empty one.
func AboutOf(e *Experiment) About {
	return About{Description: e.Description, Tags: e.Tags, CommitMessage: e.CommitMessage, OutputsFrom: e.OutputsFrom}
}

// IsZero reports whether a records nothing.
func (a About) IsZero() bool {
	return a.Description == "" && len(a.Tags) == 0 && a.CommitMessage == "" && a.OutputsFrom == nil
}

// Apply sets the fields of e that a holds.
func (a About) Apply(e *Experiment) {
	e.Description, e.Tags, e.CommitMessage, e.OutputsFrom = a.Description, a.Tags, a.CommitMessage, a.OutputsFrom
}

// Reduction is how the trials of a case reduce to its scores and its pass or
// fail: the eval's reduce, pass_score and pass keys as they were.
type Reduction struct {
	// Reduce is the reducer of the scores ScoreReduce does not name; mean
	// when empty.
	Reduce string `json:"reduce,omitempty"`
	// ScoreReduce overrides Reduce for some scores, by score name.
	ScoreReduce map[string]string `json:"score_reduce,omitempty"`
	// PassScore is the score at which a trial passes (pass_score).
	PassScore float64 `json:"pass_score"`
	// Pass is the source of the eval's pass expression; empty for the
	// default rule.
	Pass string `json:"pass,omitempty"`
}

// Git is the repository state an experiment ran at. gitinfo.Info has the
// same fields in the same order, so one converts to the other.
type Git struct {
	Commit     string    `json:"commit,omitempty"`
	Branch     string    `json:"branch,omitempty"`
	Dirty      bool      `json:"dirty,omitempty"`
	Tag        string    `json:"tag,omitempty"`        // a tag pointing at Commit
	Author     string    `json:"author,omitempty"`     // the commit's author
	CommitTime time.Time `json:"commit_time,omitzero"` // the commit's time; zero when unknown
}

// Row is one case and trial of an experiment. JSON fields hold encoded values.
type Row struct {
	CaseID   string             `json:"case_id"`
	Trial    int                `json:"trial"`
	Input    json.RawMessage    `json:"input"`
	Expected json.RawMessage    `json:"expected,omitempty"`
	Output   json.RawMessage    `json:"output,omitempty"`
	Scores   map[string]float64 `json:"scores,omitempty"` // skipped scores are absent
	// ScoreMeta is the metadata each scorer gave with its score, by scorer
	// name, each an encoded JSON value; nil when none gave any.
	ScoreMeta map[string]json.RawMessage `json:"score_meta,omitempty"`
	// ScorerErrors is the error of each scorer that failed on the row, by
	// scorer name; nil when none failed. It is the one record of scorer
	// failures: the summary, compare and --retry-errors all read it.
	ScorerErrors map[string]string  `json:"scorer_errors,omitempty"`
	Metrics      map[string]float64 `json:"metrics,omitempty"`
	Error        string             `json:"error,omitempty"`
	Metadata     json.RawMessage    `json:"metadata,omitempty"`
	Tags         []string           `json:"tags,omitempty"`
	// Spans is a JSON array of span objects, such as the model calls made
	// for the row; nil when there are none.
	Spans json.RawMessage `json:"spans,omitempty"`
	// Messages is the transcript of an agent task, a JSON array of
	// {role, content, tool_calls?, tool_call_id?, is_error?} messages; nil for
	// other tasks.
	Messages json.RawMessage `json:"messages,omitempty"`
	// StopReason is why an agent task's tool loop ended: answer, max_turns,
	// max_tool_calls, max_tokens_total, max_cost_total or error; empty for
	// other tasks.
	StopReason string    `json:"stop_reason,omitempty"`
	Created    time.Time `json:"created"`
	// Encoded, when set (EncodeMaps), is what a store writes for Scores,
	// ScoreMeta, ScorerErrors, Metrics and Tags; nil on rows read back.
	Encoded *EncodedMaps `json:"-"`
}

// Succeeded reports whether the row needs no retry: the task and every
// scorer worked.
func (r *Row) Succeeded() bool { return r.Error == "" && len(r.ScorerErrors) == 0 }

// FirstScorerError is the first scorer failure of the row by scorer name, as
// "NAME: message"; empty when no scorer failed.
func (r *Row) FirstScorerError() string {
	first := ""
	for name, msg := range r.ScorerErrors {
		if e := name + ": " + msg; first == "" || e < first {
			first = e
		}
	}
	return first
}
