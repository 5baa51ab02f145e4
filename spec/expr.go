package spec

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"gopkg.in/yaml.v3"
)

// Expr is an expression written in a YAML file, with what is needed to point at
// any character of it in that file.
type Expr struct {
	Code string
	File string
	Pos  Pos
	node *yaml.Node
	src  []byte
}

// PosAt returns the file position of the rune at offset in Code.
func (e Expr) PosAt(offset int) Pos {
	if e.node == nil || e.src == nil {
		return e.Pos
	}
	return locateInScalar(e.src, e.node, e.Code, offset)
}

// Scope names the variables an expression sees.
type Scope string

// The expression scopes of the format.
const (
	ScopeField   Scope = "data.fields"
	ScopeFilter  Scope = "data.filter"
	ScopeTask    Scope = "task"
	ScopeScorer  Scope = "scorer"
	ScopeHTTPOut Scope = "http.output"
	ScopeGate    Scope = "gate"
	ScopeCase    Scope = "pass"
	// ScopeErrorScore is error_score.expr's: see ErrorScoreEnv.
	ScopeErrorScore Scope = "error_score"
)

func exprOptions(scope Scope, helpers []expr.Option) []expr.Option {
	opts := []expr.Option{expr.Env(EnvOf(scope))}
	if scope == ScopeGate || scope == ScopeFilter || scope == ScopeCase {
		opts = append(opts, expr.AsBool())
	}
	return append(opts, helpers...)
}

// functionNames returns the names of the functions opts define, sorted.
func functionNames(opts []expr.Option) []string {
	c := conf.CreateNew()
	for _, opt := range opts {
		opt(c)
	}
	names := make([]string, 0, len(c.Functions))
	for name := range c.Functions {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// exprCompiler compiles the expressions of one Validator with the helper
// functions of its Catalog, and remembers those that compiled without a problem
// in a given scope and context, so the same expression in many files is
// compiled once.
type exprCompiler struct {
	helpers []expr.Option
	names   []string // of the helpers, in the catalog's order
	clean   sync.Map
	count   atomic.Int64
}

func newExprCompiler(c Catalog) *exprCompiler {
	return &exprCompiler{helpers: HelperOptions(c), names: helperNames(c)}
}

const maxCleanExprs = 10_000

// exprCheck is what an expression must name correctly besides variables: the
// members of `scores` and `parameters` that exist.
type exprCheck struct {
	scorers    []string
	parameters []string
}

var (
	unknownName  = regexp.MustCompile(`^unknown name (\S+)`)
	unknownField = regexp.MustCompile(`^type spec\.(\w+) has no field (\S+)`)
	summaryTypes = map[string]any{"ScoreStats": ScoreStats{}, "MetricStats": MetricStats{}}
)

// compileExpr compiles e in scope and reports any error at the file position of
// the offending character.
func compileExpr(e Expr, scope Scope, chk exprCheck, r *reporter) {
	c := r.exprs
	key := string(scope) + "\x00" + e.Code + "\x00" + strings.Join(chk.scorers, ",") + "\x00" + strings.Join(chk.parameters, ",")
	if _, ok := c.clean.Load(key); ok {
		return
	}
	before := len(r.diags)
	defer func() {
		if len(r.diags) == before && c.count.Add(1) <= maxCleanExprs {
			c.clean.Store(key, struct{}{})
		}
	}()
	helpers, names := c.helpers, c.names
	if scope == ScopeGate {
		helpers, names = nil, nil // gates see the summary only
	}
	prog, err := expr.Compile(e.Code, exprOptions(scope, helpers)...)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			r.at(e.PosAt(fe.From), "%s", exprMessage(fe.Message, scope, names))
			return
		}
		r.at(e.Pos, "%s", compileMessage(err, scope))
		return
	}
	ast.Walk(new(prog.Node()), &memberChecker{e: e, chk: chk, r: r})
}

var notBool = regexp.MustCompile(`^expected bool, but got (\w+)`)

