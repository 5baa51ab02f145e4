package functions

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	// sharedEnv is set when the program never loads its whole env ($env):
	// it then runs over a pooled env, by pointer, which its answer cannot
	// hold.
	sharedEnv bool
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
	return &exprFunc{src: e, prog: prog, scorer: opts.Role == RoleScorer, sharedEnv: !slices.Contains(prog.Bytecode, vm.OpLoadEnv)}, nil
}

// Call evaluates the expression over the request. Scorer expressions see no
// metrics: a Request carries none.
func (f *exprFunc) Call(ctx context.Context, req *Request) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	req = orEmpty(req)
	r := runs.Get().(*exprRun)
	out, err := r.vm.Run(f.prog, r.env(f, req))
	r.clear(f)
	runs.Put(r)
	if err != nil {
		return nil, runError(f.src, err)
	}
	return out, nil
}

// exprRun is what one call of an expression runs with: a VM, which keeps its
// stack between runs where expr.Run makes a new one for each, and the envs
// that programs which never load their whole env read by pointer, without
// one allocated per call. It runs one program at a time.
type exprRun struct {
	vm     vm.VM
	task   spec.TaskEnv
	scorer spec.ScorerEnv
}

var runs = sync.Pool{New: func() any { return new(exprRun) }}

// env is the env of f over req: one of r's, or, for a program that loads its
// whole env (and may answer with it), a value of its own.
func (r *exprRun) env(f *exprFunc, req *Request) any {
	switch {
	case f.scorer && f.sharedEnv:
		r.scorer = scorerEnv(req)
		return &r.scorer
	case f.scorer:
		return scorerEnv(req)
	case f.sharedEnv:
		r.task = taskEnv(req)
		return &r.task
	}
	return taskEnv(req)
}

// clear drops the case r's env for f holds.
func (r *exprRun) clear(f *exprFunc) {
	switch {
	case !f.sharedEnv:
	case f.scorer:
		r.scorer = spec.ScorerEnv{}
	default:
		r.task = spec.TaskEnv{}
	}
}

func scorerEnv(req *Request) spec.ScorerEnv {
	return spec.ScorerEnv{
		Input: req.Input, Output: req.Output, Expected: req.Expected, Metadata: req.Metadata,
		Tags: req.Tags, Trial: req.Trial, Parameters: req.Parameters, Metrics: req.Metrics,
	}
}

func taskEnv(req *Request) spec.TaskEnv {
	return spec.TaskEnv{
		Input: req.Input, Expected: req.Expected, Metadata: req.Metadata,
		Tags: req.Tags, Trial: req.Trial, Parameters: req.Parameters,
	}
}

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
