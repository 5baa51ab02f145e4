package scorers

import (
	"context"

	"github.com/caliperhq/caliper/spec"
)

// trajectoryScorer is a scorer over the tool calls of a case.
type trajectoryScorer struct {
	name  string
	calls callSource
	score func(env *spec.ScorerEnv, actual []toolCall) (float64, map[string]any, error)
}

// newTrajectoryScorer compiles with.calls for a trajectory scorer.
func newTrajectoryScorer(sc spec.Scorer, deps Deps, score func(env *spec.ScorerEnv, actual []toolCall) (float64, map[string]any, error)) (Scorer, error) {
	calls, err := newCallSource(sc, deps)
	if err != nil {
		return nil, err
	}
	return &trajectoryScorer{name: sc.Name, calls: calls, score: score}, nil
}

// Name returns the name of the score.
func (s *trajectoryScorer) Name() string { return s.name }

// Score scores the tool calls of one case; short CPU work that does not watch ctx.
func (s *trajectoryScorer) Score(_ context.Context, env *spec.ScorerEnv) ([]Score, error) {
	if env == nil {
		env = &spec.ScorerEnv{}
	}
	actual, err := s.calls.actual(env)
	if err != nil {
		return nil, err
	}
	v, md, err := s.score(env, actual)
	if err != nil {
		return nil, err
	}
	return []Score{{Name: s.name, Value: v, Metadata: md}}, nil
}
