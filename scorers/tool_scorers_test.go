package scorers

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// trajectoryCase scores one env with one trajectory scorer and checks the
// score (hand-computed) and, when set, some metadata.
type trajectoryCase struct {
	name    string
	with    map[string]any
	env     spec.ScorerEnv
	want    float64
	md      map[string]any // keys that must hold these values
	wantErr string
}

func runTrajectoryCases(t *testing.T, builtin string, cases []trajectoryCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := Build(useSpec(builtin, builtin, tc.with), Builtins(), Deps{File: "x.eval.yaml"})
			if err == nil {
				var got []Score
				env := tc.env
				got, err = s.Score(context.Background(), &env)
				if err == nil {
					if tc.wantErr != "" {
						t.Fatalf("score %v, want the error %q", got, tc.wantErr)
					}
					if len(got) != 1 || math.Abs(got[0].Value-tc.want) > 1e-9 {
						t.Fatalf("score %+v, want %v", got, tc.want)
					}
					for k, v := range tc.md {
						if !reflect.DeepEqual(got[0].Metadata[k], v) {
							t.Errorf("metadata[%s] = %#v, want %#v", k, got[0].Metadata[k], v)
						}
					}
					return
				}
			}
			if tc.wantErr == "" || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func calls(kv ...any) []spec.ToolCall {
	var out []spec.ToolCall
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, spec.ToolCall{Name: kv[i].(string), Arguments: kv[i+1], Turn: 1})
	}
	return out
}

type obj = map[string]any
type list = []any

// shop is a trajectory of three calls.
var shop = calls("search", obj{"q": "shoes", "limit": 5.0}, "fetch", obj{"id": 3.0}, "search", obj{"q": "hats"})

func TestToolCalled(t *testing.T) {
	t.Parallel()
	runTrajectoryCases(t, "tool_called", []trajectoryCase{
		{name: "called twice", with: obj{"name": "search"}, env: spec.ScorerEnv{ToolCalls: shop}, want: 1, md: obj{"matched": list{0, 2}, "calls": 3}},
		{name: "never called", with: obj{"name": "buy"}, env: spec.ScorerEnv{ToolCalls: shop}, want: 0, md: obj{"matched": list{}}},
		{name: "no calls at all", with: obj{"name": "search"}, env: spec.ScorerEnv{Output: "I cannot help"}, want: 0, md: obj{"calls": 0}},
		{name: "arguments by subset (default)", with: obj{"name": "search", "arguments": obj{"q": "shoes"}}, env: spec.ScorerEnv{ToolCalls: shop}, want: 1, md: obj{"matched": list{0}}},
		{name: "subset with a YAML integer", with: obj{"name": "search", "arguments": obj{"limit": 5}}, env: spec.ScorerEnv{ToolCalls: shop}, want: 1, md: obj{"matched": list{0}}},
		{name: "subset: a value differs", with: obj{"name": "search", "arguments": obj{"q": "boots"}}, env: spec.ScorerEnv{ToolCalls: shop}, want: 0},
		{name: "exact: an extra argument fails", with: obj{"name": "search", "arguments": obj{"q": "shoes"}, "compare": "exact"}, env: spec.ScorerEnv{ToolCalls: shop}, want: 0},
		{name: "exact: all arguments", with: obj{"name": "search", "arguments": obj{"limit": 5, "q": "shoes"}, "compare": "exact"}, env: spec.ScorerEnv{ToolCalls: shop}, want: 1, md: obj{"matched": list{0}}},
		// json_diff({q: shoes, limit: 5}, {q: shoe}) = (0 + 0.8) / 2 = 0.4.
		{name: "json_diff below the default 0.8", with: obj{"name": "search", "arguments": obj{"q": "shoe"}, "compare": "json_diff"}, env: spec.ScorerEnv{ToolCalls: shop}, want: 0},
		{name: "json_diff at threshold 0.35", with: obj{"name": "search", "arguments": obj{"q": "shoe"}, "compare": "json_diff", "threshold": 0.35}, env: spec.ScorerEnv{ToolCalls: shop}, want: 1, md: obj{"matched": list{0}}},
		{name: "compare name ignores arguments", with: obj{"name": "fetch", "arguments": obj{"id": 4}, "compare": "name"}, env: spec.ScorerEnv{ToolCalls: shop}, want: 1},
		{name: "a one-turn prompt's output of calls", with: obj{"name": "search", "arguments": obj{"q": "shoes"}},
			env: spec.ScorerEnv{Output: list{obj{"name": "search", "arguments": `{"q": "shoes"}`}}}, want: 1},
		{name: "with.calls", with: obj{"name": "search", "calls": "metadata.calls"},
			env: spec.ScorerEnv{Metadata: obj{"calls": list{obj{"name": "fetch"}, obj{"name": "search"}}}, ToolCalls: shop[1:2]}, want: 1, md: obj{"matched": list{1}}},
		{name: "with.calls not calls", with: obj{"name": "search", "calls": "42"}, wantErr: "with.calls: number 42 is not a list of tool calls"},
		{name: "threshold without json_diff", with: obj{"name": "search", "threshold": 0.5}, wantErr: "with.threshold applies to compare: json_diff only"},
		{name: "arguments not an object", with: obj{"name": "search", "arguments": "q"}, wantErr: "with.arguments must be an object"},
		{name: "unknown compare", with: obj{"name": "search", "compare": "fuzzy"}, wantErr: `with.compare "fuzzy" is not a way of comparing arguments`},
	})
}

