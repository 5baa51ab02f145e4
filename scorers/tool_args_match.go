package scorers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/caliperhq/caliper/spec"
)

// The modes of tool_args_match (with.mode).
const (
	modeStrict    = "strict"    // the same calls in the same order
	modeUnordered = "unordered" // the same calls in any order
	modeSubset    = "subset"    // every expected call was made; others may be too
	modeSuperset  = "superset"  // every call made was expected; some may be missing
)

var toolArgsModes = []string{modeStrict, modeUnordered, modeSubset, modeSuperset}

// The record of tool_args_match, registered by one line in builtinRecords.
var toolArgsMatchBuiltin = Builtin{
	Name: "tool_args_match",
	Description: "1 when the calls made relate to the expected calls (with.expected, default expected.tool_calls) as with.mode says, else 0: " +
		"strict (default: same length, call i matches expected call i), unordered (a one-to-one pairing of all calls), " +
		"subset (every expected call is matched by its own call), superset (every call matches its own expected call). " +
		"Arguments compare exactly (JSON equality) unless with.compare says subset or json_diff (≥ with.threshold, default 0.8); " +
		"an expected call without arguments matches any. Two empty lists score 1. The metadata counts the matches and lists the missing and extra calls.",
	Args: []spec.Arg{
		{Name: "mode", Type: spec.ArgEnum, Description: "How the calls made relate to the expected calls (default strict).",
			Enum: toolArgsModes},
		argCompare, argThreshold, argExpected, argCalls,
	},
	New: newToolArgsMatch,
}

// toolArgsMatch scores the actual calls against the expected ones in mode,
// 1 or 0, with the metadata of the score.
func toolArgsMatch(actual, expected []toolCall, mode string, c argComparer) (float64, map[string]any) {
	md := map[string]any{"mode": mode, "expected": len(expected), "calls": len(actual)}
	if mode == modeStrict {
		return strictMatch(actual, expected, c, md)
	}
	pairs, n := matchCalls(actual, expected, c)
	extra, missing := unmatched(actual, expected, pairs)
	md["matched"], md["missing"], md["extra"] = n, callViews(missing), callViews(extra)
	ok := false
	switch mode {
	case modeUnordered:
		ok = len(missing) == 0 && len(extra) == 0
	case modeSubset:
		ok = len(missing) == 0
	case modeSuperset:
		ok = len(extra) == 0
	}
	if ok {
		return 1, md
	}
	return 0, md
}

// strictMatch compares call i with expected call i; the metadata names the
// first position where they differ.
func strictMatch(actual, expected []toolCall, c argComparer, md map[string]any) (float64, map[string]any) {
	n := 0
	first := -1
	for i := range max(len(actual), len(expected)) {
		if i < len(actual) && i < len(expected) && c.matches(actual[i], expected[i]) {
			n++
			continue
		}
		if first < 0 {
			first = i
		}
	}
	md["matched"] = n
	if first < 0 {
		return 1, md
	}
	md["first_mismatch"] = first
	return 0, md
}

func newToolArgsMatch(sc spec.Scorer, deps Deps) (Scorer, error) {
	mode := modeStrict
	if m, ok, err := argString(sc, "mode"); err != nil {
		return nil, err
	} else if ok {
		if !slices.Contains(toolArgsModes, m) {
			return nil, fmt.Errorf("with.mode %q is not a mode of tool_args_match; use %s", m, strings.Join(toolArgsModes, ", "))
		}
		mode = m
	}
	cmp, err := newArgComparer(sc, compareExact)
	if err != nil {
		return nil, err
	}
	exp, err := newExpectedSource(sc, deps, false)
	if err != nil {
		return nil, err
	}
	return newTrajectoryScorer(sc, deps, func(env *spec.ScorerEnv, actual []toolCall) (float64, map[string]any, error) {
		expected, err := exp.expected(env)
		if err != nil {
			return 0, nil, err
		}
		v, md := toolArgsMatch(actual, expected, mode, cmp)
		return v, md, nil
	})
}
