package scorers

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr"
)

// Factory builds the scorer of a `use:` scorer from its spec (sc.With holds the
// arguments) and the dependencies of the pipeline.
type Factory func(sc spec.Scorer, deps Deps) (Scorer, error)

// Deps is what factories get from the pipeline being compiled.
type Deps struct {
	// ExprOptions are added after the helpers of the registry given to Build
	// (ExprFunctions() without one) when compiling expressions (expr scorers,
	// with.output, with.expected): extra functions or overrides.
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
	// Attachments reads the case attachments the image parts of judge
	// prompts send; without it such a part is an error.
	Attachments functions.AttachmentLoader
	// helpers are the helper functions of the registry Build was given.
	helpers []expr.Option
}

func (d Deps) exprOptions() []expr.Option {
	if d.helpers == nil {
		return append(ExprFunctions(), d.ExprOptions...)
	}
	return append(slices.Clone(d.helpers), d.ExprOptions...)
}

// isJudgeName reports whether name is a built-in LLM judge, registered or not.
func isJudgeName(name string) bool {
	return slices.ContainsFunc(builtinJudges, func(bj builtinJudge) bool { return bj.name == name })
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

// Builtin is the one record of a built-in scorer: the name `use:` gives it, what
// it does, its `with:` arguments with their types, the factory that builds it
// and, when expressions can call the same scoring, that helper function. A new
// built-in scorer is one file that declares its record plus one line in
// builtinRecords (or a Register call); validation (spec.Catalog), the schema's
// drift test, the README reference and the run all read the record.
type Builtin struct {
	Name        string
	Description string
	Args        []spec.Arg
	Judge       bool // an LLM judge: it calls a model
	New         Factory
	Helper      *spec.Helper // the expression helper of the same scoring, if any
}

// Spec returns what validation needs to know of b.
func (b Builtin) Spec() spec.BuiltinScorer {
	return spec.BuiltinScorer{Name: b.Name, Description: b.Description, Args: b.Args, Judge: b.Judge}
}

// Registry holds the built-in scorers and the expression helpers of a pipeline.
// It is the spec.Catalog that validation is given. The zero value is not
// usable: make one with NewRegistry, Builtins or Default.
type Registry struct {
	builtins map[string]Builtin
	helpers  []spec.Helper
}

var _ spec.Catalog = (*Registry)(nil)

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{builtins: map[string]Builtin{}}
}

// Register adds a built-in scorer, and its helper when it has one. Registering
// a name twice, an empty name or a nil factory is a programming error and
// panics.
func (r *Registry) Register(b Builtin) {
	if b.Name == "" || b.New == nil {
		panic("scorers: Register needs a name and a factory")
	}
	if _, dup := r.builtins[b.Name]; dup {
		panic(fmt.Sprintf("scorers: scorer %q is already registered", b.Name))
	}
	r.builtins[b.Name] = b
	if b.Helper != nil {
		r.RegisterHelper(*b.Helper)
	}
}

// RegisterHelper adds a helper function of expressions. Registering a name
// twice, an empty name or a helper without implementation or types panics.
func (r *Registry) RegisterHelper(h spec.Helper) {
	if h.Name == "" || h.Func == nil || len(h.Types) == 0 {
		panic("scorers: RegisterHelper needs a name, a function and its types")
	}
	if slices.ContainsFunc(r.helpers, func(o spec.Helper) bool { return o.Name == h.Name }) {
		panic(fmt.Sprintf("scorers: helper %q is already registered", h.Name))
	}
	r.helpers = append(r.helpers, h)
}

// Lookup returns the factory registered under name.
func (r *Registry) Lookup(name string) (Factory, bool) {
	b, ok := r.Builtin(name)
	return b.New, ok
}

