package scorers

import (
	"errors"
	"fmt"
	"strings"

	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr/vm"
)

// What the trajectory scorers (tool_called, tool_args_match, tool_sequence,
// tool_call_f1) share: reading the tool calls a case made and the calls it
// expected (tool_match.go compares them, tool_scorer.go scores them).

// toolCall is one call as the trajectory scorers compare it. An expected call
// written as a bare name, or without arguments, has hasArgs false and matches
// any arguments.
type toolCall struct {
	name    string
	args    any
	hasArgs bool
}

// view is the call as metadata shows it.
func (c toolCall) view() map[string]any {
	m := map[string]any{"name": c.name}
	if c.hasArgs {
		m["arguments"] = c.args
	}
	return m
}

func callNames(calls []toolCall) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.name
	}
	return out
}

func callViews(calls []toolCall) []any {
	out := make([]any, len(calls))
	for i, c := range calls {
		out[i] = c.view()
	}
	return out
}

// callSource reads the tool calls a case made: with.calls when set, else the
// case's tool_calls, else, when the task made none and its output is a list
// of tool calls (what a prompt with tools answers in one turn), that list.
type callSource struct {
	prog *vm.Program
}

func newCallSource(sc spec.Scorer, deps Deps) (callSource, error) {
	prog, err := compileWith(sc, "calls", deps)
	return callSource{prog: prog}, err
}

func (s callSource) actual(env *spec.ScorerEnv) ([]toolCall, error) {
	if s.prog != nil {
		v, err := runProgram(s.prog, env)
		if err != nil {
			return nil, fmt.Errorf("evaluating with.calls: %w", err)
		}
		calls, err := parseCalls(v, false)
		if err != nil {
			return nil, fmt.Errorf("with.calls: %w", err)
		}
		return calls, nil
	}
	if len(env.ToolCalls) > 0 {
		out := make([]toolCall, len(env.ToolCalls))
		for i, tc := range env.ToolCalls {
			out[i] = toolCall{name: tc.Name, args: argumentsValue(tc.Arguments), hasArgs: true}
		}
		return out, nil
	}
	if looksLikeCalls(env.Output) {
		if calls, err := parseCalls(env.Output, false); err == nil {
			return calls, nil
		}
	}
	return nil, nil
}

// looksLikeCalls reports whether an output holds tool calls: a list of
// objects, an OpenAI message {tool_calls}, one Anthropic tool_use block or
// OpenAI Responses function_call item, or the JSON text of one of them.
func looksLikeCalls(v any) bool {
	v = normalize(v)
	if s, ok := v.(string); ok {
		if v, ok = parseContainer(s); !ok {
			return false
		}
	}
	if m, ok := v.(map[string]any); ok {
		if isCallBlock(m) {
			return true
		}
		v = normalize(m["tool_calls"])
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return false
	}
	for _, item := range list {
		if _, ok := normalize(item).(map[string]any); !ok {
			return false
		}
	}
	return true
}

// isCallBlock reports whether m is one call written on its own: Anthropic's
// {type: tool_use} or the OpenAI Responses API's {type: function_call}.
func isCallBlock(m map[string]any) bool {
	return m["type"] == "tool_use" || m["type"] == "function_call"
}

// expectedSource reads the calls a case expects: with.tools (names, fixed in
// the file), else with.expected, else the case's expected: its tool_calls
// when it is an object, or itself when it is a list.
type expectedSource struct {
	tools []toolCall
	prog  *vm.Program
}

// newExpectedSource reads with.tools (when namesOK) and compiles
// with.expected.
func newExpectedSource(sc spec.Scorer, deps Deps, namesOK bool) (expectedSource, error) {
	var s expectedSource
	if names, ok, err := argStrings(sc, "tools"); err != nil {
		return s, err
	} else if ok {
		if !namesOK {
			return s, errors.New("with.tools names tools only, and this comparison needs their arguments: give expected calls ({name, arguments}) in with.expected or the case's expected.tool_calls, or set compare: name")
		}
		if _, both := sc.With["expected"]; both {
			return s, errors.New("with.tools and with.expected both give the expected calls: keep one")
		}
		for _, n := range splitNames(names) {
			s.tools = append(s.tools, toolCall{name: n})
		}
		if len(s.tools) == 0 {
			return s, errors.New("with.tools names no tool: give at least one tool name")
		}
		return s, nil
	}
	var err error
	s.prog, err = compileWith(sc, "expected", deps)
	return s, err
}

