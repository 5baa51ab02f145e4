// Package pipeline compiles a validated eval into a runnable pipeline and runs it:
// bounded workers, each running a case's task and then its scorers, results
// streaming out to sinks as they finish.
package pipeline

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/internal/mask"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
	"github.com/expr-lang/expr"
)

// Options change how an eval is compiled.
type Options struct {
	Params      map[string]string // --param NAME=VALUE
	Trials      int               // overrides the eval's trials when > 0
	Concurrency int               // overrides max_concurrency when > 0
	Registry    *scorers.Registry // built-in scorers and helpers; nil means scorers.Default()
	Kinds       *functions.Kinds  // function body kinds; nil means functions.DefaultKinds()
	Env         []string          // environment of exec functions; nil means the process's
	Stderr      io.Writer         // where programs' stderr goes
	LLM         *llm.Client       // the model client of prompts and judges; nil when there is none
	JudgeModel  string            // the model of built-in judges without with.model
	Mask        *mask.Masker      // the run's secrets and masking rules (see NewMasker); nil masks nothing
	Vars        map[string]string // the environment variables of env:, by name (see EnvVars)
}

// Pipeline is a compiled eval: every expression compiled, every function and
// scorer built, ready to run any number of cases.
type Pipeline struct {
	Eval        *spec.Eval
	Parameters  map[string]any
	Trials      int
	Concurrency int
	Timeout     time.Duration
	Gates       []report.Gate
	ExprOptions []expr.Option
	task        functions.Function
	// taskInProcess is set when the task is CPU work in this process (an
	// expression), which callTask bounds by the timeout and abort.
	taskInProcess bool
	traced        bool          // cases carry a trace for model calls
	spent         atomic.Uint64 // float64 bits: the estimated cost so far
	reserved      atomic.Uint64 // float64 bits: the estimated cost of the cases in flight (--max-cost)
	scorers       []scorerRunner
	onError       *errorScorer // error_score
	// attachments is the store of the run, which image parts read.
	attachments atomic.Pointer[store.AttachmentStore]
	closers     []functions.Function
	mask        *mask.Masker
	// replays are the stored answers of task.replay by store.Key, loaded by
	// RunExperiment from the experiment replayFrom names.
	replays    map[string]*replayed
	replayFrom string
	// reusesCases is set when every call of a case ends before the case is
	// done (the task in process, no slow scorer), so that a worker can reuse
	// a finished caseRun.
	reusesCases bool
}

// Compile builds the pipeline of a validated eval.
func Compile(ev *spec.Eval, opts Options) (_ *Pipeline, err error) {
	params, err := ResolveParameters(ev.Parameters, opts.Params)
	if err != nil {
		return nil, err
	}
	reg := opts.Registry
	if reg == nil {
		reg = scorers.Default()
	}
	p := &Pipeline{
		Eval: ev, Parameters: params, Trials: ev.Trials, Concurrency: ev.MaxConcurrency, Timeout: ev.Timeout,
		ExprOptions: reg.ExprOptions(),
	}
	if opts.Trials > 0 {
		p.Trials = opts.Trials
	}
	if opts.Concurrency > 0 {
		p.Concurrency = opts.Concurrency
	}
	p.mask = opts.Mask
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if ev.Task.Kind == spec.KindReplay {
		p.task = replayTask{}
	} else if p.task, err = p.function(ev.Task, functions.RoleTask, opts); err != nil {
		return nil, fmt.Errorf("compiling the task of %s: %w", ev.Name, err)
	}
	p.taskInProcess = p.bodyKind(ev.Task) == spec.KindExpr
	for _, sc := range ev.Scorers {
		r, err := p.scorer(sc, reg, opts)
		if err != nil {
			return nil, fmt.Errorf("compiling %s: %w", ev.Name, err)
		}
		p.scorers = append(p.scorers, r)
	}
	p.traced = reportsHooks(ev) || (opts.LLM != nil && !p.inProcessOnly())
	p.reusesCases = p.taskInProcess && !p.hasSlowScorer()
	if p.onError, err = newErrorScorer(ev, p.ExprOptions); err != nil {
		return nil, fmt.Errorf("compiling %s: %w", ev.Name, err)
	}
	if p.Gates, err = report.CompileGates(ev.Gates, ev.BaseRequired); err != nil {
		return nil, err
	}
	return p, nil
}

// inProcessOnly reports whether the task and every scorer are computed in
// this process (expressions and the built-ins that call no model), so that a
// case has no model call to trace.
func (p *Pipeline) inProcessOnly() bool {
	if !p.taskInProcess {
		return false
	}
	for _, s := range p.scorers {
		if !s.inProcess {
			return false
		}
	}
	return true
}

// hasSlowScorer reports whether a scorer runs in a goroutine of its own.
func (p *Pipeline) hasSlowScorer() bool {
	for _, s := range p.scorers {
		if s.slow {
			return true
		}
	}
	return false
}

// ScorerNames lists the scorers in the order the eval declares them.
func (p *Pipeline) ScorerNames() []string {
	out := make([]string, len(p.scorers))
	for i, s := range p.scorers {
		out[i] = s.name
	}
	return out
}

// Close stops every process and connection the pipeline started.
func (p *Pipeline) Close() error {
	var errs []error
	for _, f := range p.closers {
		errs = append(errs, f.Close())
	}
	p.closers = nil
	return errors.Join(errs...)
}

// bodyKind is the kind of body b runs, following a function slug.
func (p *Pipeline) bodyKind(b spec.Body) string {
	if f := p.Eval.Functions[b.Function]; b.Kind == spec.KindFunction && f != nil {
		return f.Body.Kind
	}
	return b.Kind
}

// function builds a task or scorer function from a body, following a slug to
// the function it names.
func (p *Pipeline) function(b spec.Body, role string, opts Options) (functions.Function, error) {
	if b.Kind == spec.KindFunction {
		f, ok := p.Eval.Functions[b.Function]
		if !ok {
			return nil, fmt.Errorf("no function with slug %q", b.Function)
		}
		b = f.Body
	}
	build := functions.New
	if opts.Kinds != nil {
		build = opts.Kinds.New
	}
	fn, err := build(b, functions.Options{
		Role: role, Concurrency: p.Concurrency, Timeout: p.Timeout, Env: opts.Env,
		ExprOptions: p.ExprOptions, Stderr: opts.Stderr, LLM: opts.LLM, Mask: opts.Mask, Vars: opts.Vars,
		Attachments: p.loadAttachment, Functions: p.Eval.Functions,
	})
	if err != nil {
		return nil, err
	}
	p.closers = append(p.closers, fn)
	return fn, nil
}
