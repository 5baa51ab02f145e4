package scorers

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

func exprSpec(name, code string) spec.Scorer {
	return spec.Scorer{
		Name: name,
		Pos:  spec.Pos{Line: 7, Col: 5},
		Body: spec.Body{Kind: spec.KindExpr, Expr: &spec.Expr{Code: code, File: "x.eval.yaml", Pos: spec.Pos{Line: 8, Col: 11}}},
	}
}

func useSpec(name, builtin string, with map[string]any) spec.Scorer {
	return spec.Scorer{Name: name, Pos: spec.Pos{Line: 7, Col: 5}, Builtin: builtin, With: with, Body: spec.Body{Kind: spec.KindBuiltin}}
}

func mustBuild(t *testing.T, sc spec.Scorer) Scorer {
	t.Helper()
	s, err := Build(sc, Builtins(), Deps{Dir: ".", File: "x.eval.yaml"})
	if err != nil {
		t.Fatalf("Build(%s): %v", sc.Name, err)
	}
	if s.Name() != sc.Name {
		t.Fatalf("Name() = %q, want %q", s.Name(), sc.Name)
	}
	return s
}

func TestBuiltinsRegisterEveryHeuristic(t *testing.T) {
	t.Parallel()
	reg := Builtins()
	all := Default()
	for _, name := range all.Names() {
		b, _ := all.Builtin(name)
		_, ok := reg.Lookup(name)
		switch {
		case !b.Judge && !ok:
			t.Errorf("Default() names the heuristic scorer %q; Builtins() does not register it", name)
		case b.Judge && ok:
			t.Errorf("Builtins() registers the LLM judge %q, which needs a provider", name)
		}
	}
	for _, name := range reg.Names() {
		if _, ok := all.Builtin(name); !ok {
			t.Errorf("Builtins() registers %q, which Default() (and the schema) does not name", name)
		}
	}
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	reg := NewRegistry()
	if len(reg.Names()) != 0 {
		t.Fatalf("NewRegistry() is not empty: %v", reg.Names())
	}
	called := false
	reg.Register(Builtin{Name: "custom", New: func(sc spec.Scorer, deps Deps) (Scorer, error) {
		called = true
		return newLevenshtein(sc, deps)
	}})
	if _, err := Build(useSpec("mine", "custom", nil), reg, Deps{}); err != nil || !called {
		t.Errorf("Build of a registered name: %v (factory called: %v)", err, called)
	}
	if _, err := Build(useSpec("lev", "levenshtein", nil), reg, Deps{}); !errors.Is(err, ErrUnknownBuiltin) || !strings.Contains(err.Error(), "available: custom") {
		t.Errorf("Build of a name an empty registry lacks: %v", err)
	}
	for _, bad := range []func(){
		func() { reg.Register(Builtin{Name: "custom", New: newLevenshtein}) },
		func() { reg.Register(Builtin{Name: "", New: newLevenshtein}) },
		func() { reg.Register(Builtin{Name: "nil"}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("Register did not panic on a duplicate, empty name or nil factory")
				}
			}()
			bad()
		}()
	}
}

func TestBuildErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		sc     spec.Scorer
		want   string
		target error
	}{
		{"judge", useSpec("fact", "factuality", nil),
			`scorer "fact" needs an LLM provider; factuality is an LLM judge`, ErrNeedsProvider},
		{"unknown", useSpec("x", "levenshtien", nil), `unknown built-in scorer "levenshtien"; available: contains, embedding_similarity, exact_match`, ErrUnknownBuiltin},
		{"exec", spec.Scorer{Name: "p", Body: spec.Body{Kind: spec.KindExec, Exec: &spec.Exec{Command: []string{"x"}}}},
			`building scorer "p": exec scorers are built by the pipeline`, ErrUnsupportedKind},
		{"function", spec.Scorer{Name: "f", Body: spec.Body{Kind: spec.KindFunction, Function: "g"}}, "function scorers are built by the pipeline", ErrUnsupportedKind},
		{"http", spec.Scorer{Name: "h", Body: spec.Body{Kind: spec.KindHTTP}}, "http scorers", ErrUnsupportedKind},
		{"prompt", spec.Scorer{Name: "j", Body: spec.Body{Kind: spec.KindPrompt}}, "prompt scorers", ErrUnsupportedKind},
		{"no body", spec.Scorer{Name: "e"}, "has no body", nil},
		{"expr compile", exprSpec("c", "output ==="), `building scorer "c": x.eval.yaml:8:`, nil},
		{"expr nil", spec.Scorer{Name: "n", Body: spec.Body{Kind: spec.KindExpr}}, "has no expression", nil},
		{"unknown arg", useSpec("l", "levenshtein", map[string]any{"ignore_case": true}),
			`"ignore_case" is not an argument of levenshtein; its arguments: expected, output`, nil},
		{"with expr compile", useSpec("l", "levenshtein", map[string]any{"expected": "metadata.("}),
			`building scorer "l" (levenshtein): compiling with.expected: x.eval.yaml:7:`, nil},
		{"with expr type", useSpec("l", "levenshtein", map[string]any{"output": 3}), "with.output must be an expression", nil},
		{"bad pattern", useSpec("r", "regex", map[string]any{"pattern": "("}), "compiling with.pattern: error parsing regexp", nil},
		{"no pattern", useSpec("r", "regex", nil), "regex needs `with: {pattern: ...}`", nil},
		{"bool arg", useSpec("e", "exact_match", map[string]any{"ignore_case": "yes"}), `with.ignore_case must be true or false, not string "yes"`, nil},
		{"values type", useSpec("c", "contains", map[string]any{"values": []any{"a", 1}}), "with.values[1] must be a string", nil},
		{"empty values", useSpec("c", "contains", map[string]any{"values": []any{}}), "with.values is empty", nil},
		{"unused expected", useSpec("c", "contains", map[string]any{"value": "a", "expected": "input"}), "with.expected is not used", nil},
		{"pairwise", useSpec("l", "list_contains", map[string]any{"pairwise": "embedding"}), `with.pairwise "embedding" is not a pairwise scorer`, nil},
		{"no schema", useSpec("j", "json_schema", nil), "json_schema needs `with: {schema: ...}`", nil},
		{"missing schema file", useSpec("j", "json_schema", map[string]any{"schema": "testdata/nope.json"}),
			`reading schema file "testdata/nope.json" (paths are relative to the eval file)`, nil},
		{"invalid schema", useSpec("j", "json_schema", map[string]any{"schema": map[string]any{"type": 12}}), "compiling the inline schema", nil},
		{"schema type", useSpec("v", "valid_json", map[string]any{"schema": 12}), "with.schema must be a JSON Schema (a map) or a file path", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Build(tt.sc, Builtins(), Deps{Dir: ".", File: "x.eval.yaml"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Build = %v, %v; want an error containing %q", s, err, tt.want)
			}
			if s != nil {
				t.Errorf("Build returned a scorer with its error: %#v", s)
			}
			if tt.target != nil && !errors.Is(err, tt.target) {
				t.Errorf("error %v does not wrap %v", err, tt.target)
			}
		})
	}
}

