package scorers

import (
	"errors"
	"strings"

	"github.com/caliperhq/caliper/spec"
)

// The record of tool_called, registered by one line in builtinRecords.
var toolCalledBuiltin = Builtin{
	Name:        "tool_called",
	Description: "1 when the case called the tool with.name (with arguments matching with.arguments, by subset unless with.compare says otherwise) at least once, else 0; the metadata lists the matching calls.",
	Args: []spec.Arg{
		{Name: "name", Type: spec.ArgString, Required: true, Description: "The name of the tool that must be called."},
		{Name: "arguments", Type: spec.ArgObject, Description: "The arguments the call must have, compared as with.compare says."},
		argCompare, argThreshold, argCalls,
	},
	New: newToolCalled,
}

// toolCalled returns the indexes of the calls that satisfy want, a call of
// the tool with its arguments (when given) compared as c says; tool_called
// scores 1 when there is at least one.
func toolCalled(calls []toolCall, want toolCall, c argComparer) []int {
	var matched []int
	for i, call := range calls {
		if c.matches(call, want) {
			matched = append(matched, i)
		}
	}
	return matched
}

func newToolCalled(sc spec.Scorer, deps Deps) (Scorer, error) {
	name, _, err := argString(sc, "name")
	if err != nil {
		return nil, err
	}
	if name = strings.TrimSpace(name); name == "" {
		return nil, errors.New("tool_called needs with.name: the name of the tool that must be called")
	}
	want := toolCall{name: name}
	if raw, ok := sc.With["arguments"]; ok {
		args, ok := normalize(raw).(map[string]any)
		if !ok {
			return nil, errors.New("with.arguments must be an object of the arguments the call must have, not " + describe(raw))
		}
		want.args, want.hasArgs = args, true
	}
	cmp, err := newArgComparer(sc, compareSubset)
	if err != nil {
		return nil, err
	}
	return newTrajectoryScorer(sc, deps, func(_ *spec.ScorerEnv, actual []toolCall) (float64, map[string]any, error) {
		matched := toolCalled(actual, want, cmp)
		md := map[string]any{"matched": intsAny(matched), "calls": len(actual)}
		if len(matched) == 0 {
			return 0, md, nil
		}
		return 1, md, nil
	})
}

func intsAny(xs []int) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
