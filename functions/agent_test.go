package functions

import (
	"context"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// agentPrompt is a task prompt whose one tool is the function double.
func agentPrompt(lim spec.AgentLimits) *spec.Prompt {
	return &spec.Prompt{Model: "test/gpt-4o-mini", Strict: true,
		Messages:      []spec.Message{{Role: "user", Content: "{{input}}"}},
		FunctionTools: []spec.ToolRef{{Slug: "double"}}, Agent: lim}
}

var doubleTool = map[string]*spec.Function{"double": {Slug: "double", Type: "task", Description: "Doubles n.",
	InputSchema: map[string]any{"type": "object", "properties": map[string]any{"n": map[string]any{"type": "number"}}, "required": []any{"n"}},
	Body:        spec.Body{Kind: spec.KindExpr, Expr: &spec.Expr{Code: "input.n * 2"}}}}

func TestAgentUnknownToolAndExprTool(t *testing.T) {
	t.Parallel()
	srv := newChatServer(t, func(n int) (int, string) {
		switch n {
		case 0:
			return 200, toolCompletion("triple", `{"n": 2}`)
		case 1:
			return 200, toolCompletion("double", `{"n": 21}`)
		}
		return 200, completion("42")
	})
	fn := mustNew(t, spec.Body{Kind: spec.KindPrompt, Prompt: agentPrompt(spec.AgentLimits{MaxTurns: 5})},
		Options{LLM: testLLM(t, srv.URL, nil), Functions: doubleTool})
	tr := &Trace{}
	out, err := fn.Call(context.Background(), &Request{Input: "double 21", Expected: "secret answer", Trace: tr})
	if err != nil || out != "42" {
		t.Fatalf("out %v, err %v", out, err)
	}
	run, ok := tr.AgentRun()
	if !ok || run.StopReason != StopAnswer || run.Turns != 3 || len(run.ToolCalls) != 2 {
		t.Fatalf("run %+v", run)
	}
	if c := run.ToolCalls[0]; c.Name != "triple" || !strings.Contains(c.Error, `there is no tool "triple": call one of double`) || c.Turn != 1 {
		t.Errorf("unknown tool: %+v", c)
	}
	if c := run.ToolCalls[1]; c.Result != 42.0 || c.Error != "" || c.Turn != 2 {
		t.Errorf("double: %+v", c)
	}
	reqs := srv.requests()
	tools, _ := reqs[0]["tools"].([]any)
	if len(tools) != 1 || !strings.Contains(mustJSONString(t, tools[0]), `"description":"Doubles n."`) {
		t.Errorf("tools sent: %v", tools)
	}
	if strings.Contains(mustJSONString(t, reqs), "secret answer") {
		t.Error("the expected value reached the model or a tool")
	}
	if m := tr.Metrics(); m["turns"] != 3 || m["tool_calls"] != 2 || m["tool_errors"] != 1 || m["llm_calls"] != 3 {
		t.Errorf("metrics %v", m)
	}
}

func TestAgentDefaultTurnLimit(t *testing.T) {
	t.Parallel()
	srv := newChatServer(t, func(int) (int, string) { return 200, toolCompletion("double", `{"n": 1}`) })
	fn := mustNew(t, spec.Body{Kind: spec.KindPrompt, Prompt: agentPrompt(spec.AgentLimits{})}, Options{LLM: testLLM(t, srv.URL, nil), Functions: doubleTool})
	tr := &Trace{}
	if _, err := fn.Call(context.Background(), &Request{Input: "loop", Trace: tr}); err != nil {
		t.Fatal(err)
	}
	if run, _ := tr.AgentRun(); run.StopReason != StopMaxTurns || run.Turns != spec.DefaultMaxTurns || len(srv.requests()) != spec.DefaultMaxTurns {
		t.Errorf("a model that never stops calling tools: %s after %d turns, %d requests", run.StopReason, run.Turns, len(srv.requests()))
	}
	if m, ok := tr.Metrics()["tool_errors"]; !ok || m != 0 {
		t.Errorf("tool_errors of a run whose tools all worked: %v (present %v), want 0 on the row so a mean counts it", m, ok)
	}
}

func TestAgentBuildErrors(t *testing.T) {
	t.Parallel()
	srv := newChatServer(t, func(int) (int, string) { return 200, completion("x") })
	for _, tc := range []struct {
		name  string
		funcs map[string]*spec.Function
		role  string
		want  string
	}{
		{"no function", nil, RoleTask, `tool "double" names no function`},
		{"no schema", map[string]*spec.Function{"double": {Slug: "double", Body: doubleTool["double"].Body}}, RoleTask, "has no input_schema"},
		{"scorer", doubleTool, RoleScorer, "a scorer prompt cannot call function tools"},
	} {
		_, err := New(spec.Body{Kind: spec.KindPrompt, Prompt: agentPrompt(spec.AgentLimits{})}, Options{LLM: testLLM(t, srv.URL, nil), Functions: tc.funcs, Role: tc.role})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
}

func mustJSONString(t *testing.T, v any) string {
	t.Helper()
	b, err := encodeJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAgentUserSimulator(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, says, stop string
		want             string
		turns, msgs      int
	}{
		{"max user turns", `"and then?"`, "", StopMaxUserTurns, 3, 6},
		{"stop text", `"thanks, bye"`, "bye", StopUserStop, 1, 3},
		{"nothing more", `nil`, "", StopUserDone, 1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newChatServer(t, func(n int) (int, string) { return 200, completion("answer " + string(rune('1'+n))) })
			p := agentPrompt(spec.AgentLimits{MaxTurns: 10, User: &spec.UserSimulator{Function: "customer", MaxTurns: 2, Stop: tc.stop}})
			p.FunctionTools = nil
			funcs := map[string]*spec.Function{"customer": {Slug: "customer", Type: "task", Body: spec.Body{Kind: spec.KindExpr, Expr: &spec.Expr{Code: tc.says}}}}
			fn := mustNew(t, spec.Body{Kind: spec.KindPrompt, Prompt: p}, Options{LLM: testLLM(t, srv.URL, nil), Functions: funcs})
			tr := &Trace{}
			out, err := fn.Call(context.Background(), &Request{Input: "hello", Trace: tr})
			if err != nil {
				t.Fatal(err)
			}
			run, _ := tr.AgentRun()
			if run.StopReason != tc.want || run.Turns != tc.turns || len(run.Messages) != tc.msgs || len(srv.requests()) != tc.turns {
				t.Errorf("stop %s after %d turns, %d messages; want %s, %d, %d", run.StopReason, run.Turns, len(run.Messages), tc.want, tc.turns, tc.msgs)
			}
			if want := "answer " + string(rune('0'+tc.turns)); out != want {
				t.Errorf("output %v, want the last answer %q", out, want)
			}
		})
	}
}
