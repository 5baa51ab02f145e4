package scorers

import (
	"fmt"

	"github.com/caliperhq/caliper/spec"
)

// The record of tool_sequence, registered by one line in builtinRecords.
var toolSequenceBuiltin = Builtin{
	Name: "tool_sequence",
	Description: "How closely the order of the tools called follows the expected order (with.tools, with.expected or expected.tool_calls; names only): " +
		"the length of their longest common subsequence divided by the longer of the two lists, 1 when both are empty. " +
		"Expected [search, fetch, answer] against [search, answer] is 2/3. The metadata holds the subsequence.",
	Args: []spec.Arg{argTools, argExpected, argCalls},
	New:  newToolSequence,
	Helper: &spec.Helper{
		Name: "tool_sequence", Signature: "tool_sequence(called, expected) float",
		Description: "tool_sequence of two lists of tool names (or calls): the length of their longest common subsequence over the longer length.",
		Func: func(p ...any) (any, error) {
			called, expected, err := namesArgs("tool_sequence", p)
			if err != nil {
				return nil, err
			}
			v, _ := ToolSequence(called, expected)
			return v, nil
		},
		Types: []any{new(func(any, any) float64)},
	},
}

// namesArgs reads the two lists of tool names (or calls) of a helper.
func namesArgs(helper string, p []any) (called, expected []string, err error) {
	c, err := parseCalls(p[0], true)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: called: %w", helper, err)
	}
	e, err := parseCalls(p[1], true)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: expected: %w", helper, err)
	}
	return callNames(c), callNames(e), nil
}

// ToolSequence scores the order of the names called against the expected
// order: |LCS| / max(len(expected), len(actual)), 1 when both are empty. It
// also returns the longest common subsequence (the leftmost one in actual).
func ToolSequence(actual, expected []string) (float64, []string) {
	if len(actual) == 0 && len(expected) == 0 {
		return 1, []string{}
	}
	lcs := longestCommonSubsequence(actual, expected)
	return float64(len(lcs)) / float64(max(len(actual), len(expected))), lcs
}

// longestCommonSubsequence is the classic dynamic programme over suffixes,
// then a walk that rebuilds one longest subsequence.
func longestCommonSubsequence(a, b []string) []string {
	n, m := len(a), len(b)
	t := make([][]int, n+1)
	for i := range t {
		t[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case a[i] == b[j]:
				t[i][j] = t[i+1][j+1] + 1
			case t[i+1][j] >= t[i][j+1]:
				t[i][j] = t[i+1][j]
			default:
				t[i][j] = t[i][j+1]
			}
		}
	}
	out := make([]string, 0, t[0][0])
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[i] == b[j]:
			out = append(out, a[i])
			i++
			j++
		case t[i+1][j] >= t[i][j+1]:
			i++
		default:
			j++
		}
	}
	return out
}

func newToolSequence(sc spec.Scorer, deps Deps) (Scorer, error) {
	exp, err := newExpectedSource(sc, deps, true)
	if err != nil {
		return nil, err
	}
	return newTrajectoryScorer(sc, deps, func(env *spec.ScorerEnv, actual []toolCall) (float64, map[string]any, error) {
		expected, err := exp.expected(env)
		if err != nil {
			return 0, nil, err
		}
		an, en := callNames(actual), callNames(expected)
		v, lcs := ToolSequence(an, en)
		return v, map[string]any{"lcs": stringsAny(lcs), "expected": stringsAny(en), "actual": stringsAny(an)}, nil
	})
}

func stringsAny(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
