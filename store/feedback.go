package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
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

// FeedbackStore keeps feedback records; every Store is one.
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

// Prepare checks a feedback record before it is stored and fills its ID
// (a time-ordered UUID) and Created time when they are empty. Backends call
// it from AddFeedback.
func (f *Feedback) Prepare() error {
	switch {
	case f.ExperimentID == "":
		return errors.New("adding feedback: no experiment: name the experiment the case belongs to")
	case f.CaseID == "":
		return errors.New("adding feedback: no case id: name the case the feedback is about")
	case f.Name == "":
		return errors.New("adding feedback: no name: give the human score a name, e.g. helpful")
	case f.Author == "":
		return errors.New("adding feedback: no author: say who gives it")
	case f.Trial < 0:
		return fmt.Errorf("adding feedback: trial %d is negative", f.Trial)
	case f.Score != nil && !(*f.Score >= 0 && *f.Score <= 1):
		return fmt.Errorf("adding feedback: score %v of %q is not from 0 to 1", *f.Score, f.Name)
	case f.Score == nil && f.Label == "" && f.Comment == "":
		return errors.New("adding feedback: it is empty: give a score, a label or a comment")
	}
	if f.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("adding feedback: making its id: %w", err)
		}
		f.ID = id.String()
	}
	if f.Created.IsZero() {
		f.Created = time.Now().UTC().Round(0)
	}
	return nil
}
