package pipeline

import (
	"fmt"

	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Where a scorer's missing score comes from, as error_score.expr sees it in
// `stage`.
const (
	stageTask   = "task"   // the task failed: no scorer ran
	stageScorer = "scorer" // this scorer failed
)

// errorScorer is the compiled error_score of an eval: what a scorer without a
// score (its own error, or the task's) scores.
type errorScorer struct {
	mode  string
	value float64
	prog  *vm.Program // ErrorScoreExpr
}

func newErrorScorer(ev *spec.Eval, opts []expr.Option) (*errorScorer, error) {
	s := &errorScorer{mode: ev.ErrorScore, value: ev.ErrorValue}
	switch s.mode {
	case "", spec.ErrorScoreZero:
		s.mode, s.value = spec.ErrorScoreValue, 0
	case spec.ErrorScoreExpr:
		if ev.ErrorExpr == nil {
			return nil, fmt.Errorf("error_score: expr mode without an expression")
		}
		prog, err := ev.ErrorExpr.Compile(spec.ScopeErrorScore, opts...)
		if err != nil {
			return nil, fmt.Errorf("compiling error_score.expr: %w", err)
		}
		s.prog = prog
	}
	return s, nil
}

// errorScore gives scorer name of r the score error_score decides, when the
// task (stage task) or the scorer (stage scorer) failed with msg. It
// appends nothing when the policy is skip or the expression gives nil; an
// expression that fails or gives no score is recorded as that scorer's
// error, never dropped silently.
func (p *Pipeline) errorScore(r *Result, name, stage, msg string) {
	s := p.onError
	if s == nil {
		s = &errorScorer{mode: spec.ErrorScoreValue} // zero, the default
	}
	switch s.mode {
	case spec.ErrorScoreSkip:
		return
	case spec.ErrorScoreValue:
		r.Scores = append(r.Scores, scorers.Score{Name: name, Value: s.value})
		return
	}
	env := spec.ErrorScoreEnv{Scorer: name, Error: msg, Stage: stage, Trial: r.Trial, Parameters: p.Parameters}
	if c := r.Case; c != nil {
		env.Input, env.Expected, env.Metadata, env.Tags = c.Input, c.Expected, c.Metadata, c.Tags
	}
	v, err := expr.Run(s.prog, env)
	if err == nil {
		var ok bool
		if v, ok = errorValue(v); ok {
			if v != nil {
				r.Scores = append(r.Scores, scorers.Score{Name: name, Value: v.(float64)})
			}
			return
		}
		err = fmt.Errorf("it gave %v: give a score in [0, 1], true, false or nil", v)
	}
	if r.ScorerErrors == nil {
		r.ScorerErrors = map[string]string{}
	}
	problem := "error_score.expr for " + name + ": " + err.Error()
	if prev := r.ScorerErrors[name]; prev != "" {
		problem = prev + "; " + problem
	}
	r.ScorerErrors[name] = problem
}

// errorValue maps the value of error_score.expr to a score (float64) or nil.
func errorValue(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case bool:
		if x {
			return 1.0, true
		}
		return 0.0, true
	case int:
		return errorValue(float64(x))
	case float64:
		if x >= 0 && x <= 1 {
			return x, true
		}
	}
	return v, false
}