var (
	searchShoes = obj{"name": "search", "arguments": obj{"q": "shoes"}}
	fetch3      = obj{"name": "fetch", "arguments": obj{"id": 3}}
)

func expectCalls(items ...any) any { return obj{"tool_calls": list(items)} }

func TestToolArgsMatch(t *testing.T) {
	t.Parallel()
	inOrder := calls("search", obj{"q": "shoes"}, "fetch", obj{"id": 3.0})
	reversed := calls("fetch", obj{"id": 3.0}, "search", obj{"q": "shoes"})
	withExtra := calls("search", obj{"q": "shoes"}, "log", obj{}, "fetch", obj{"id": 3.0})
	onlyFetch := calls("fetch", obj{"id": 3.0})
	exp := expectCalls(searchShoes, fetch3)
	mode := func(m string) obj { return obj{"mode": m} }
	runTrajectoryCases(t, "tool_args_match", []trajectoryCase{
		{name: "strict (default), in order", env: spec.ScorerEnv{Expected: exp, ToolCalls: inOrder}, want: 1, md: obj{"matched": 2, "mode": "strict"}},
		{name: "strict, reversed", env: spec.ScorerEnv{Expected: exp, ToolCalls: reversed}, want: 0, md: obj{"matched": 0, "first_mismatch": 0}},
		{name: "strict, an extra call", env: spec.ScorerEnv{Expected: exp, ToolCalls: withExtra}, want: 0, md: obj{"matched": 1, "first_mismatch": 1}},
		{name: "strict, one missing at the end", env: spec.ScorerEnv{Expected: exp, ToolCalls: inOrder[:1]}, want: 0, md: obj{"matched": 1, "first_mismatch": 1}},
		{name: "unordered, reversed", with: mode("unordered"), env: spec.ScorerEnv{Expected: exp, ToolCalls: reversed}, want: 1, md: obj{"matched": 2, "missing": list{}, "extra": list{}}},
		{name: "unordered, an extra call", with: mode("unordered"), env: spec.ScorerEnv{Expected: exp, ToolCalls: withExtra}, want: 0, md: obj{"extra": list{obj{"name": "log", "arguments": obj{}}}}},
		{name: "subset, an extra call", with: mode("subset"), env: spec.ScorerEnv{Expected: exp, ToolCalls: withExtra}, want: 1},
		{name: "subset, one missing", with: mode("subset"), env: spec.ScorerEnv{Expected: exp, ToolCalls: onlyFetch}, want: 0, md: obj{"missing": list{searchShoes}}},
		{name: "superset, an extra call", with: mode("superset"), env: spec.ScorerEnv{Expected: exp, ToolCalls: withExtra}, want: 0},
		{name: "superset, one missing", with: mode("superset"), env: spec.ScorerEnv{Expected: exp, ToolCalls: onlyFetch}, want: 1},
		{name: "both empty", env: spec.ScorerEnv{Expected: expectCalls()}, want: 1},
		{name: "none expected, one made", env: spec.ScorerEnv{Expected: expectCalls(), ToolCalls: onlyFetch}, want: 0},
		{name: "unordered counts repeats", with: mode("unordered"), env: spec.ScorerEnv{Expected: expectCalls(fetch3, fetch3), ToolCalls: onlyFetch}, want: 0},
		{name: "superset counts repeats", with: mode("superset"), env: spec.ScorerEnv{Expected: expectCalls(fetch3, fetch3), ToolCalls: onlyFetch}, want: 1},
		{name: "subset counts repeats", with: mode("subset"), env: spec.ScorerEnv{Expected: expectCalls(fetch3), ToolCalls: calls("fetch", obj{"id": 3.0}, "fetch", obj{"id": 3.0})}, want: 1},
		{name: "an expected call without arguments matches any", env: spec.ScorerEnv{Expected: expectCalls(obj{"name": "search"}, "fetch"), ToolCalls: calls("search", obj{"q": "x"}, "fetch", nil)}, want: 1},
		// A greedy pairing takes search{q: x} for the any-arguments call
		// and leaves search{q: y} without a partner; the optimal one pairs all.
		{name: "unordered pairs optimally", with: mode("unordered"),
			env: spec.ScorerEnv{Expected: expectCalls(obj{"name": "search"}, obj{"name": "search", "arguments": obj{"q": "x"}}), ToolCalls: calls("search", obj{"q": "x"}, "search", obj{"q": "y"})}, want: 1},
		{name: "exact ignores key order and 3 vs 3.0", env: spec.ScorerEnv{Expected: expectCalls(obj{"name": "f", "arguments": obj{"a": 1, "b": list{1, 2}}}), ToolCalls: calls("f", obj{"b": list{1.0, 2.0}, "a": 1.0})}, want: 1},
		{name: "exact: a different value", env: spec.ScorerEnv{Expected: expectCalls(searchShoes), ToolCalls: calls("search", obj{"q": "shoe"})}, want: 0},
		// json_diff("running shoes", "running shoe") = 1 - 1/13 = 0.923.
		{name: "json_diff ≥ 0.8", with: obj{"compare": "json_diff"}, env: spec.ScorerEnv{Expected: expectCalls(obj{"name": "search", "arguments": obj{"q": "running shoes"}}), ToolCalls: calls("search", obj{"q": "running shoe"})}, want: 1},
		{name: "json_diff below threshold 0.95", with: obj{"compare": "json_diff", "threshold": 0.95}, env: spec.ScorerEnv{Expected: expectCalls(obj{"name": "search", "arguments": obj{"q": "running shoes"}}), ToolCalls: calls("search", obj{"q": "running shoe"})}, want: 0},
		{name: "subset of arguments", with: obj{"compare": "subset"}, env: spec.ScorerEnv{Expected: expectCalls(searchShoes), ToolCalls: calls("search", obj{"q": "shoes", "limit": 5.0})}, want: 1},
		{name: "expected as a list", env: spec.ScorerEnv{Expected: list{searchShoes, fetch3}, ToolCalls: inOrder}, want: 1},
		{name: "with.expected", with: obj{"expected": "metadata.plan"}, env: spec.ScorerEnv{Metadata: obj{"plan": list{fetch3}}, ToolCalls: onlyFetch}, want: 1},
		{name: "OpenAI-shaped expected calls", env: spec.ScorerEnv{Expected: list{obj{"type": "function", "function": obj{"name": "fetch", "arguments": `{"id": 3}`}}}, ToolCalls: onlyFetch}, want: 1},
		{name: "no expected", env: spec.ScorerEnv{ToolCalls: onlyFetch}, wantErr: "the case has no expected value: give it expected: {tool_calls: [...]}"},
		{name: "expected without tool_calls", env: spec.ScorerEnv{Expected: obj{"answer": "x"}}, wantErr: "the case's expected has no tool_calls"},
		{name: "an expected call without a name", env: spec.ScorerEnv{Expected: expectCalls(obj{"arguments": obj{}})}, wantErr: "expected.tool_calls: [0]: a tool call needs a name"},
		{name: "unknown mode", with: mode("sorted"), wantErr: `with.mode "sorted" is not a mode of tool_args_match; use strict, unordered, subset, superset`},
	})
}

