package scorers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/caliperhq/caliper/spec"
)

// How the trajectory scorers compare one tool call with another and pair the
// calls made with the calls expected, and the `with:` arguments they share.

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
