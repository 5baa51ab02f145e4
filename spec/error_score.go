package spec

import "gopkg.in/yaml.v3"

// The modes of error_score (Eval.ErrorScore).
const (
	ErrorScoreZero  = "zero"  // an errored scorer (or every scorer of an errored task) scores 0
	ErrorScoreSkip  = "skip"  // it has no score: it leaves the means
	ErrorScoreValue = "value" // it scores Eval.ErrorValue
	ErrorScoreExpr  = "expr"  // Eval.ErrorExpr decides, per scorer
)

// RawErrorScore is `error_score`: `zero` or `skip`, or a mapping with one of
// `value` (a score) or `expr` (an expression in the ScopeErrorScore scope).
type RawErrorScore struct {
	Mode  Scalar[string]
	Value Scalar[float64] `yaml:"value"`
	Expr  Scalar[string]  `yaml:"expr"`
}

// UnmarshalYAML accepts a scalar or a mapping; the schema checks its keys.
func (r *RawErrorScore) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&r.Mode)
	}
	var m struct {
		Value Scalar[float64] `yaml:"value"`
		Expr  Scalar[string]  `yaml:"expr"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	r.Value, r.Expr = m.Value, m.Expr
	return nil
}

// ErrorScoreEnv is what an error_score expression sees, once per scorer
// without a score: the scorer's name, the error and where it happened (`task`
// when the task failed and no scorer ran, `scorer` when this scorer failed),
// and the case. Its value is a score in [0, 1], true or false (1 or 0), or
// nil for no score.
type ErrorScoreEnv struct {
	Scorer     string         `expr:"scorer"`
	Error      string         `expr:"error"`
	Stage      string         `expr:"stage"`
	Input      any            `expr:"input"`
	Expected   any            `expr:"expected"`
	Metadata   map[string]any `expr:"metadata"`
	Tags       []string       `expr:"tags"`
	Trial      int            `expr:"trial"`
	Parameters map[string]any `expr:"parameters"`
}

// errorScore validates error_score into ev.
func (c *evalChecker) errorScore() {
	raw := c.raw.ErrorScore
	switch {
	case raw.Expr.IsSet():
		if !c.p.clean("error_score") {
			return
		}
		e := c.p.expr(raw.Expr)
		compileExpr(e, ScopeErrorScore, exprCheck{parameters: c.paramNames()}, c.p.r)
		c.ev.ErrorScore, c.ev.ErrorExpr = ErrorScoreExpr, &e
	case raw.Value.IsSet():
		c.ev.ErrorScore, c.ev.ErrorValue = ErrorScoreValue, raw.Value.Value
	default:
		c.ev.ErrorScore = orString(raw.Mode.Value, ErrorScoreZero)
	}
}
