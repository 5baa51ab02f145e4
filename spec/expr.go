package spec

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
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
)

// HelperFunctions are the functions expressions can call besides expr-lang's
// builtins (lower, trim, len, toJSON, ...). Package scorers implements them.
var HelperFunctions = []string{
	"levenshtein", "numeric_diff", "json_diff", "exact_match", "valid_json",
	"list_contains", "parse_json", "to_json",
}

var errUnbound = errors.New("helper functions are bound when the pipeline is compiled")

func exprOptions(scope Scope) []expr.Option {
	opts := []expr.Option{expr.Env(EnvOf(scope))}
	if scope == ScopeGate || scope == ScopeFilter {
		opts = append(opts, expr.AsBool())
	}
	for _, name := range HelperFunctions {
		opts = append(opts, expr.Function(name, func(...any) (any, error) { return nil, errUnbound }))
	}
	return opts
}

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
	prog, err := expr.Compile(e.Code, exprOptions(scope)...)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			r.at(e.PosAt(fe.From), "%s", exprMessage(fe.Message, scope))
			return
		}
		r.at(e.Pos, "invalid expression: %v", err)
		return
	}
	ast.Walk(new(prog.Node()), &memberChecker{e: e, chk: chk, r: r})
}

func exprMessage(msg string, scope Scope) string {
	msg = strings.TrimSpace(msg)
	if m := unknownName.FindStringSubmatch(msg); m != nil {
		names := VariablesOf(scope)
		if scope != ScopeGate {
			names = append(names, HelperFunctions...)
		}
		out := fmt.Sprintf("expression: unknown name %q", m[1])
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

// locateInScalar maps a rune offset in a scalar's decoded value to its position
// in the source, following quotes, escapes and block indentation.
func locateInScalar(src []byte, n *yaml.Node, value string, offset int) Pos {
	lineStarts := []int{0}
	for i, c := range src {
		if c == '\n' {
			lineStarts = append(lineStarts, i+1)
		}
	}
	if n.Line < 1 || n.Line > len(lineStarts) {
		return nodePos(n)
	}
	at := lineStarts[n.Line-1]
	for col := 1; col < n.Column && at < len(src); col++ {
		_, size := utf8.DecodeRune(src[at:])
		at += size
	}
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		for at < len(src) && src[at] != '\n' {
			at++
		}
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		at++
	}
	i := 0
	for _, want := range value {
		if i == offset {
			break
		}
		at = advanceTo(src, at, want)
		i++
	}
	if i == offset {
		at = skipTo(src, at, value, offset)
	}
	return posOfByte(lineStarts, src, at)
}

// advanceTo moves past the next occurrence of r at or after at.
func advanceTo(src []byte, at int, r rune) int {
	for at < len(src) {
		c, size := utf8.DecodeRune(src[at:])
		at += size
		if c == r {
			return at
		}
	}
	return at
}

// skipTo moves to the source character that holds the decoded rune at offset.
func skipTo(src []byte, at int, value string, offset int) int {
	rest := []rune(value)
	if offset >= len(rest) {
		return at
	}
	want := rest[offset]
	for p := at; p < len(src); {
		c, size := utf8.DecodeRune(src[p:])
		if c == want {
			return p
		}
		p += size
	}
	return at
}

func posOfByte(lineStarts []int, src []byte, at int) Pos {
	line := 0
	for line+1 < len(lineStarts) && lineStarts[line+1] <= at {
		line++
	}
	col := utf8.RuneCount(src[lineStarts[line]:min(at, len(src))]) + 1
	return Pos{Line: line + 1, Col: col}
}

// Compile compiles the expression to run in scope. opts add or replace functions,
// such as the implementations of HelperFunctions. An error names the file position
// of the problem.
func (e Expr) Compile(scope Scope, opts ...expr.Option) (*vm.Program, error) {
	prog, err := expr.Compile(e.Code, append(exprOptions(scope), opts...)...)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			p := e.PosAt(fe.From)
			return nil, fmt.Errorf("%s:%d:%d: %s", e.File, p.Line, p.Col, exprMessage(fe.Message, scope))
		}
		return nil, fmt.Errorf("%s:%d:%d: %w", e.File, e.Pos.Line, e.Pos.Col, err)
	}
	return prog, nil
}
