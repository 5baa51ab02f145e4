package pipeline

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
)

// scorerRunner is one compiled scorer. slow scorers (programs, endpoints, models)
// run concurrently with each other; cheap ones run inline.
type scorerRunner struct {
	name      string
	slow      bool
	inProcess bool // CPU work in this process, bounded by callScorer
	score     func(ctx context.Context, env *spec.ScorerEnv) ([]scorers.Score, error)
	appender  scorers.Appender // the scorer, when it can append its scores
	scorer    any              // the built scorer or function, for model checks and estimates
}

// scoreInto scores the case in env, appending to dst when the scorer can.
func (s *scorerRunner) scoreInto(ctx context.Context, env *spec.ScorerEnv, dst []scorers.Score) ([]scorers.Score, error) {
	if s.appender != nil {
		return s.appender.AppendScores(ctx, env, dst)
	}
	return s.score(ctx, env)
}

func (p *Pipeline) scorer(sc spec.Scorer, reg *scorers.Registry, opts Options) (scorerRunner, error) {
	deps := scorers.Deps{Dir: filepath.Dir(p.Eval.File), File: p.Eval.File, LLM: opts.LLM, JudgeModel: opts.JudgeModel, Attachments: p.loadAttachment}
	switch sc.Kind {
	case spec.KindBuiltin, spec.KindExpr:
		s, err := scorers.Build(sc, reg, deps)
		if err != nil {
			return scorerRunner{}, err
		}
		b, _ := reg.Builtin(sc.Builtin)
		_, callsModel := s.(functions.ModelCaller) // embedding_similarity calls out too
		slow := b.Judge || callsModel
		a, _ := s.(scorers.Appender)
		return scorerRunner{name: sc.Name, slow: slow, inProcess: !slow, score: s.Score, appender: a, scorer: s}, nil
	case spec.KindPrompt, spec.KindFunction:
		if sc.Kind == spec.KindFunction {
			f, ok := p.Eval.Functions[sc.Function]
			if !ok || f.Kind != spec.KindPrompt || f.Prompt == nil || len(f.Prompt.Choices) == 0 {
				break // not a judge prompt: a function like any other
			}
			sc.Body = f.Body // a prompt with choice_scores, by slug
		}
		s, err := scorers.BuildPromptJudge(sc, deps)
		if err != nil {
			return scorerRunner{}, err
		}
		return scorerRunner{name: sc.Name, slow: true, score: s.Score, scorer: s}, nil
	}
	fn, err := p.function(sc.Body, functions.RoleScorer, opts)
	if err != nil {
		return scorerRunner{}, err
	}
	name := sc.Name
	return scorerRunner{name: name, slow: true, inProcess: p.bodyKind(sc.Body) == spec.KindExpr, scorer: fn, score: func(ctx context.Context, env *spec.ScorerEnv) ([]scorers.Score, error) {
		start := time.Now()
		tr := traceOf(ctx)
		v, err := fn.Call(ctx, &functions.Request{
			Input: env.Input, Expected: env.Expected, Metadata: env.Metadata, Tags: env.Tags, Messages: env.Messages, ToolCalls: env.ToolCalls,
			Parameters: env.Parameters, Trial: env.Trial, Output: env.Output, Metrics: env.Metrics,
			Trace: tr,
		})
		if err != nil {
			return nil, err
		}
		if v, err = functions.TakeScoreHooks(ctx, tr, v, start); err != nil {
			return nil, err
		}
		return scorers.ParseResult(name, v)
	}}, nil
}

// traceOf is the trace the pipeline put in a scorer's context.
func traceOf(ctx context.Context) *functions.Trace {
	t, _ := functions.TraceFrom(ctx)
	return t
}

// errorMessage keeps an error's text on one line.
func errorMessage(err error) string {
	return strings.TrimSpace(err.Error())
}