func TestToolSequence(t *testing.T) {
	t.Parallel()
	names := func(ns ...string) []spec.ToolCall {
		var out []spec.ToolCall
		for _, n := range ns {
			out = append(out, spec.ToolCall{Name: n})
		}
		return out
	}
	tools := func(ns ...string) obj { return obj{"tools": stringsAny(ns)} }
	runTrajectoryCases(t, "tool_sequence", []trajectoryCase{
		{name: "one skipped", with: tools("search", "fetch", "answer"), env: spec.ScorerEnv{ToolCalls: names("search", "answer")}, want: 2.0 / 3, md: obj{"lcs": list{"search", "answer"}}},
		{name: "the same", with: tools("a", "b"), env: spec.ScorerEnv{ToolCalls: names("a", "b")}, want: 1},
		{name: "reversed", with: tools("a", "b", "c"), env: spec.ScorerEnv{ToolCalls: names("c", "b", "a")}, want: 1.0 / 3},
		{name: "an extra call", with: tools("a", "b"), env: spec.ScorerEnv{ToolCalls: names("a", "x", "b", "y")}, want: 2.0 / 4, md: obj{"actual": list{"a", "x", "b", "y"}}},
		{name: "repeats", with: tools("search", "search", "answer"), env: spec.ScorerEnv{ToolCalls: names("search", "answer", "answer")}, want: 2.0 / 3},
		{name: "nothing called", with: tools("a"), env: spec.ScorerEnv{}, want: 0, md: obj{"lcs": list{}}},
		{name: "both empty", env: spec.ScorerEnv{Expected: expectCalls()}, want: 1},
		{name: "names from expected.tool_calls; arguments do not count", env: spec.ScorerEnv{Expected: expectCalls(searchShoes, fetch3), ToolCalls: calls("search", obj{"q": "boots"}, "fetch", nil)}, want: 1},
		{name: "a comma-separated string", with: obj{"tools": "a, b ,c"}, env: spec.ScorerEnv{ToolCalls: names("a", "c")}, want: 2.0 / 3, md: obj{"expected": list{"a", "b", "c"}}},
		{name: "tools and expected", with: obj{"tools": "a", "expected": "expected"}, wantErr: "with.tools and with.expected both give the expected calls"},
		{name: "empty tools", with: obj{"tools": " , "}, wantErr: "with.tools names no tool"},
	})
}

