// Package scorers turns an eval's scorers into values that score one case: expr
// scorers, the built-in heuristic scorers (with the numbers of the autoevals
// library) and the helper functions expressions can call.
package scorers

import (
	"context"

	"github.com/caliperhq/caliper/spec"
)

// Score is one named score of one case and trial.
type Score struct {
	Name     string         `json:"name"`
	Value    float64        `json:"score"`
	Skipped  bool           `json:"skipped,omitempty"` // the scorer returned nil: no score for this case
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Scorer scores one case. An error is an error on that case and scorer only.
type Scorer interface {
	Name() string
	Score(ctx context.Context, env *spec.ScorerEnv) ([]Score, error)
}
