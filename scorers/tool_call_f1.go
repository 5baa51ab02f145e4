package scorers

import (
	"slices"

	"github.com/caliperhq/caliper/spec"
)

// The record of tool_call_f1, registered by one line in builtinRecords.
var toolCallF1Builtin = Builtin{
	Name: "tool_call_f1",
	Description: "The F1 of the tools called against the expected tools (with.tools, with.expected or expected.tool_calls), as promptfoo's tool-call-f1: " +
		"by default over the *sets* of tool names (order and repeats do not count): precision P = names both called and expected / names called, " +
		"recall R = names both called and expected / names expected, F1 = 2PR / (P + R), 0 when nothing matches; expected {a, b} against called {a, b, c} is 0.8, against {a} 0.66667. " +
		"With compare: exact, subset or json_diff the calls themselves are matched one to one, arguments included, and repeats count. " +
		"No expected and no call scores 1 (promptfoo refuses an empty list). The metadata holds precision, recall, matched, missing and extra.",
	Args: []spec.Arg{argTools, argCompare, argThreshold, argExpected, argCalls},
	New:  newToolCallF1,
	Helper: &spec.Helper{
		Name: "tool_call_f1", Signature: "tool_call_f1(called, expected) float",
		Description: "tool_call_f1 of two lists of tool names (or calls), as sets of names.",
		Func: func(p ...any) (any, error) {
			called, expected, err := namesArgs("tool_call_f1", p)
			if err != nil {
				return nil, err
			}
			f1, _, _ := ToolCallF1(called, expected)
			return f1, nil
		},
		Types: []any{new(func(any, any) float64)},
	},
}

// ToolCallF1 is promptfoo's tool-call-f1 over tool names: precision, recall
// and their F1 over the sets of names called and expected.
func ToolCallF1(called, expected []string) (f1, precision, recall float64) {
	c, e := nameSet(called), nameSet(expected)
	inter := 0
	for _, n := range e {
		if _, ok := slices.BinarySearch(c, n); ok {
			inter++
		}
	}
	return f1Of(inter, len(c), len(e))
}

// f1Of is the F1 of tp true positives among n called and m expected: 1 when
// both are empty, 0 when nothing matches.
func f1Of(tp, n, m int) (f1, precision, recall float64) {
	if n == 0 && m == 0 {
		return 1, 1, 1
	}
	if n > 0 {
		precision = float64(tp) / float64(n)
	}
	if m > 0 {
		recall = float64(tp) / float64(m)
	}
	if precision+recall == 0 {
		return 0, precision, recall
	}
	return 2 * precision * recall / (precision + recall), precision, recall
}

// nameSet returns the distinct names, sorted.
func nameSet(names []string) []string {
	s := slices.Clone(names)
	slices.Sort(s)
	return slices.Compact(s)
}

// f1ByName scores the sets of names, with the metadata of the score.
func f1ByName(actual, expected []toolCall) (float64, map[string]any) {
	c, e := nameSet(callNames(actual)), nameSet(callNames(expected))
	f1, p, r := ToolCallF1(c, e)
	var matched, missing, extra []string
	for _, n := range e {
		if _, ok := slices.BinarySearch(c, n); ok {
			matched = append(matched, n)
		} else {
			missing = append(missing, n)
		}
	}
	for _, n := range c {
		if _, ok := slices.BinarySearch(e, n); !ok {
			extra = append(extra, n)
		}
	}
	return f1, map[string]any{"precision": p, "recall": r, "matched": stringsAny(matched), "missing": stringsAny(missing), "extra": stringsAny(extra)}
}

// f1ByCall matches the calls one to one, arguments compared as c says.
func f1ByCall(actual, expected []toolCall, c argComparer) (float64, map[string]any) {
	pairs, n := matchCalls(actual, expected, c)
	extra, missing := unmatched(actual, expected, pairs)
	var matched []toolCall
	for i, j := range pairs {
		if j >= 0 {
			matched = append(matched, actual[i])
		}
	}
	f1, p, r := f1Of(n, len(actual), len(expected))
	return f1, map[string]any{"precision": p, "recall": r, "matched": callViews(matched), "missing": callViews(missing), "extra": callViews(extra)}
}

func newToolCallF1(sc spec.Scorer, deps Deps) (Scorer, error) {
	cmp, err := newArgComparer(sc, compareName)
	if err != nil {
		return nil, err
	}
	exp, err := newExpectedSource(sc, deps, cmp.mode == compareName)
	if err != nil {
		return nil, err
	}
	return newTrajectoryScorer(sc, deps, func(env *spec.ScorerEnv, actual []toolCall) (float64, map[string]any, error) {
		expected, err := exp.expected(env)
		if err != nil {
			return 0, nil, err
		}
		if cmp.mode == compareName {
			v, md := f1ByName(actual, expected)
			return v, md, nil
		}
		v, md := f1ByCall(actual, expected, cmp)
		return v, md, nil
	})
}