// compileMessage words an error expr reports without a position.
func compileMessage(err error, scope Scope) string {
	if m := notBool.FindStringSubmatch(err.Error()); m != nil {
		what := "a gate"
		example := "errors == 0"
		if scope == ScopeFilter {
			what, example = "a filter", `metadata.lang == "en"`
		}
		return fmt.Sprintf("expression: %s must be true or false, not %s: write a comparison such as %s", what, typeNoun(goTypeNoun(m[1])), example)
	}
	return "expression: " + err.Error()
}

func goTypeNoun(t string) string {
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "integer"
	case strings.HasPrefix(t, "float"):
		return "number"
	case strings.HasPrefix(t, "map"):
		return "object"
	case strings.HasPrefix(t, "[]"):
		return "array"
	}
	return t
}

// exprMessage words an error expr reports at a position; helpers are the names
// of the helper functions in scope.
func exprMessage(msg string, scope Scope, helpers []string) string {
	msg = strings.TrimSpace(msg)
	if m := unknownName.FindStringSubmatch(msg); m != nil {
		names := VariablesOf(scope)
		if scope != ScopeGate {
			names = append(names, helpers...)
		}
		out := fmt.Sprintf("expression: unknown name %q", m[1])
		if !contains(names, "output") && scope != ScopeGate && suggest(m[1], []string{"output"}) != "" {
			return out + "; `output` is only visible to scorers"
		}
		if s := suggest(m[1], names); s != "" {
			return out + fmt.Sprintf("; did you mean %q?", s)
		}
		return out + "; available: " + strings.Join(names, ", ")
	}
	if m := unknownField.FindStringSubmatch(msg); m != nil && summaryTypes[m[1]] != nil {
		fields := tagNames(reflect.TypeOf(summaryTypes[m[1]]))
		out := fmt.Sprintf("expression: a summary has no field %q", m[2])
		if s := suggest(m[2], fields); s != "" {
			return out + fmt.Sprintf("; did you mean %q?", s)
		}
		return out + "; fields: " + strings.Join(fields, ", ")
	}
	return "expression: " + msg
}

// memberChecker reports scores.NAME and parameters.NAME that name nothing.
type memberChecker struct {
	e   Expr
	chk exprCheck
	r   *reporter
}

func (m *memberChecker) Visit(node *ast.Node) {
	mem, ok := (*node).(*ast.MemberNode)
	if !ok {
		return
	}
	id, ok := mem.Node.(*ast.IdentifierNode)
	if !ok {
		return
	}
	prop, ok := mem.Property.(*ast.StringNode)
	if !ok {
		return
	}
	var known []string
	var what string
	switch id.Value {
	case "scores":
		if m.chk.scorers == nil {
			return
		}
		known, what = m.chk.scorers, "scorer"
	case "parameters":
		if m.chk.parameters == nil {
			return
		}
		known, what = m.chk.parameters, "parameter"
	default:
		return
	}
	if contains(known, prop.Value) {
		return
	}
	msg := fmt.Sprintf("expression: no %s named %q", what, prop.Value)
	if s := suggest(prop.Value, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else if len(known) > 0 {
		msg += fmt.Sprintf("; %ss: %s", what, strings.Join(known, ", "))
	} else {
		msg += fmt.Sprintf("; the eval declares no %ss", what)
	}
	m.r.at(m.e.PosAt(prop.Location().From), "%s", msg)
}

// Compile compiles the expression to run in scope. opts add functions, such as
// the helpers of a Catalog (HelperOptions). An error names the file position
// of the problem.
func (e Expr) Compile(scope Scope, opts ...expr.Option) (*vm.Program, error) {
	prog, err := expr.Compile(e.Code, exprOptions(scope, opts)...)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			p := e.PosAt(fe.From)
			return nil, fmt.Errorf("%s:%d:%d: %s", e.File, p.Line, p.Col, exprMessage(fe.Message, scope, functionNames(opts)))
		}
		return nil, fmt.Errorf("%s:%d:%d: %w", e.File, e.Pos.Line, e.Pos.Col, err)
	}
	return prog, nil
}
