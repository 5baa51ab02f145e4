package scorers

import (
	"slices"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/conf"
)

func TestExprFunctionsCoverHelperFunctions(t *testing.T) {
	t.Parallel()
	c := conf.CreateNew()
	for _, opt := range ExprFunctions() {
		opt(c)
	}
	var names []string
	for _, h := range Default().Helpers() {
		names = append(names, h.Name)
	}
	for _, name := range names {
		if c.Functions[name] == nil {
			t.Errorf("the registry names the helper %q; ExprFunctions does not provide it", name)
		}
	}
	for name := range c.Functions {
		if !slices.Contains(names, name) {
			t.Errorf("ExprFunctions provides %q, which the registry does not name", name)
		}
	}
}

// evalScorerExpr compiles code as a scorer expression and runs it over env.
func evalScorerExpr(t *testing.T, code string, env *spec.ScorerEnv) (any, error) {
	t.Helper()
	prog, err := spec.Expr{Code: code, File: "x.eval.yaml", Pos: spec.Pos{Line: 1, Col: 1}}.Compile(spec.ScopeScorer, ExprFunctions()...)
	if err != nil {
		t.Fatalf("compiling %s: %v", code, err)
	}
	return runProgram(prog, env)
}

func TestExprFunctions(t *testing.T) {
	t.Parallel()
	env := &spec.ScorerEnv{
		Output:   `{"b": 2, "a": 1}`,
		Expected: map[string]any{"a": 1.0, "b": 2.0},
		Metadata: map[string]any{"items": []any{"a", "b"}},
	}
	tests := []struct {
		code string
		want any
	}{
		{`levenshtein("ab", "ac")`, 0.5},
		{`levenshtein(1, "1")`, 1.0},
		{`numeric_diff(1, 2) > 0.66`, true},
		{`numeric_diff(0, 0)`, 1.0},
		{`json_diff({a: 1}, {a: 1})`, 1.0},
		{`exact_match(output, expected)`, 1.0},
		{`exact_match(123, "123")`, 1.0},
		{`(exact_match("a", "b") + levenshtein("ab", "ac")) / 2`, 0.25},
		{`valid_json(output)`, 1.0},
		{`valid_json("1")`, 0.0},
		{`valid_json(output, {type: "object", required: ["a"]})`, 1.0},
		{`valid_json(output, '{"type": "object", "required": ["c"]}')`, 0.0},
		{`list_contains(["a"], ["a", "b"])`, 0.5},
		{`list_contains(["a", "b"], ["b"], true)`, 1.0},
		{`list_contains(metadata.items, ["b", "a"])`, 1.0},
		{`parse_json(output).a`, 1.0},
		{`parse_json("[1, 2]")[1]`, 2.0},
		{`to_json(expected)`, `{"a":1,"b":2}`},
		{`to_json(parse_json(output)) == to_json(expected)`, true},
	}
	for _, tt := range tests {
		got, err := evalScorerExpr(t, tt.code, env)
		if err != nil {
			t.Errorf("%s: %v", tt.code, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s = %#v, want %#v", tt.code, got, tt.want)
		}
	}
}

func TestExprFunctionErrors(t *testing.T) {
	t.Parallel()
	env := &spec.ScorerEnv{Output: "not json", Metrics: map[string]float64{"bad": 0}}
	tests := []struct{ code, want string }{
		{`parse_json(output)`, "parse_json: invalid character"},
		{`parse_json(1 == 1 ? output : output)`, "parse_json"},
		{`numeric_diff(output, 1)`, `numeric_diff: output: string "not json" is not a number`},
		{`list_contains(output, [])`, "list_contains: output"},
		{`valid_json("{}", "{")`, "valid_json: the schema is not JSON"},
		{`valid_json("{}", {type: 12})`, "valid_json: invalid schema"},
		{`to_json(metrics.bad / metrics.bad)`, "to_json: NaN is not a JSON number"},
	}
	for _, tt := range tests {
		_, err := evalScorerExpr(t, tt.code, env)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.code, err, tt.want)
		}
	}
	// Signatures are checked when the expression is compiled.
	for _, code := range []string{`levenshtein("a")`, `parse_json(1)`, `list_contains([], [], "yes")`, `to_json(1) + 1`} {
		_, err := spec.Expr{Code: code, File: "x.eval.yaml", Pos: spec.Pos{Line: 3, Col: 11}}.Compile(spec.ScopeScorer, ExprFunctions()...)
		if err == nil || !strings.HasPrefix(err.Error(), "x.eval.yaml:3:") {
			t.Errorf("compiling %s: error %v, want a positioned compile error", code, err)
		}
	}
}

func TestExprFunctionsReturnFreshSlices(t *testing.T) {
	t.Parallel()
	a := ExprFunctions()
	a[0] = expr.AsBool()
	if _, err := expr.Compile(`levenshtein("a", "b")`, ExprFunctions()...); err != nil {
		t.Errorf("changing a returned slice changed the next one: %v", err)
	}
}
