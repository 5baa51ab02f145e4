package scorers

import (
	"strings"

	"github.com/caliperhq/caliper/spec"
)

// ExactMatch scores 1 when two values are equal, else 0. Two strings are equal
// when they are the same text. When either value is an object, an array or
// null, a string on the other side is parsed as JSON and the two are compared
// by JSON equality: key order does not matter and numbers compare by value, so
// {"a": 1, "b": 2} matches {"b": 2, "a": 1} and `{"a": 1.0}`, and null matches
// " null ". Other scalars are compared as text, a number or a boolean written
// as JavaScript writes it: 123 matches "123", -0 matches "0", true matches
// "true". autoevals compares objects by their JSON texts, so key order matters
// there; here it does not. With ignoreCase, strings (not object keys) compare
// with Unicode case folding.
func ExactMatch(output, expected any, ignoreCase bool) float64 {
	if exactMatch(output, expected, ignoreCase) {
		return 1
	}
	return 0
}

func exactMatch(o, e any, fold bool) bool {
	os, oStr := o.(string)
	es, eStr := e.(string)
	if oStr && eStr {
		return sameText(os, es, fold)
	}
	o, e = normalize(o), normalize(e)
	if o == nil || e == nil || isContainer(o) || isContainer(e) {
		if s, ok := o.(string); ok {
			v, err := parseJSON(s)
			if err != nil {
				return false
			}
			o = v
		}
		if s, ok := e.(string); ok {
			v, err := parseJSON(s)
			if err != nil {
				return false
			}
			e = v
		}
		return jsonEqual(o, e, fold)
	}
	// Two scalars, at least one not a string: compare their texts, formatting
	// into stack buffers.
	var ob, eb [64]byte
	if oStr {
		return sameText(os, string(appendText(eb[:0], e)), fold)
	}
	ot := appendText(ob[:0], o)
	if eStr {
		return sameText(string(ot), es, fold)
	}
	return sameText(string(ot), string(appendText(eb[:0], e)), fold)
}

func sameText(a, b string, fold bool) bool {
	if fold {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// jsonEqual compares two values in the JSON model.
func jsonEqual(a, b any, fold bool) bool {
	a, b = normalize(a), normalize(b)
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && sameText(x, y, fold)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i], fold) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !jsonEqual(xv, yv, fold) {
				return false
			}
		}
		return true
	}
	x, ok := number(a)
	if !ok {
		return false
	}
	y, ok := number(b)
	return ok && x == y
}

func newExactMatch(sc spec.Scorer, deps Deps) (Scorer, error) {
	fold, err := argBool(sc, "ignore_case")
	if err != nil {
		return nil, err
	}
	return newCompare(sc, deps, func(out, exp any) (float64, map[string]any, error) {
		return ExactMatch(out, exp, fold), nil, nil
	})
}
