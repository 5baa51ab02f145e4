package spec

import (
	"slices"

	"github.com/expr-lang/expr"
)

// Catalog tells validation the components a file may name that are not part of
// the format itself: the built-in scorers (`use:` and the arguments of `with:`),
// the helper functions expressions call, and the kinds of function bodies that
// can be built. spec owns the interface; the packages that implement the
// components fill it (scorers.Registry, functions.Kinds; pipeline.DefaultCatalog
// combines them), and the callers of NewValidator pass it in, so that
// validation knows exactly what the run will build.
type Catalog interface {
	// BuiltinScorer returns the spec of the built-in scorer `use:` names.
	BuiltinScorer(name string) (BuiltinScorer, bool)
	// BuiltinScorerNames returns the names of every built-in scorer, sorted.
	BuiltinScorerNames() []string
	// Helpers returns the helper functions of expressions, in the order they
	// are listed to users.
	Helpers() []Helper
}

// BodyKinds is implemented by a Catalog that also knows which body kinds
// (prompt, exec, http, expr) can be built. A Catalog without it accepts every
// kind of the format.
type BodyKinds interface {
	// BodyKind reports whether a function body of kind can be built.
	BodyKind(kind string) bool
}

// BuiltinScorer describes a built-in scorer to validation: its name and its
// `with:` arguments.
type BuiltinScorer struct {
	Name        string
	Description string
	Args        []Arg
	Judge       bool // an LLM judge: it calls a model
}

// ArgNames returns the names of the arguments in their declared order.
func (b BuiltinScorer) ArgNames() []string {
	names := make([]string, len(b.Args))
	for i, a := range b.Args {
		names[i] = a.Name
	}
	return names
}

// Arg returns the argument called name.
func (b BuiltinScorer) Arg(name string) (Arg, bool) {
	i := slices.IndexFunc(b.Args, func(a Arg) bool { return a.Name == name })
	if i < 0 {
		return Arg{}, false
	}
	return b.Args[i], true
}

// ArgType is the type of a `with:` argument, as the schema's scorer_args
// property of the same name declares it.
type ArgType string

// The types of `with:` arguments.
const (
	ArgExpression ArgType = "expression"  // an expression, compiled in the scorer scope
	ArgString     ArgType = "string"      // a string
	ArgPattern    ArgType = "pattern"     // an RE2 regular expression
	ArgBool       ArgType = "boolean"     // true or false
	ArgInteger    ArgType = "integer"     // a whole number
	ArgNumber     ArgType = "number"      // a number
	ArgObject     ArgType = "object"      // a mapping
	ArgStrings    ArgType = "string_list" // a string or a list of strings
	ArgSchema     ArgType = "schema"      // a JSON Schema inline, or a file path
	ArgModel      ArgType = "model"       // provider/model
	ArgEnum       ArgType = "enum"        // one of Arg.Enum
)

// Arg is one `with:` argument of a built-in scorer.
type Arg struct {
	Name        string
	Type        ArgType
	Required    bool
	Description string
	Enum        []string // the values an ArgEnum takes
}

// Helper is one function expressions can call besides expr-lang's builtins: its
// name, what it does, its implementation and its types, which the compiler
// checks at validation (a call with the wrong number or types of arguments is an
// error at its position in the file).
type Helper struct {
	Name        string
	Signature   string // as users read it: "levenshtein(a, b) float"
	Description string
	Func        func(params ...any) (any, error)
	Types       []any // the function types expr checks calls against, e.g. new(func(any, any) float64)
}

// Option returns the expr option that defines the helper.
func (h Helper) Option() expr.Option { return expr.Function(h.Name, h.Func, h.Types...) }

// HelperOptions returns the expr options that define the helpers of c, for
// Expr.Compile. A nil Catalog defines none.
func HelperOptions(c Catalog) []expr.Option {
	if c == nil {
		return nil
	}
	hs := c.Helpers()
	opts := make([]expr.Option, len(hs))
	for i, h := range hs {
		opts[i] = h.Option()
	}
	return opts
}

// helperNames returns the names of the helpers of c.
func helperNames(c Catalog) []string {
	if c == nil {
		return nil
	}
	var names []string
	for _, h := range c.Helpers() {
		names = append(names, h.Name)
	}
	return names
}

// EmptyCatalog knows no built-in scorer, no helper function, and accepts every
// body kind. Tests build on it; a run needs scorers.Default.
type EmptyCatalog struct{}

// BuiltinScorer finds nothing.
func (EmptyCatalog) BuiltinScorer(string) (BuiltinScorer, bool) { return BuiltinScorer{}, false }

// BuiltinScorerNames returns none.
func (EmptyCatalog) BuiltinScorerNames() []string { return nil }

// Helpers returns none.
func (EmptyCatalog) Helpers() []Helper { return nil }
