package scorers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr/vm"
)

// What the trajectory scorers (tool_called, tool_args_match, tool_sequence,
// tool_call_f1) share: reading the tool calls a case made and the calls it
// expected, and comparing one call with another.

// The ways of comparing the arguments of two calls of the same tool (with.compare).
const (
	compareName     = "name"      // the tool names alone
	compareExact    = "exact"     // arguments equal as JSON (key order and 1 vs 1.0 do not matter)
	compareSubset   = "subset"    // every expected argument is given, with an equal value
	compareJSONDiff = "json_diff" // json_diff of the arguments at least with.threshold
)

// defaultArgThreshold is the json_diff score at which two argument objects
// match when with.threshold is not set: 1 would be exact equality.
const defaultArgThreshold = 0.8

var (
	argCalls = spec.Arg{Name: "calls", Type: spec.ArgExpression,
		Description: "Score these tool calls instead of the task's (an expression giving a list of {name, arguments})."}
	argCompare = spec.Arg{Name: "compare", Type: spec.ArgEnum,
		Description: "How arguments are compared: name (not at all), exact (JSON equality), subset (every expected argument given, equal) or json_diff (json_diff ≥ threshold).",
		Enum:        []string{compareName, compareExact, compareSubset, compareJSONDiff}}
	argThreshold = spec.Arg{Name: "threshold", Type: spec.ArgNumber,
		Description: "With compare: json_diff, the json_diff score at which two argument objects match (default 0.8)."}
	argTools = spec.Arg{Name: "tools", Type: spec.ArgStrings,
		Description: "The expected tool names, instead of the names of the expected calls (a list, or one comma-separated string)."}
)

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

// argComparer compares the arguments of an actual call with an expected one.
type argComparer struct {
	mode      string
	threshold float64
}

// newArgComparer reads with.compare (def when absent) and with.threshold.
func newArgComparer(sc spec.Scorer, def string) (argComparer, error) {
	c := argComparer{mode: def, threshold: defaultArgThreshold}
	if mode, ok, err := argString(sc, "compare"); err != nil {
		return c, err
	} else if ok {
		if !slices.Contains(argCompare.Enum, mode) {
			return c, fmt.Errorf("with.compare %q is not a way of comparing arguments; use %s", mode, strings.Join(argCompare.Enum, ", "))
		}
		c.mode = mode
	}
	if raw, ok := sc.With["threshold"]; ok {
		if c.mode != compareJSONDiff {
			return c, fmt.Errorf("with.threshold applies to compare: json_diff only, and compare is %s: remove it or set compare: json_diff", c.mode)
		}
		f, isNum := number(raw)
		if !isNum || f < 0 || f > 1 {
			return c, fmt.Errorf("with.threshold must be a number in [0, 1], not %s", describe(raw))
		}
		c.threshold = f
	}
	return c, nil
}

// matches reports whether the actual call satisfies the expected one: the
// same tool and, unless the comparison is by name or the expected call has
// no arguments, arguments that compare as c says.
func (c argComparer) matches(actual, expected toolCall) bool {
	if actual.name != expected.name {
		return false
	}
	if c.mode == compareName || !expected.hasArgs {
		return true
	}
	switch c.mode {
	case compareSubset:
		return argsSubset(actual.args, expected.args)
	case compareJSONDiff:
		return JSONDiff(actual.args, expected.args) >= c.threshold
	}
	return jsonEqual(actual.args, expected.args, false)
}

// argsSubset reports whether every key of the expected arguments is in the
// actual ones with an equal value. Arguments that are not objects compare
// by JSON equality.
func argsSubset(actual, expected any) bool {
	e, eok := normalize(expected).(map[string]any)
	a, aok := normalize(actual).(map[string]any)
	if !eok || !aok {
		return jsonEqual(actual, expected, false)
	}
	for k, ev := range e {
		av, ok := a[k]
		if !ok || !jsonEqual(av, ev, false) {
			return false
		}
	}
	return true
}

// matchCalls pairs actual calls with expected calls one to one so that as
// many pairs as possible match (a maximum bipartite matching, by the
// Hungarian algorithm over 0/1 weights). pairs[i] is the expected call of
// actual call i, or -1.
func matchCalls(actual, expected []toolCall, c argComparer) (pairs []int, n int) {
	pairs = make([]int, len(actual))
	for i := range pairs {
		pairs[i] = -1
	}
	if len(actual) == 0 || len(expected) == 0 {
		return pairs, 0
	}
	w := make([][]float64, len(actual))
	for i, a := range actual {
		w[i] = make([]float64, len(expected))
		for j, e := range expected {
			if c.matches(a, e) {
				w[i][j] = 1
			}
		}
	}
	for i, j := range maxAssignment(w) {
		if j >= 0 && w[i][j] == 1 {
			pairs[i] = j
			n++
		}
	}
	return pairs, n
}

// unmatched returns the actual calls without a pair and the expected calls
// no actual call was paired with.
func unmatched(actual, expected []toolCall, pairs []int) (extra, missing []toolCall) {
	used := make([]bool, len(expected))
	for i, j := range pairs {
		if j < 0 {
			extra = append(extra, actual[i])
			continue
		}
		used[j] = true
	}
	for j, u := range used {
		if !u {
			missing = append(missing, expected[j])
		}
	}
	return extra, missing
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

// trajectoryScorer is a scorer over the tool calls of a case.
type trajectoryScorer struct {
	name  string
	calls callSource
	score func(env *spec.ScorerEnv, actual []toolCall) (float64, map[string]any, error)
}

// newTrajectoryScorer compiles with.calls for a trajectory scorer.
func newTrajectoryScorer(sc spec.Scorer, deps Deps, score func(env *spec.ScorerEnv, actual []toolCall) (float64, map[string]any, error)) (Scorer, error) {
	calls, err := newCallSource(sc, deps)
	if err != nil {
		return nil, err
	}
	return &trajectoryScorer{name: sc.Name, calls: calls, score: score}, nil
}

// Name returns the name of the score.
func (s *trajectoryScorer) Name() string { return s.name }

// Score scores the tool calls of one case; short CPU work that does not watch ctx.
func (s *trajectoryScorer) Score(_ context.Context, env *spec.ScorerEnv) ([]Score, error) {
	if env == nil {
		env = &spec.ScorerEnv{}
	}
	actual, err := s.calls.actual(env)
	if err != nil {
		return nil, err
	}
	v, md, err := s.score(env, actual)
	if err != nil {
		return nil, err
	}
	return []Score{{Name: s.name, Value: v, Metadata: md}}, nil
}