// splitNames trims the names and splits those written "a, b" on commas, as
// promptfoo's tool-call-f1 reads its value.
func splitNames(names []string) []string {
	var out []string
	for _, n := range names {
		for part := range strings.SplitSeq(n, ",") {
			if p := strings.TrimSpace(part); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func (s expectedSource) expected(env *spec.ScorerEnv) ([]toolCall, error) {
	if s.tools != nil {
		return s.tools, nil
	}
	if s.prog != nil {
		v, err := runProgram(s.prog, env)
		if err != nil {
			return nil, fmt.Errorf("evaluating with.expected: %w", err)
		}
		if v == nil {
			return nil, errors.New("with.expected gave nil: give a list of expected calls (names or {name, arguments}); an empty list expects none")
		}
		calls, err := parseCalls(v, true)
		if err != nil {
			return nil, fmt.Errorf("with.expected: %w", err)
		}
		return calls, nil
	}
	v := normalize(env.Expected)
	switch x := v.(type) {
	case nil:
		return nil, errors.New("the case has no expected value: give it expected: {tool_calls: [...]}, or set with.expected or with.tools")
	case map[string]any:
		list, ok := x["tool_calls"]
		if !ok {
			return nil, errors.New("the case's expected has no tool_calls: give it expected: {tool_calls: [{name, arguments}...]}, or set with.expected or with.tools")
		}
		calls, err := parseCalls(list, true)
		if err != nil {
			return nil, fmt.Errorf("expected.tool_calls: %w", err)
		}
		return calls, nil
	}
	calls, err := parseCalls(v, true)
	if err != nil {
		return nil, fmt.Errorf("expected: %w", err)
	}
	return calls, nil
}

// parseCalls reads a list of tool calls in any of the shapes tools calls are
// written in: {name, arguments} (Caliper's and the OpenAI Responses API's,
// arguments as a value or as the JSON text OpenAI sends), {function: {name,
// arguments}} (OpenAI chat's), {type: tool_use, name, input} (Anthropic's;
// the text blocks of its answer are skipped), a list of spec.ToolCall, an
// OpenAI message {tool_calls: [...]}, one call block on its own, or the JSON
// text of any of them. Expected calls may also be bare names. nil is no call.
func parseCalls(v any, expected bool) ([]toolCall, error) {
	if tcs, ok := v.([]spec.ToolCall); ok {
		out := make([]toolCall, len(tcs))
		for i, tc := range tcs {
			out[i] = toolCall{name: tc.Name, args: argumentsValue(tc.Arguments), hasArgs: true}
		}
		return out, nil
	}
	v = normalize(v)
	if s, ok := v.(string); ok {
		p, ok := parseContainer(s)
		if !ok {
			return nil, fmt.Errorf("%s is not a list of tool calls", describe(v))
		}
		v = p
	}
	if m, ok := v.(map[string]any); ok {
		if inner, ok := m["tool_calls"]; ok {
			return parseCalls(inner, expected)
		}
		if isCallBlock(m) {
			c, err := parseCall(m, expected)
			return []toolCall{c}, err
		}
		return nil, errors.New("an object is not a list of tool calls: give a list of {name, arguments}")
	}
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s is not a list of tool calls", describe(v))
	}
	out := make([]toolCall, 0, len(list))
	for i, item := range list {
		if m, ok := normalize(item).(map[string]any); ok && m["type"] == "text" && !expected {
			continue // the text block of an Anthropic answer
		}
		c, err := parseCall(item, expected)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func parseCall(item any, expected bool) (toolCall, error) {
	item = normalize(item)
	if name, ok := item.(string); ok && expected {
		if strings.TrimSpace(name) == "" {
			return toolCall{}, errors.New("an empty tool name")
		}
		return toolCall{name: strings.TrimSpace(name)}, nil
	}
	m, ok := item.(map[string]any)
	if !ok {
		return toolCall{}, fmt.Errorf("a tool call is {name, arguments}%s, not %s", map[bool]string{true: " or a tool name"}[expected], describe(item))
	}
	if fn, ok := normalize(m["function"]).(map[string]any); ok {
		m = fn
	} else if m["type"] == "tool_use" {
		m = map[string]any{"name": m["name"], "arguments": m["input"]}
	}
	name, _ := m["name"].(string)
	if name == "" {
		return toolCall{}, fmt.Errorf("a tool call needs a name (a non-empty string), not %s", describe(m["name"]))
	}
	args, has := m["arguments"]
	return toolCall{name: name, args: argumentsValue(args), hasArgs: has}, nil
}

// argumentsValue parses arguments given as JSON text (as OpenAI sends them).
func argumentsValue(v any) any {
	if s, ok := v.(string); ok {
		if p, ok := parseContainer(s); ok {
			return p
		}
	}
	return v
}