func TestLongestCommonSubsequence(t *testing.T) {
	t.Parallel()
	tests := []struct{ a, b, want []string }{
		{[]string{"a", "b", "c", "d"}, []string{"b", "d"}, []string{"b", "d"}},
		{[]string{"x", "a", "y", "b"}, []string{"a", "b", "x"}, []string{"a", "b"}},
		{nil, []string{"a"}, []string{}},
		{[]string{"a", "a", "a"}, []string{"a", "a"}, []string{"a", "a"}},
	}
	for _, tt := range tests {
		if got := longestCommonSubsequence(tt.a, tt.b); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("lcs(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestToolCallF1 reproduces the cases of promptfoo's test/assertions/toolCallF1.test.ts
// that apply (the output shapes of OpenAI and Anthropic, not Google's or
// calls found in free text), then those of compare: exact.
func TestToolCallF1(t *testing.T) {
	t.Parallel()
	fn := func(names ...string) list {
		var out list
		for _, n := range names {
			out = append(out, obj{"function": obj{"name": n, "arguments": "{}"}})
		}
		return out
	}
	expect := func(names any) obj { return obj{"tools": names} }
	wf := expect(list{"get_weather", "book_flight"})
	out := func(v any) spec.ScorerEnv { return spec.ScorerEnv{Output: v} }
	runTrajectoryCases(t, "tool_call_f1", []trajectoryCase{
		{name: "promptfoo: exact match", with: wf, env: out(obj{"tool_calls": fn("get_weather", "book_flight")}), want: 1, md: obj{"precision": 1.0, "recall": 1.0}},
		{name: "promptfoo: no match", with: wf, env: out(obj{"tool_calls": fn("search_web")}), want: 0, md: obj{"precision": 0.0, "recall": 0.0, "extra": list{"search_web"}}},
		{name: "promptfoo: over-calling", with: wf, env: out(obj{"tool_calls": fn("get_weather", "book_flight", "extra_tool")}), want: 0.8, md: obj{"precision": 2.0 / 3, "recall": 1.0}},
		{name: "promptfoo: under-calling", with: wf, env: out(obj{"tool_calls": fn("get_weather")}), want: 2.0 / 3, md: obj{"precision": 1.0, "recall": 0.5, "missing": list{"book_flight"}}},
		{name: "promptfoo: no tools called", with: expect(list{"get_weather"}), env: out(obj{"tool_calls": list{}}), want: 0},
		{name: "promptfoo: null output", with: expect(list{"get_weather"}), env: out(nil), want: 0},
		{name: "promptfoo: OpenAI tool_calls", with: expect(list{"get_weather"}), env: out(obj{"tool_calls": list{obj{"type": "function", "function": obj{"name": "get_weather", "arguments": `{"city":"NYC"}`}}}}), want: 1},
		{name: "promptfoo: OpenAI Responses function_call as JSON text", with: expect(list{"get_weather"}), env: out(`{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"NYC\"}"}`), want: 1},
		{name: "promptfoo: a named object that is no call", with: expect(list{"get_weather"}), env: out(`{"type":"response_metadata","name":"get_weather"}`), want: 0},
		{name: "promptfoo: direct array", with: wf, env: out(fn("get_weather", "book_flight")), want: 1},
		{name: "promptfoo: simple {name}", with: wf, env: out(list{obj{"name": "get_weather"}, obj{"name": "book_flight"}}), want: 1},
		{name: "promptfoo: mixed shapes", with: wf, env: out(list{fn("get_weather")[0], obj{"name": "book_flight"}}), want: 1},
		{name: "promptfoo: Anthropic tool_use block", with: expect(list{"get_weather"}), env: out(obj{"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": obj{"city": "NYC"}}), want: 1},
		{name: "promptfoo: Anthropic content blocks", with: wf, env: out(list{obj{"type": "text", "text": "Let me check."},
			obj{"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": obj{"city": "NYC"}}, obj{"type": "tool_use", "id": "toolu_02", "name": "book_flight", "input": obj{"dest": "LA"}}}), want: 1},
		{name: "promptfoo: OpenAI output as JSON text", with: expect(list{"get_weather"}), env: out(`{"tool_calls":[{"function":{"name":"get_weather","arguments":"{}"}}]}`), want: 1},
		{name: "promptfoo: Anthropic output as JSON text", with: expect(list{"get_weather"}), env: out(`[{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"NYC"}}]`), want: 1},
		{name: "promptfoo: plain text", with: expect(list{"get_weather"}), env: out("This is just a text response with no tool calls"), want: 0},
		{name: "promptfoo: partial across providers", with: wf, env: out(list{obj{"type": "tool_use", "name": "get_weather", "input": obj{}}, obj{"type": "tool_use", "name": "book_flight", "input": obj{}}, obj{"type": "tool_use", "name": "search_web", "input": obj{}}}), want: 0.8},
		{name: "promptfoo: comma-separated", with: expect("get_weather, book_flight"), env: out(obj{"tool_calls": fn("get_weather", "book_flight")}), want: 1},
		{name: "promptfoo: comma-separated, trimmed", with: expect("  get_weather  ,  book_flight  "), env: out(obj{"tool_calls": fn("get_weather")}), want: 2.0 / 3},
		{name: "promptfoo: duplicate calls count once", with: expect(list{"get_weather"}), env: out(obj{"tool_calls": list{obj{"function": obj{"name": "get_weather", "arguments": `{"city":"NYC"}`}}, obj{"function": obj{"name": "get_weather", "arguments": `{"city":"LA"}`}}}}), want: 1},
		{name: "promptfoo: duplicate expected count once", with: expect(list{"get_weather", "get_weather"}), env: out(obj{"tool_calls": fn("get_weather")}), want: 1},
		{name: "promptfoo: default threshold case, 0.667", with: expect(list{"get_weather"}), env: out(obj{"tool_calls": fn("get_weather", "extra_tool")}), want: 2.0 / 3, md: obj{"precision": 0.5, "recall": 1.0}},
		{name: "promptfoo: no expected tool name", with: expect(" , , "), wantErr: "with.tools names no tool"},
		{name: "tool_calls win over the output", with: expect(list{"a"}), env: spec.ScorerEnv{Output: fn("b"), ToolCalls: calls("a", nil)}, want: 1},
		{name: "none expected, none called", env: spec.ScorerEnv{Expected: expectCalls()}, want: 1},
		{name: "none expected, one called", env: spec.ScorerEnv{Expected: expectCalls(), ToolCalls: calls("a", nil)}, want: 0},
		// Expected search{q: a}, search{q: b}; called search{q: a} twice and
		// fetch: one pair matches, P = 1/3, R = 1/2, F1 = 2·(1/6)/(5/6) = 0.4.
		{name: "compare exact: calls matched one to one", with: obj{"compare": "exact"},
			env: spec.ScorerEnv{Expected: expectCalls(obj{"name": "search", "arguments": obj{"q": "a"}}, obj{"name": "search", "arguments": obj{"q": "b"}}),
				ToolCalls: calls("search", obj{"q": "a"}, "search", obj{"q": "a"}, "fetch", obj{})},
			want: 0.4, md: obj{"precision": 1.0 / 3, "recall": 0.5, "missing": list{obj{"name": "search", "arguments": obj{"q": "b"}}}}},
		{name: "compare exact with names only", with: obj{"compare": "exact", "tools": "a"}, wantErr: "with.tools names tools only"},
	})
}

func TestToolCallF1Function(t *testing.T) {
	t.Parallel()
	tests := []struct {
		called, expected []string
		f1, p, r         float64
	}{
		{[]string{"a", "b"}, []string{"a", "b"}, 1, 1, 1},
		{[]string{"a", "b", "c"}, []string{"a", "b"}, 0.8, 2.0 / 3, 1},
		{[]string{"a"}, []string{"a", "b"}, 2.0 / 3, 1, 0.5},
		{nil, []string{"a"}, 0, 0, 0},
		{[]string{"a"}, nil, 0, 0, 0},
		{nil, nil, 1, 1, 1},
		{[]string{"a", "a", "b"}, []string{"b", "c"}, 0.5, 0.5, 0.5},
	}
	for _, tt := range tests {
		f1, p, r := ToolCallF1(tt.called, tt.expected)
		if math.Abs(f1-tt.f1) > 1e-9 || math.Abs(p-tt.p) > 1e-9 || math.Abs(r-tt.r) > 1e-9 {
			t.Errorf("ToolCallF1(%v, %v) = %v, %v, %v; want %v, %v, %v", tt.called, tt.expected, f1, p, r, tt.f1, tt.p, tt.r)
		}
	}
}

// TestStringListArgumentMayBeOneString: the schema's string_list is a string
// or a list of strings, so a `with:` argument of that type written as one
// string is a list of one (it was refused by the scorer once validation had
// accepted it).
func TestStringListArgumentMayBeOneString(t *testing.T) {
	t.Parallel()
	s := mustBuild(t, useSpec("c", "contains", obj{"values": "world"}))
	got, err := s.Score(context.Background(), &spec.ScorerEnv{Output: "hello world"})
	if err != nil || got[0].Value != 1 {
		t.Fatalf("contains with values: world: %+v %v", got, err)
	}
}

// TestBuiltinArgumentErrorsHaveAPosition: a `with:` combination that only the
// scorer's factory can refuse is reported at the scorer's file:line:col.
func TestBuiltinArgumentErrorsHaveAPosition(t *testing.T) {
	t.Parallel()
	_, err := Build(useSpec("f1", "tool_call_f1", obj{"compare": "exact", "tools": "a"}), Builtins(), Deps{File: "agent.eval.yaml"})
	if err == nil || !strings.HasPrefix(err.Error(), `agent.eval.yaml:7:5: building scorer "f1" (tool_call_f1): with.tools names tools only`) {
		t.Errorf("error %v", err)
	}
}

func TestTrajectoryHelpers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		env  spec.ScorerEnv
		want float64
	}{
		{`tool_sequence(map(tool_calls, .name), ["search", "fetch", "answer"])`, spec.ScorerEnv{ToolCalls: calls("search", nil, "answer", nil)}, 2.0 / 3},
		{`tool_sequence(tool_calls, expected.tool_calls)`, spec.ScorerEnv{ToolCalls: calls("a", nil, "b", nil), Expected: expectCalls("b", "a")}, 0.5},
		{`tool_call_f1(tool_calls, ["get_weather", "book_flight"])`, spec.ScorerEnv{ToolCalls: calls("get_weather", nil)}, 2.0 / 3},
		{`tool_call_f1([], [])`, spec.ScorerEnv{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			s := mustBuild(t, exprSpec("h", tt.expr))
			env := tt.env
			got, err := s.Score(context.Background(), &env)
			if err != nil || math.Abs(got[0].Value-tt.want) > 1e-9 {
				t.Fatalf("%s = %+v, %v; want %v", tt.expr, got, err, tt.want)
			}
		})
	}
	s := mustBuild(t, exprSpec("h", `tool_call_f1(42, [])`))
	if _, err := s.Score(context.Background(), &spec.ScorerEnv{}); err == nil || !strings.Contains(err.Error(), "tool_call_f1: called: number 42 is not a list of tool calls") {
		t.Errorf("error %v", err)
	}
}

// TestDescriptionsKeepTheReadmeTable: a description goes into a cell of the
// README's generated Markdown table, where a bare | would split it.
func TestDescriptionsKeepTheReadmeTable(t *testing.T) {
	t.Parallel()
	reg := Default()
	for _, name := range reg.Names() {
		if b, _ := reg.Builtin(name); strings.Contains(b.Description, "|") {
			t.Errorf("the description of %s holds a |", name)
		}
	}
	for _, h := range reg.Helpers() {
		if strings.Contains(h.Description+h.Signature, "|") {
			t.Errorf("the helper %s holds a |", h.Name)
		}
	}
}

// BenchmarkTrajectoryScorers scores a trajectory of 50 calls against 50
// expected calls, in reverse order, with each trajectory scorer.
func BenchmarkTrajectoryScorers(b *testing.B) {
	var made []spec.ToolCall
	var expected list
	for i := range 50 {
		made = append(made, spec.ToolCall{Name: "tool" + string(rune('a'+i%26)), Arguments: obj{"i": float64(i)}})
		expected = append(list{obj{"name": "tool" + string(rune('a'+i%26)), "arguments": obj{"i": i}}}, expected...)
	}
	env := &spec.ScorerEnv{ToolCalls: made, Expected: obj{"tool_calls": expected}}
	for _, sc := range []spec.Scorer{
		useSpec("unordered", "tool_args_match", obj{"mode": "unordered", "compare": "json_diff"}),
		useSpec("sequence", "tool_sequence", nil),
		useSpec("f1", "tool_call_f1", obj{"compare": "exact"}),
	} {
		s, err := Build(sc, Builtins(), Deps{File: "x.eval.yaml"})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(sc.Name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Score(context.Background(), env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
