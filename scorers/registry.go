package scorers

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr"
)

// Factory builds the scorer of a `use:` scorer from its spec (sc.With holds the
// arguments) and the dependencies of the pipeline.
type Factory func(sc spec.Scorer, deps Deps) (Scorer, error)

// Deps is what factories get from the pipeline being compiled.
type Deps struct {
	// ExprOptions are added after ExprFunctions() when compiling expressions
	// (expr scorers, with.output, with.expected): extra functions or overrides.
	ExprOptions []expr.Option
	// Dir is the directory of the eval file: with.schema paths are relative to it.
	Dir string
	// File is the eval file, named in the positions of expression errors.
	File string
	// LLM sends the model calls of LLM judges; a judge built without it fails
	// with ErrNeedsProvider.
	LLM *llm.Client
	// JudgeModel is the model of built-in judges whose with.model is not set
	// (caliper.yaml's defaults.model); DefaultJudgeModel when empty.
	JudgeModel string
}

func (d Deps) exprOptions() []expr.Option {
	return append(ExprFunctions(), d.ExprOptions...)
}

// Errors of Build, for errors.Is.
var (
	// ErrNeedsProvider: the scorer is an LLM judge and no judge is registered.
	ErrNeedsProvider = errors.New("needs an LLM provider")
	// ErrUnknownBuiltin: no scorer of that name exists.
	ErrUnknownBuiltin = errors.New("unknown built-in scorer")
	// ErrUnsupportedKind: the scorer's kind is built elsewhere (by the pipeline).
	ErrUnsupportedKind = errors.New("scorer kind not built by package scorers")
)

// Registry maps the names `use:` gives to the factories of built-in scorers. The
// zero value is not usable: make one with NewRegistry or Builtins.
type Registry struct {
	factories map[string]Factory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{factories: map[string]Factory{}}
}

// Register adds a factory under a name. Registering a name twice, an empty name
// or a nil factory is a programming error and panics.
func (r *Registry) Register(name string, f Factory) {
	if name == "" || f == nil {
		panic("scorers: Register needs a name and a factory")
	}
	if _, dup := r.factories[name]; dup {
		panic(fmt.Sprintf("scorers: scorer %q is already registered", name))
	}
	r.factories[name] = f
}

// Lookup returns the factory registered under name.
func (r *Registry) Lookup(name string) (Factory, bool) {
	if r == nil {
		return nil, false
	}
	f, ok := r.factories[name]
	return f, ok
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	if r == nil {
		return nil
	}
	names := make([]string, 0, len(r.factories))
	for name := range r.factories {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// builtins are the heuristic built-in scorers: one line each. LLM judges are
// registered by the package that owns model providers.
var builtins = []struct {
	name    string
	factory Factory
}{
	{"exact_match", newExactMatch},
	{"levenshtein", newLevenshtein},
	{"numeric_diff", newNumericDiff},
	{"json_diff", newJSONDiff},
	{"valid_json", newValidJSON},
	{"list_contains", newListContains},
	{"contains", newContains},
	{"regex", newRegex},
	{"json_schema", newJSONSchema},
}

// Builtins returns a new registry that holds every heuristic built-in scorer.
func Builtins() *Registry {
	r := NewRegistry()
	for _, b := range builtins {
		r.Register(b.name, b.factory)
	}
	return r
}

// Build builds the scorer of an expr or use scorer: an expr scorer compiles its
// expression once (with ExprFunctions and deps.ExprOptions); a use scorer is
// built by the factory reg holds for its name. Function, exec, http and prompt
// scorers are built by the pipeline: Build returns an error that wraps
// ErrUnsupportedKind.
func Build(sc spec.Scorer, reg *Registry, deps Deps) (Scorer, error) {
	switch sc.Kind {
	case spec.KindExpr:
		if sc.Expr == nil {
			return nil, fmt.Errorf("building scorer %q: it has no expression", sc.Name)
		}
		s, err := newExprScorer(sc.Name, *sc.Expr, deps)
		if err != nil {
			return nil, fmt.Errorf("building scorer %q: %w", sc.Name, err)
		}
		return s, nil
	case spec.KindBuiltin:
		return buildBuiltin(sc, reg, deps)
	case "":
		return nil, fmt.Errorf("building scorer %q: it has no body (expr, use, function, exec, http or prompt)", sc.Name)
	}
	return nil, fmt.Errorf("building scorer %q: %s scorers are built by the pipeline: %w", sc.Name, sc.Kind, ErrUnsupportedKind)
}

func buildBuiltin(sc spec.Scorer, reg *Registry, deps Deps) (Scorer, error) {
	f, ok := reg.Lookup(sc.Builtin)
	args, known := spec.Builtins[sc.Builtin]
	if !ok {
		if known && args.Judge {
			return nil, fmt.Errorf("scorer %q %w; %s is an LLM judge and no judge is registered in this pipeline", sc.Name, ErrNeedsProvider, sc.Builtin)
		}
		return nil, fmt.Errorf("building scorer %q: %w %q; available: %s", sc.Name, ErrUnknownBuiltin, sc.Builtin, strings.Join(reg.Names(), ", "))
	}
	if known {
		for _, key := range sortedKeys(sc.With) {
			if !slices.Contains(args.Allowed, key) {
				return nil, fmt.Errorf("building scorer %q: %q is not an argument of %s; its arguments: %s", sc.Name, key, sc.Builtin, strings.Join(args.Allowed, ", "))
			}
		}
	}
	s, err := f(sc, deps)
	if err != nil {
		return nil, fmt.Errorf("building scorer %q (%s): %w", sc.Name, sc.Builtin, err)
	}
	return s, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
