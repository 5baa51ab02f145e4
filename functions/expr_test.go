package functions

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr"
)

func TestExpr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		role   string
		code   string
		opts   []expr.Option
		req    *Request
		want   any
		newErr []string
		err    []string
	}{
		{name: "task", code: "input.a + input.b", req: &Request{Input: map[string]any{"a": 1, "b": 2}}, want: 3},
		{name: "task sees the case", code: `[expected, metadata.lang, tags[0], trial, parameters.model]`,
			req:  &Request{Expected: "e", Metadata: map[string]any{"lang": "en"}, Tags: []string{"t"}, Trial: 2, Parameters: map[string]any{"model": "m"}},
			want: []any{"e", "en", "t", 2, "m"}},
		{name: "scorer", role: RoleScorer, code: "lower(output) == expected", req: &Request{Output: "YES", Expected: "yes"}, want: true},
		{name: "nil request", code: "input == nil", want: true},
		{name: "helper functions from options", role: RoleScorer, code: "levenshtein(output, expected)",
			opts: []expr.Option{expr.Function("levenshtein", func(args ...any) (any, error) { return 0.5, nil })},
			req:  &Request{Output: "a", Expected: "b"}, want: 0.5},
		{name: "a task has no output", code: "output", newErr: []string{"evals/x.eval.yaml:3:9: expression: unknown name \"output\"", "compiling expression"}},
		{name: "unbound helper", role: RoleScorer, code: "levenshtein(output, expected)", req: &Request{}, newErr: []string{`evals/x.eval.yaml:3:9: expression: unknown name "levenshtein"`, "compiling expression"}},
		{name: "the env is the case's, a value", code: "[$env, $env.input]", req: &Request{Input: "q", Trial: 1},
			want: []any{spec.TaskEnv{Input: "q", Trial: 1}, "q"}},
		{name: "a scorer's env is the case's, a value", role: RoleScorer, code: "$env", req: &Request{Output: "o"},
			want: spec.ScorerEnv{Output: "o"}},
		{name: "runtime error", code: "input.a / input.b > 1 ? 1 : input.a.c", req: &Request{Input: map[string]any{"a": 1, "b": 2}}, err: []string{"evals/x.eval.yaml:3:", `evaluating "input.a / input.b > 1 ? 1 : input.a.c"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := &spec.Expr{Code: tt.code, File: "evals/x.eval.yaml", Pos: spec.Pos{Line: 3, Col: 9}}
			f, err := New(spec.Body{Kind: spec.KindExpr, Expr: e}, Options{Role: tt.role, ExprOptions: tt.opts})
			if len(tt.newErr) > 0 {
				wantErr(t, err, tt.newErr...)
				return
			}
			wantErr(t, err)
			defer f.Close()
			got, err := f.Call(context.Background(), tt.req)
			wantErr(t, err, tt.err...)
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestExprCancelled(t *testing.T) {
	t.Parallel()
	f := mustNew(t, spec.Body{Kind: spec.KindExpr, Expr: &spec.Expr{Code: "1"}}, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Call(ctx, nil); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("got %v, want a cancellation", err)
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body spec.Body
		opts Options
		want string
	}{
		{name: "prompt", body: spec.Body{Kind: spec.KindPrompt, Prompt: &spec.Prompt{}}, want: "the pipeline renders and sends prompts with package llm"},
		{name: "function", body: spec.Body{Kind: spec.KindFunction, Function: "judge"}, want: `function "judge" is a reference: resolve the slug`},
		{name: "builtin", body: spec.Body{Kind: spec.KindBuiltin}, want: "package scorers"},
		{name: "empty", body: spec.Body{}, want: "empty function body"},
		{name: "unknown", body: spec.Body{Kind: "grpc"}, want: `unknown function kind "grpc"`},
		{name: "role", body: spec.Body{Kind: spec.KindExpr, Expr: &spec.Expr{Code: "1"}}, opts: Options{Role: "judge"}, want: `unknown function role "judge"`},
		{name: "empty command", body: spec.Body{Kind: spec.KindExec, Exec: &spec.Exec{}}, want: "exec: empty command"},
		{name: "empty url", body: spec.Body{Kind: spec.KindHTTP, HTTP: &spec.HTTP{}}, want: "http: empty url"},
		{name: "nil exec", body: spec.Body{Kind: spec.KindExec}, want: "exec body without a command"},
		{name: "bad url template", body: spec.Body{Kind: spec.KindHTTP, HTTP: &spec.HTTP{URL: "http://x/{{#a}}"}}, want: "http.url: invalid template"},
		{name: "bad header template", body: spec.Body{Kind: spec.KindHTTP, HTTP: &spec.HTTP{URL: "http://x", Headers: map[string]string{"X-A": "{{/a}}"}}}, want: "http.headers.X-A: invalid template"},
		{name: "bad body template", body: spec.Body{Kind: spec.KindHTTP, HTTP: &spec.HTTP{URL: "http://x", Body: map[string]any{"q": []any{"{{#a}}"}}}}, want: "http.body.q[0]: invalid template"},
		{name: "bad output", body: spec.Body{Kind: spec.KindHTTP, HTTP: &spec.HTTP{URL: "http://x", Output: &spec.Expr{Code: "bodyy", File: "f.yaml", Pos: spec.Pos{Line: 2, Col: 3}}}}, want: `compiling http.output: f.yaml:2:3: expression: unknown name "bodyy"; did you mean "body"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := New(tt.body, tt.opts)
			if f != nil {
				t.Errorf("New returned a function with error %v", err)
			}
			wantErr(t, err, tt.want)
		})
	}
}

// TestExprEnvIsNotShared calls an expression that returns its env and one
// that does not, one after the other, and checks that the first answer keeps
// the case it was given.
func TestExprEnvIsNotShared(t *testing.T) {
	t.Parallel()
	whole := mustNew(t, spec.Body{Kind: spec.KindExpr, Expr: &spec.Expr{Code: "$env"}}, Options{})
	field := mustNew(t, spec.Body{Kind: spec.KindExpr, Expr: &spec.Expr{Code: "input"}}, Options{})
	ctx := context.Background()
	got, err := whole.Call(ctx, &Request{Input: "first"})
	wantErr(t, err)
	for range 10 {
		if _, err := field.Call(ctx, &Request{Input: "second"}); err != nil {
			t.Fatal(err)
		}
	}
	if want := (spec.TaskEnv{Input: "first"}); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}

// BenchmarkExprTask measures a call of an expression task like the one of
// the throughput benchmark.
func BenchmarkExprTask(b *testing.B) {
	f := mustNew(b, spec.Body{Kind: spec.KindExpr, Expr: &spec.Expr{Code: "string(input.a + input.b)"}}, Options{})
	ctx := context.Background()
	req := &Request{Input: map[string]any{"a": 12.0, "b": 345.0}, Expected: "357"}
	for b.Loop() {
		if _, err := f.Call(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