func TestExprScorer(t *testing.T) {
	t.Parallel()
	env := &spec.ScorerEnv{
		Input:    map[string]any{"q": "2+2"},
		Output:   " Four ",
		Expected: "four",
		Metadata: map[string]any{"lang": "en"},
		Tags:     []string{"math"},
		Trial:    2,
		Metrics:  map[string]float64{"tokens": 12, "nan": math.NaN()},
	}
	tests := []struct {
		code string
		want []Score
	}{
		{`lower(trim(output)) == expected`, []Score{{Name: "s", Value: 1}}},
		{`output == expected`, []Score{{Name: "s", Value: 0}}},
		{`0.25`, []Score{{Name: "s", Value: 0.25}}},
		{`trial == 2 ? 1 : 0`, []Score{{Name: "s", Value: 1}}},
		{`metrics.tokens / 24`, []Score{{Name: "s", Value: 0.5}}},
		{`"math" in tags`, []Score{{Name: "s", Value: 1}}},
		{`metadata.lang == "fr" ? 1 : nil`, []Score{{Name: "s", Skipped: true}}},
		{`levenshtein(lower(trim(output)), expected)`, []Score{{Name: "s", Value: 1}}},
		{`{score: 0.5, metadata: {input: input.q}}`, []Score{{Name: "s", Value: 0.5, Metadata: map[string]any{"input": "2+2"}}}},
		{`{score: nil}`, []Score{{Name: "s", Skipped: true}}},
		{`[{name: "exact", score: output == expected}, {name: "similar", score: levenshtein(output, expected)}]`,
			[]Score{{Name: "exact", Value: 0}, {Name: "similar", Value: 1 - 3.0/6}}},
	}
	for _, tt := range tests {
		s := mustBuild(t, exprSpec("s", tt.code))
		got, err := s.Score(context.Background(), env)
		if err != nil {
			t.Errorf("%s: %v", tt.code, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %#v, want %#v", tt.code, got, tt.want)
		}
	}
	errs := []struct{ code, want string }{
		{`1.5`, "score 1.5 is outside [0, 1]"},
		{`"x"`, `not string "x"`},
		{`metrics.nan`, "score is NaN"},
		{`-1`, "score -1 is outside [0, 1]"},
		{`input`, `unknown key "q" in a scorer result; its keys are score, metadata`},
		{`{score: 2}`, "score 2 is outside"},
		{`parse_json(output).x`, "evaluating the expression: parse_json:"},
		{`input.q.x`, "evaluating the expression:"},
	}
	for _, tt := range errs {
		s := mustBuild(t, exprSpec("s", tt.code))
		got, err := s.Score(context.Background(), env)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s = %v, %v; want an error containing %q", tt.code, got, err, tt.want)
		}
	}
}

func TestExprScorerEnvValueOrPointer(t *testing.T) {
	t.Parallel()
	prog, err := exprSpec("s", `output == expected && trial == 1 && metadata.k == "v"`).Expr.Compile(spec.ScopeScorer, ExprFunctions()...)
	if err != nil {
		t.Fatal(err)
	}
	env := spec.ScorerEnv{Output: "a", Expected: "a", Trial: 1, Metadata: map[string]any{"k": "v"}}
	for _, e := range []any{env, &env} {
		if got, err := runProgram(prog, e); err != nil || got != true {
			t.Errorf("running with %T: %v, %v; want true", e, got, err)
		}
	}
	// A nil environment is an empty case, not a panic.
	s := mustBuild(t, exprSpec("s", `output == nil`))
	if got, err := s.Score(context.Background(), nil); err != nil || got[0].Value != 1 {
		t.Errorf("Score(nil env) = %v, %v", got, err)
	}
}

