package store

import (
	"context"
	"time"
)

// Feedback is one human review of a case of an experiment, as the Braintrust
// SDK's log_feedback records it: a named score in [0, 1], a label or a
// comment, with who gave it and when. Records are only added: a later record
// of the same name supersedes an earlier one where a summary needs one value.
type Feedback struct {
	ID           string    `json:"id"`
	ExperimentID string    `json:"experiment_id"`
	CaseID       string    `json:"case_id"`
	Trial        int       `json:"trial"`
	Name         string    `json:"name"`            // the human score's name, e.g. "helpful"
	Score        *float64  `json:"score,omitempty"` // in [0, 1]; nil for a label or comment alone
	Label        string    `json:"label,omitempty"`
	Comment      string    `json:"comment,omitempty"`
	Author       string    `json:"author"`
	Created      time.Time `json:"created"`
}

// FeedbackStore keeps feedback records.
type FeedbackStore interface {
	// AddFeedback stores a feedback record on a case of an experiment,
	// filling its ID and Created when they are empty. The experiment must
	// exist; a score outside [0, 1] or a record with no score, label or
	// comment is an error.
	AddFeedback(ctx context.Context, f *Feedback) error
	// Feedback returns the feedback records of an experiment, of one case
	// when caseID is not empty, oldest first.
	Feedback(ctx context.Context, experimentID, caseID string) ([]Feedback, error)
}
