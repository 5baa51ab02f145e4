package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
)

// scorerRunner is one compiled scorer. slow scorers (programs, endpoints, models)
// run concurrently with each other; cheap ones run inline.
type scorerRunner struct {
	name  string
	slow  bool
	score func(ctx context.Context, env *spec.ScorerEnv) ([]scorers.Score, error)
}

func (p *Pipeline) scorer(sc spec.Scorer, reg *scorers.Registry, opts Options) (scorerRunner, error) {
	switch sc.Kind {
	case spec.KindBuiltin, spec.KindExpr:
		s, err := scorers.Build(sc, reg, scorers.Deps{Dir: filepath.Dir(p.Eval.File), File: p.Eval.File})
		if err != nil {
			return scorerRunner{}, err
		}
		return scorerRunner{name: sc.Name, slow: spec.Builtins[sc.Builtin].Judge, score: s.Score}, nil
	case spec.KindPrompt:
		return scorerRunner{}, fmt.Errorf("LLM-judge prompts need an LLM provider, which this build of caliper does not have yet")
	}
	fn, err := p.function(sc.Body, functions.RoleScorer, opts)
	if err != nil {
		return scorerRunner{}, err
	}
	name := sc.Name
	return scorerRunner{name: name, slow: true, score: func(ctx context.Context, env *spec.ScorerEnv) ([]scorers.Score, error) {
		v, err := fn.Call(ctx, &functions.Request{
			Input: env.Input, Expected: env.Expected, Metadata: env.Metadata, Tags: env.Tags,
			Parameters: env.Parameters, Trial: env.Trial, Output: env.Output, Metrics: env.Metrics,
		})
		if err != nil {
			return nil, err
		}
		return scorers.ParseResult(name, v)
	}}, nil
}

// errorMessage keeps an error's text on one line.
func errorMessage(err error) string {
	return strings.TrimSpace(err.Error())
}