func TestBuiltinScorers(t *testing.T) {
	t.Parallel()
	env := &spec.ScorerEnv{
		Input:    map[string]any{"question": "Capital of France?", "gold": "Paris"},
		Output:   `{"city": "paris", "country": "France", "answer": "yes", "confidence": 0.9}`,
		Expected: map[string]any{"country": "France", "city": "paris", "answer": "yes", "confidence": 0.9},
		Metadata: map[string]any{"aliases": []any{"Paris", "City of Light"}, "list": []any{"b", "a"}},
	}
	tests := []struct {
		name string
		sc   spec.Scorer
		want float64
		md   map[string]any
	}{
		{"exact_match by JSON equality", useSpec("em", "exact_match", nil), 1, nil},
		{"exact_match with.output", useSpec("em", "exact_match", map[string]any{"output": `parse_json(output).city`, "expected": `input.gold`}), 0, nil},
		{"exact_match ignore_case", useSpec("em", "exact_match", map[string]any{"output": `parse_json(output).city`, "expected": `input.gold`, "ignore_case": true}), 1, nil},
		{"levenshtein with.expected", useSpec("lev", "levenshtein", map[string]any{"output": `parse_json(output).city`, "expected": `"pariss"`}), 1 - 1.0/6, nil},
		{"numeric_diff", useSpec("nd", "numeric_diff", map[string]any{"output": `parse_json(output).confidence`, "expected": `1`}), 1 - 0.1/1.9, nil},
		{"json_diff", useSpec("jd", "json_diff", nil), 1, nil},
		{"json_diff with.expected", useSpec("jd", "json_diff", map[string]any{"expected": `{city: "Paris", country: "France", answer: "yes", confidence: 0.9}`}), (1 + 1 + 1 + 0.8) / 4, nil},
		{"valid_json", useSpec("vj", "valid_json", nil), 1, nil},
		{"valid_json schema file", useSpec("vj", "valid_json", map[string]any{"schema": "testdata/answer.schema.json"}), 1, nil},
		{"valid_json yaml schema", useSpec("vj", "valid_json", map[string]any{"schema": "testdata/answer.schema.yaml"}), 1, nil},
		{"valid_json inline schema fails", useSpec("vj", "valid_json", map[string]any{"schema": map[string]any{"required": []any{"source"}}}), 0,
			map[string]any{"reason": "does not match the schema: (root): source is required"}},
		{"valid_json with.output", useSpec("vj", "valid_json", map[string]any{"output": `input.question`}), 0,
			map[string]any{"reason": "not JSON: invalid character 'C' looking for beginning of value"}},
		{"json_schema file", useSpec("js", "json_schema", map[string]any{"schema": "testdata/answer.schema.json"}), 1, nil},
		{"json_schema fails", useSpec("js", "json_schema", map[string]any{"schema": map[string]any{"properties": map[string]any{"confidence": map[string]any{"maximum": 0.5}}}}), 0,
			map[string]any{"errors": []string{"confidence: Must be less than or equal to 0.5"}}},
		{"contains value", useSpec("c", "contains", map[string]any{"value": "France"}), 1, nil},
		{"contains values", useSpec("c", "contains", map[string]any{"values": []any{"France", "Berlin"}}), 0, map[string]any{"missing": []string{"Berlin"}}},
		{"contains ignore_case", useSpec("c", "contains", map[string]any{"value": "PARIS", "ignore_case": true}), 1, nil},
		{"contains expected list", useSpec("c", "contains", map[string]any{"output": `"Paris, the City of Light"`, "expected": `metadata.aliases`}), 1, nil},
		{"contains expected", useSpec("c", "contains", map[string]any{"expected": `input.gold`}), 0, map[string]any{"missing": []string{"Paris"}}},
		{"regex", useSpec("r", "regex", map[string]any{"pattern": `"city":\s*"paris"`}), 1, nil},
		{"regex ignore_case", useSpec("r", "regex", map[string]any{"pattern": `PARIS`, "ignore_case": true}), 1, nil},
		{"regex with.output", useSpec("r", "regex", map[string]any{"pattern": `^\d+$`, "output": `input.question`}), 0, nil},
		{"list_contains", useSpec("lc", "list_contains", map[string]any{"output": `["a", "b", "c"]`, "expected": `metadata.list`}), 2.0 / 3, nil},
		{"list_contains allow_extra", useSpec("lc", "list_contains", map[string]any{"output": `["a", "b", "c"]`, "expected": `metadata.list`, "allow_extra": true}), 1, nil},
		{"list_contains pairwise", useSpec("lc", "list_contains", map[string]any{"output": `[10, 1]`, "expected": `[1, 11]`, "pairwise": "numeric_diff"}), (1 + 1 - 1.0/21) / 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := mustBuild(t, tt.sc).Score(context.Background(), env)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Name != tt.sc.Name || got[0].Skipped || round5(got[0].Value) != round5(tt.want) {
				t.Fatalf("Score = %#v, want %v", got, tt.want)
			}
			if tt.md != nil && !reflect.DeepEqual(got[0].Metadata, tt.md) {
				t.Errorf("metadata = %#v, want %#v", got[0].Metadata, tt.md)
			}
		})
	}
}

