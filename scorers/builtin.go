package scorers

import (
	"context"
	"errors"
	"fmt"

	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr/vm"
)

// builtinScorer is a built-in heuristic scorer: it takes the output and the
// expected value of the case, or the values of with.output and with.expected,
// and scores them.
type builtinScorer struct {
	name         string
	output       *vm.Program // with.output, or nil for the case's output
	expected     *vm.Program // with.expected, or nil for the case's expected
	needExpected bool
	score        func(out, exp any) (float64, map[string]any, error)
	// scoreCtx replaces score for a scorer that calls out (embeddings).
	scoreCtx func(ctx context.Context, out, exp any) (float64, map[string]any, error)
}

// newCompare builds a scorer that compares the output with an expected value.
func newCompare(sc spec.Scorer, deps Deps, score func(out, exp any) (float64, map[string]any, error)) (Scorer, error) {
	s := &builtinScorer{name: sc.Name, needExpected: true, score: score}
	var err error
	if s.output, err = compileWith(sc, "output", deps); err != nil {
		return nil, err
	}
	if s.expected, err = compileWith(sc, "expected", deps); err != nil {
		return nil, err
	}
	return s, nil
}

// newCompareCtx is newCompare for a long computation that watches ctx and
// stops, with ctx's error, once a timeout or an abort gives up on it.
func newCompareCtx(sc spec.Scorer, deps Deps, score func(ctx context.Context, out, exp any) (float64, map[string]any, error)) (Scorer, error) {
	s, err := newCompare(sc, deps, nil)
	if err != nil {
		return nil, err
	}
	s.(*builtinScorer).scoreCtx = score
	return s, nil
}

// newOutputScorer builds a scorer that looks at the output alone.
func newOutputScorer(sc spec.Scorer, deps Deps, score func(out any) (float64, map[string]any, error)) (Scorer, error) {
	if _, ok := sc.With["expected"]; ok {
		return nil, fmt.Errorf("with.expected is not used by %s here: it scores the output alone; remove it", sc.Builtin)
	}
	s := &builtinScorer{name: sc.Name, score: func(out, _ any) (float64, map[string]any, error) { return score(out) }}
	var err error
	if s.output, err = compileWith(sc, "output", deps); err != nil {
		return nil, err
	}
	return s, nil
}

// Name returns the name of the scores.
func (s *builtinScorer) Name() string { return s.name }

// Score scores one case. A short heuristic does not watch ctx; a long one
// (levenshtein, json_diff, list_contains of long values) and one that calls
// out (embeddings) have scoreCtx, given ctx.
func (s *builtinScorer) Score(ctx context.Context, env *spec.ScorerEnv) ([]Score, error) {
	sc, err := s.scoreOne(ctx, env)
	if err != nil {
		return nil, err
	}
	return []Score{sc}, nil
}

// AppendScores appends the score Score gives to dst.
func (s *builtinScorer) AppendScores(ctx context.Context, env *spec.ScorerEnv, dst []Score) ([]Score, error) {
	sc, err := s.scoreOne(ctx, env)
	if err != nil {
		return dst, err
	}
	return append(dst, sc), nil
}

func (s *builtinScorer) scoreOne(ctx context.Context, env *spec.ScorerEnv) (Score, error) {
	if env == nil {
		env = &spec.ScorerEnv{}
	}
	out, exp := env.Output, env.Expected
	var err error
	if s.output != nil {
		if out, err = runProgram(s.output, env); err != nil {
			return Score{}, fmt.Errorf("evaluating with.output: %w", err)
		}
	}
	if s.expected != nil {
		if exp, err = runProgram(s.expected, env); err != nil {
			return Score{}, fmt.Errorf("evaluating with.expected: %w", err)
		}
	}
	if s.needExpected && missingExpected(exp, env, s.expected != nil) {
		if s.expected != nil {
			return Score{}, errors.New("with.expected gave nil: there is nothing to compare the output with")
		}
		return Score{}, errors.New("the case has no expected value to compare the output with: give the case an `expected` or set `with.expected`")
	}
	var v float64
	var md map[string]any
	if s.scoreCtx != nil {
		v, md, err = s.scoreCtx(ctx, out, exp)
	} else {
		v, md, err = s.score(out, exp)
	}
	if err != nil {
		return Score{}, err
	}
	return Score{Name: s.name, Value: v, Metadata: md}, nil
}

// missingExpected reports whether a scorer that compares has nothing to
// compare with: with.expected gave nil, or the case has no expected value. An
// explicit `expected: null` of the case is a value, as in autoevals.
func missingExpected(exp any, env *spec.ScorerEnv, fromWith bool) bool {
	if exp != nil {
		return false
	}
	return fromWith || !env.HasExpected
}

// compileWith compiles the expression with[key], if any, in the scorer scope.
func compileWith(sc spec.Scorer, key string, deps Deps) (*vm.Program, error) {
	raw, ok := sc.With[key]
	if !ok {
		return nil, nil
	}
	var e spec.Expr
	switch v := raw.(type) {
	case string:
		e = spec.Expr{Code: v, File: deps.File, Pos: sc.Pos}
	case spec.Expr:
		e = v
	case *spec.Expr:
		e = *v
	default:
		return nil, fmt.Errorf("with.%s must be an expression (a string), not %s", key, describe(raw))
	}
	prog, err := e.Compile(spec.ScopeScorer, deps.exprOptions()...)
	if err != nil {
		return nil, fmt.Errorf("compiling with.%s: %w", key, err)
	}
	return prog, nil
}

// argBool reads a boolean argument; a missing one is false.
func argBool(sc spec.Scorer, key string) (bool, error) {
	raw, ok := sc.With[key]
	if !ok {
		return false, nil
	}
	b, ok := raw.(bool)
	if !ok {
		return false, fmt.Errorf("with.%s must be true or false, not %s", key, describe(raw))
	}
	return b, nil
}

// argString reads a string argument and says whether it is set.
func argString(sc spec.Scorer, key string) (string, bool, error) {
	raw, ok := sc.With[key]
	if !ok {
		return "", false, nil
	}
	s, ok := raw.(string)
	if !ok {
		return "", false, fmt.Errorf("with.%s must be a string, not %s", key, describe(raw))
	}
	return s, true, nil
}

// argStrings reads a string_list argument (a list of strings, or one
// string) and says whether it is set.
func argStrings(sc spec.Scorer, key string) ([]string, bool, error) {
	raw, ok := sc.With[key]
	if !ok {
		return nil, false, nil
	}
	switch v := raw.(type) {
	case string: // a string_list may be one string
		return []string{v}, true, nil
	case []string:
		return v, true, nil
	case []any:
		out := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false, fmt.Errorf("with.%s[%d] must be a string, not %s", key, i, describe(e))
			}
			out[i] = s
		}
		return out, true, nil
	}
	return nil, false, fmt.Errorf("with.%s must be a list of strings, not %s", key, describe(raw))
}

// argInt reads a whole-number argument; a missing one is def.
func argInt(sc spec.Scorer, key string, def int) (int, error) {
	raw, ok := sc.With[key]
	if !ok {
		return def, nil
	}
	if f, isNum := number(raw); isNum && f == float64(int(f)) {
		return int(f), nil
	}
	return 0, fmt.Errorf("with.%s must be a whole number, not %s", key, describe(raw))
}
