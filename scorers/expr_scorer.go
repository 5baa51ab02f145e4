package scorers

import (
	"context"
	"fmt"
	"sync"

	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr/vm"
)

// exprScorer is an `expr:` scorer: its program is compiled once and run per case.
type exprScorer struct {
	name string
	prog *vm.Program
}

func newExprScorer(name string, e spec.Expr, deps Deps) (*exprScorer, error) {
	prog, err := e.Compile(spec.ScopeScorer, deps.exprOptions()...)
	if err != nil {
		return nil, err
	}
	return &exprScorer{name: name, prog: prog}, nil
}

// Name returns the name of the scores.
func (s *exprScorer) Name() string { return s.name }

// Score runs the expression over the case and maps its result with ParseResult.
func (s *exprScorer) Score(ctx context.Context, env *spec.ScorerEnv) ([]Score, error) {
	return s.AppendScores(ctx, env, nil)
}

// AppendScores appends the scores Score gives to dst.
func (s *exprScorer) AppendScores(_ context.Context, env *spec.ScorerEnv, dst []Score) ([]Score, error) {
	if env == nil {
		env = &spec.ScorerEnv{}
	}
	v, err := runProgram(s.prog, env)
	if err != nil {
		return dst, fmt.Errorf("evaluating the expression: %w", err)
	}
	return AppendResult(dst, s.name, v)
}

// vms holds expr virtual machines for reuse: a VM keeps its stack between runs,
// so a run allocates little. A VM runs one program at a time.
var vms = sync.Pool{New: func() any { return new(vm.VM) }}

// runProgram runs prog over env. Programs compiled against a struct environment
// such as spec.ScorerEnv{} run with a pointer to one as well: expr reads fields
// through the pointer, without copying the struct.
func runProgram(prog *vm.Program, env any) (any, error) {
	m := vms.Get().(*vm.VM)
	out, err := m.Run(prog, env)
	vms.Put(m)
	return out, err
}