func TestListContainsMetadata(t *testing.T) {
	t.Parallel()
	s := mustBuild(t, useSpec("lc", "list_contains", nil))
	got, err := s.Score(context.Background(), &spec.ScorerEnv{Output: []any{"b", "x"}, Expected: []any{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{
		map[string]any{"output": "b", "expected": "b", "score": 1.0},
		map[string]any{"output": "x", "expected": "a", "score": 0.0},
	}
	if got[0].Value != 0.5 || !reflect.DeepEqual(got[0].Metadata["pairs"], want) {
		t.Errorf("Score = %#v", got)
	}
}

func TestBuiltinScorerErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sc   spec.Scorer
		env  spec.ScorerEnv
		want string
	}{
		{useSpec("l", "levenshtein", nil), spec.ScorerEnv{Output: "a"}, "the case has no expected value"},
		{useSpec("e", "exact_match", nil), spec.ScorerEnv{Output: "a"}, "set `with.expected`"},
		{useSpec("l", "levenshtein", map[string]any{"expected": "metadata.x"}), spec.ScorerEnv{Output: "a"}, "with.expected gave nil"},
		{useSpec("c", "contains", nil), spec.ScorerEnv{Output: "a"}, "no expected value"},
		{useSpec("n", "numeric_diff", nil), spec.ScorerEnv{Output: "about 3", Expected: 3}, `numeric_diff: output: string "about 3" is not a number`},
		{useSpec("lc", "list_contains", nil), spec.ScorerEnv{Output: "a, b", Expected: []any{"a"}}, "list_contains: output: string \"a, b\" is not a list"},
		{useSpec("l", "levenshtein", map[string]any{"output": `parse_json(output)`}), spec.ScorerEnv{Output: "{", Expected: "a"}, "evaluating with.output: parse_json"},
		{useSpec("l", "levenshtein", map[string]any{"expected": `input.a.b`}), spec.ScorerEnv{Output: "a"}, "evaluating with.expected:"},
	}
	for _, tt := range tests {
		got, err := mustBuild(t, tt.sc).Score(context.Background(), &tt.env)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Score = %v, %v; want an error containing %q", tt.sc.Name, got, err, tt.want)
		}
	}
	// Scorers that look at the output alone do not need an expected value.
	for _, sc := range []spec.Scorer{
		useSpec("v", "valid_json", nil),
		useSpec("r", "regex", map[string]any{"pattern": "a"}),
		useSpec("c", "contains", map[string]any{"value": "a"}),
	} {
		if _, err := mustBuild(t, sc).Score(context.Background(), &spec.ScorerEnv{Output: "a"}); err != nil {
			t.Errorf("%s without expected: %v", sc.Builtin, err)
		}
	}
}

// Scorers are shared by the pipeline's workers: run each from many goroutines
// (go test -race checks them).
func TestScorersConcurrently(t *testing.T) {
	t.Parallel()
	scorers := []Scorer{
		mustBuild(t, exprSpec("e", `levenshtein(output, expected) > 0.5 ? {score: 1, metadata: {o: output}} : 0`)),
		mustBuild(t, useSpec("lev", "levenshtein", map[string]any{"output": "lower(output)"})),
		mustBuild(t, useSpec("js", "json_schema", map[string]any{"schema": "testdata/answer.schema.json"})),
		mustBuild(t, useSpec("vj", "valid_json", map[string]any{"schema": map[string]any{"type": "object"}})),
		mustBuild(t, useSpec("lc", "list_contains", map[string]any{"output": `parse_json(output).list`, "expected": `["a", "b"]`})),
		mustBuild(t, exprSpec("h", `valid_json(output, {type: "object"})`)),
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				env := &spec.ScorerEnv{Output: `{"answer": "yes", "confidence": 0.5, "list": ["b", "a"]}`, Expected: "x", Trial: g*1000 + i}
				for _, s := range scorers {
					if _, err := s.Score(context.Background(), env); err != nil {
						t.Errorf("%s: %v", s.Name(), err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestBuildUsesTheRegistrysHelpers: an expression sees the helpers of the
// registry it is built with, so a custom registry can add or leave them out.
func TestBuildUsesTheRegistrysHelpers(t *testing.T) {
	t.Parallel()
	reg := NewRegistry()
	reg.RegisterHelper(spec.Helper{Name: "twice", Func: func(p ...any) (any, error) { return p[0].(float64) * 2, nil }, Types: []any{new(func(float64) float64)}})
	s, err := Build(exprSpec("t", "twice(0.25)"), reg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Score(context.Background(), &spec.ScorerEnv{})
	if err != nil || got[0].Value != 0.5 {
		t.Errorf("twice(0.25) = %v, %v; want 0.5", got, err)
	}
	if _, err := Build(exprSpec("l", `levenshtein("a", "b")`), reg, Deps{}); err == nil || !strings.Contains(err.Error(), `unknown name "levenshtein"`) {
		t.Errorf("a registry without levenshtein compiled it: %v", err)
	}
}
