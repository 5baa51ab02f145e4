package report

import (
	"fmt"
	"slices"

	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
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
	// UsesBase says that the gate reads a comparison field (diff,
	// regressions, significant_regression, ...), which needs a base.
	UsesBase bool
	// BaseRequired makes a gate that UsesBase fail without a base; without
	// it such a gate passes vacuously (base_required: false).
	BaseRequired bool
}

// CompileGates compiles an eval's gates once; baseRequired is the eval's
// base_required.
func CompileGates(gates []spec.Expr, baseRequired bool) ([]Gate, error) {
	out := make([]Gate, 0, len(gates))
	for _, g := range gates {
		prog, err := g.Compile(spec.ScopeGate)
		if err != nil {
			return nil, fmt.Errorf("compiling gate: %w", err)
		}
		out = append(out, Gate{Source: g.Code, Program: prog, UsesBase: readsComparison(prog), BaseRequired: baseRequired})
	}
	return out, nil
}

// readsComparison reports whether a gate reads one of spec.ComparisonFields.
func readsComparison(prog *vm.Program) bool {
	v := &comparisonFinder{}
	node := prog.Node()
	ast.Walk(&node, v)
	return v.found
}

type comparisonFinder struct{ found bool }

func (f *comparisonFinder) Visit(node *ast.Node) {
	m, ok := (*node).(*ast.MemberNode)
	if !ok {
		return
	}
	if s, ok := m.Property.(*ast.StringNode); ok && slices.Contains(spec.ComparisonFields, s.Value) {
		f.found = true
	}
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
		if g.UsesBase && s.Comparison == nil {
			c.Passed = !g.BaseRequired
			c.Detail = "no base experiment: the gate compares with a base; give the eval a base (caliper experiments list), or set base_required: false to pass it without one"
			if c.Passed {
				c.Detail = "no base experiment: passes without one (base_required: false)"
			}
			ok = ok && c.Passed
			s.Checks = append(s.Checks, c)
			continue
		}
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
