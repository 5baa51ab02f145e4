// Package store keeps experiments and their rows: an embedded SQLite database by
// default. Values arrive already encoded as JSON so the single writer only writes.
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
	Rows       int             `json:"rows"` // filled when read back
}

// Git is the repository state an experiment ran at.
type Git struct {
	Commit string `json:"commit,omitempty"`
	Branch string `json:"branch,omitempty"`
	Dirty  bool   `json:"dirty,omitempty"`
}

// Row is one case and trial of an experiment. JSON fields hold encoded values.
type Row struct {
	CaseID   string             `json:"case_id"`
	Trial    int                `json:"trial"`
	Input    json.RawMessage    `json:"input"`
	Expected json.RawMessage    `json:"expected,omitempty"`
	Output   json.RawMessage    `json:"output,omitempty"`
	Scores   map[string]float64 `json:"scores,omitempty"`     // skipped scores are absent
	Meta     json.RawMessage    `json:"score_meta,omitempty"` // per-score metadata and scorer errors, by scorer name
	Metrics  map[string]float64 `json:"metrics,omitempty"`
	Error    string             `json:"error,omitempty"`
	Metadata json.RawMessage    `json:"metadata,omitempty"`
	Tags     []string           `json:"tags,omitempty"`
	Created  time.Time          `json:"created"`
}
