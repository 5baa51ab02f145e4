package functions

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// exprFunc is an expression compiled once and evaluated per call, against
// spec.TaskEnv for a task and spec.ScorerEnv for a scorer.
type exprFunc struct {
	src    *spec.Expr
	prog   *vm.Program
	scorer bool
}

func newExpr(e *spec.Expr, opts Options) (*exprFunc, error) {
	scope := spec.ScopeTask
	if opts.Role == RoleScorer {
		scope = spec.ScopeScorer
	}
	prog, err := e.Compile(scope, opts.ExprOptions...)
	if err != nil {
		return nil, fmt.Errorf("compiling expression: %w", err)
	}
	return &exprFunc{src: e, prog: prog, scorer: opts.Role == RoleScorer}, nil
}

// Call evaluates the expression over the request. Scorer expressions see no
// metrics: a Request carries none.
func (f *exprFunc) Call(ctx context.Context, req *Request) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	req = orEmpty(req)
	var env any
	if f.scorer {
		env = spec.ScorerEnv{
			Input: req.Input, Output: req.Output, Expected: req.Expected, Metadata: req.Metadata,
			Tags: req.Tags, Trial: req.Trial, Parameters: req.Parameters, Metrics: req.Metrics,
		}
	} else {
		env = spec.TaskEnv{
			Input: req.Input, Expected: req.Expected, Metadata: req.Metadata,
			Tags: req.Tags, Trial: req.Trial, Parameters: req.Parameters,
		}
	}
	m := vms.Get().(*vm.VM)
	out, err := m.Run(f.prog, env)
	vms.Put(m)
	if err != nil {
		return nil, runError(f.src, err)
	}
	return out, nil
}

// vms holds expr virtual machines for reuse: a VM keeps its stack between
// runs, where expr.Run makes a new one for each. A VM runs one program at a
// time.
var vms = sync.Pool{New: func() any { return new(vm.VM) }}

// Close does nothing: an expression holds no resources.
func (f *exprFunc) Close() error { return nil }

// runError places a runtime error of expression e at its file position.
func runError(e *spec.Expr, err error) error {
	var fe *file.Error
	if errors.As(err, &fe) {
		p := e.PosAt(fe.From)
		return fmt.Errorf("%s:%d:%d: evaluating %q: %s", e.File, p.Line, p.Col, e.Code, fe.Message)
	}
	return fmt.Errorf("%s:%d:%d: evaluating %q: %w", e.File, e.Pos.Line, e.Pos.Col, e.Code, err)
}
