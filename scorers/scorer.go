// Package scorers turns an eval's scorers into values that score one case: expr
// scorers, the built-in heuristic scorers (with the numbers of the autoevals
// library) and the helper functions expressions can call.
//
// Build compiles everything once, when the pipeline is compiled (expressions,
// patterns, schemas); a Scorer then runs per case, from many goroutines at once,
// and compiles nothing.
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
// A Scorer is safe for concurrent use.
type Scorer interface {
	// Name is the scorer's name in the eval (scores.NAME).
	Name() string
	// Score scores the case in env: one score, or several named ones.
	Score(ctx context.Context, env *spec.ScorerEnv) ([]Score, error)
}

// An Appender is a Scorer that can append its scores to a slice it is given,
// so that a run keeps them without allocating: AppendScores(ctx, env, dst)
// gives dst and then what Score(ctx, env) gives, or dst and its error.
type Appender interface {
	AppendScores(ctx context.Context, env *spec.ScorerEnv, dst []Score) ([]Score, error)
}
