package scorers

import (
	"errors"
	"strings"

	"github.com/caliperhq/caliper/spec"
)

// Contains scores 1 when the text of a value (a string as it is, anything else
// as canonical JSON) contains every one of values, else 0. With ignoreCase the
// search ignores letter case.
func Contains(v any, values []string, ignoreCase bool) float64 {
	if len(missingValues(text(v), values, ignoreCase)) == 0 {
		return 1
	}
	return 0
}

// missingValues returns the values that s does not contain.
func missingValues(s string, values []string, fold bool) []string {
	if fold {
		s = strings.ToLower(s)
	}
	var missing []string
	for _, v := range values {
		w := v
		if fold {
			w = strings.ToLower(v)
		}
		if !strings.Contains(s, w) {
			missing = append(missing, v)
		}
	}
	return missing
}

// expectedValues is what contains looks for when with.value and with.values are
// not set: the expected text, or each item of an expected list.
func expectedValues(exp any) []string {
	if list, ok := normalize(exp).([]any); ok {
		out := make([]string, len(list))
		for i, e := range list {
			out[i] = text(e)
		}
		return out
	}
	return []string{text(exp)}
}

func newContains(sc spec.Scorer, deps Deps) (Scorer, error) {
	fold, err := argBool(sc, "ignore_case")
	if err != nil {
		return nil, err
	}
	var fixed []string
	if v, ok, err := argString(sc, "value"); err != nil {
		return nil, err
	} else if ok {
		fixed = append(fixed, v)
	}
	if vs, ok, err := argStrings(sc, "values"); err != nil {
		return nil, err
	} else if ok {
		if len(vs) == 0 {
			return nil, errors.New("with.values is empty: list the texts that must appear")
		}
		fixed = append(fixed, vs...)
	}
	score := func(out, exp any) (float64, map[string]any, error) {
		values := fixed
		if values == nil {
			values = expectedValues(exp)
		}
		if missing := missingValues(text(out), values, fold); len(missing) > 0 {
			return 0, map[string]any{"missing": missing}, nil
		}
		return 1, nil, nil
	}
	if fixed != nil {
		return newOutputScorer(sc, deps, func(out any) (float64, map[string]any, error) {
			return score(out, nil)
		})
	}
	return newCompare(sc, deps, score)
}
