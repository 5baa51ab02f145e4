package report

import (
	"fmt"

	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Check is the outcome of one threshold or gate.
type Check struct {
	Kind   string `json:"kind"` // threshold or gate
	Name   string `json:"name"` // the scorer of a threshold, the source of a gate
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// Gate is a compiled gate expression.
type Gate struct {
	Source  string
	Program *vm.Program
}

// CompileGates compiles an eval's gates once.
func CompileGates(gates []spec.Expr) ([]Gate, error) {
	out := make([]Gate, 0, len(gates))
	for _, g := range gates {
		prog, err := g.Compile(spec.ScopeGate)
		if err != nil {
			return nil, fmt.Errorf("compiling gate: %w", err)
		}
		out = append(out, Gate{Source: g.Code, Program: prog})
	}
	return out, nil
}

// Evaluate checks every threshold and gate against the summary, records the
// outcomes in it and reports whether all passed.
func Evaluate(s *Summary, thresholds []spec.Threshold, gates []Gate) bool {
	s.Checks = s.Checks[:0]
	ok := true
	for _, t := range thresholds {
		sc, _ := s.Score(t.Scorer)
		c := Check{Kind: "threshold", Name: t.Scorer, Passed: sc.Count > 0 && sc.Mean >= t.Min}
		c.Detail = fmt.Sprintf("mean %.3f %s %.3f", sc.Mean, map[bool]string{true: ">=", false: "<"}[c.Passed], t.Min)
		if sc.Count == 0 {
			c.Detail = fmt.Sprintf("no score to compare with %.3f", t.Min)
		}
		ok = ok && c.Passed
		s.Checks = append(s.Checks, c)
	}
	env := s.GateEnv()
	for _, g := range gates {
		c := Check{Kind: "gate", Name: g.Source}
		v, err := expr.Run(g.Program, env)
		switch b, isBool := v.(bool); {
		case err != nil:
			c.Detail = "error: " + err.Error()
		case !isBool:
			c.Detail = fmt.Sprintf("gave %v, not a boolean", v)
		default:
			c.Passed = b
			c.Detail = map[bool]string{true: "true", false: "false"}[b]
		}
		ok = ok && c.Passed
		s.Checks = append(s.Checks, c)
	}
	return ok
}

// Failed lists the checks that did not pass.
func (s *Summary) Failed() []Check {
	var out []Check
	for _, c := range s.Checks {
		if !c.Passed {
			out = append(out, c)
		}
	}
	return out
}