// Builtin returns the record registered under name.
func (r *Registry) Builtin(name string) (Builtin, bool) {
	if r == nil {
		return Builtin{}, false
	}
	b, ok := r.builtins[name]
	return b, ok
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	if r == nil {
		return nil
	}
	names := make([]string, 0, len(r.builtins))
	for name := range r.builtins {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// BuiltinScorer returns the spec of the built-in scorer registered under name.
func (r *Registry) BuiltinScorer(name string) (spec.BuiltinScorer, bool) {
	b, ok := r.Builtin(name)
	return b.Spec(), ok
}

// BuiltinScorerNames returns the registered names, sorted.
func (r *Registry) BuiltinScorerNames() []string { return r.Names() }

// Helpers returns the helper functions in the order they were registered.
func (r *Registry) Helpers() []spec.Helper {
	if r == nil {
		return nil
	}
	return slices.Clone(r.helpers)
}

// ExprOptions returns the expr options that define the helper functions, for
// spec.Expr.Compile.
func (r *Registry) ExprOptions() []expr.Option { return spec.HelperOptions(r) }

// builtinRecords are the heuristic built-in scorers, one record each, in the
// order they are documented. LLM judges are added by RegisterJudges.
var builtinRecords = []Builtin{
	levenshteinBuiltin,
	numericDiffBuiltin,
	jsonDiffBuiltin,
	exactMatchBuiltin,
	validJSONBuiltin,
	listContainsBuiltin,
	containsBuiltin,
	regexBuiltin,
	jsonSchemaBuiltin,
	rougeNBuiltin,
	embeddingSimilarityBuiltin,
	toolCalledBuiltin,
	toolArgsMatchBuiltin,
	toolSequenceBuiltin,
	toolCallF1Builtin,
}

// helperRecords are the helper functions that belong to no built-in scorer.
var helperRecords = []spec.Helper{parseJSONHelper, toJSONHelper}

// Builtins returns a new registry that holds every heuristic built-in scorer
// and every expression helper.
func Builtins() *Registry {
	r := NewRegistry()
	for _, b := range builtinRecords {
		r.Register(b)
	}
	for _, h := range helperRecords {
		r.RegisterHelper(h)
	}
	return r
}

// Default returns a new registry with everything a run can use: Builtins and
// the LLM judges. It is the spec.Catalog of `caliper validate` and `run`.
func Default() *Registry {
	r := Builtins()
	RegisterJudges(r)
	return r
}

// Build builds the scorer of an expr or use scorer: an expr scorer compiles its
// expression once (with the helpers of reg and deps.ExprOptions); a use scorer is
// built by the factory reg holds for its name. Function, exec, http and prompt
// scorers are built by the pipeline: Build returns an error that wraps
// ErrUnsupportedKind.
func Build(sc spec.Scorer, reg *Registry, deps Deps) (Scorer, error) {
	if reg != nil {
		deps.helpers = reg.ExprOptions()
	}
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
	b, ok := reg.Builtin(sc.Builtin)
	if !ok {
		if isJudgeName(sc.Builtin) {
			return nil, fmt.Errorf("scorer %q %w; %s is an LLM judge and no judge is registered in this pipeline", sc.Name, ErrNeedsProvider, sc.Builtin)
		}
		return nil, fmt.Errorf("building scorer %q: %w %q; available: %s", sc.Name, ErrUnknownBuiltin, sc.Builtin, strings.Join(reg.Names(), ", "))
	}
	if b.Args != nil {
		allowed := b.Spec().ArgNames()
		for _, key := range sortedKeys(sc.With) {
			if !slices.Contains(allowed, key) {
				return nil, fmt.Errorf("building scorer %q: %q is not an argument of %s; its arguments: %s", sc.Name, key, sc.Builtin, strings.Join(allowed, ", "))
			}
		}
	}
	s, err := b.New(sc, deps)
	if err != nil {
		return nil, fmt.Errorf("%sbuilding scorer %q (%s): %w", positionOf(deps.File, sc.Pos), sc.Name, sc.Builtin, err)
	}
	return s, nil
}

// positionOf is "file:line:col: " of a scorer in its eval file, or "" when
// either is unknown.
func positionOf(file string, pos spec.Pos) string {
	if file == "" || !pos.IsKnown() {
		return ""
	}
	return fmt.Sprintf("%s:%d:%d: ", file, pos.Line, pos.Col)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
