package scorers

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// ParseResult maps what a scorer returned (the value of an expr scorer, or the
// JSON answer of an exec or HTTP scorer function) to scores named name:
//
//   - a bool: 1 or 0;
//   - a number in [0, 1];
//   - nil: skipped (no score for this case);
//   - an object {score, metadata?}: score is a number, a bool or nil (skipped),
//     metadata an object;
//   - a list of {name, score, metadata?}: one score per item, under its own
//     name; an empty list is skipped.
//
// Anything else, a number outside [0, 1] and NaN are errors.
func ParseResult(name string, v any) ([]Score, error) {
	return AppendResult(nil, name, v)
}

// AppendResult appends the scores ParseResult maps v to to dst. On an error
// it returns dst as it was.
func AppendResult(dst []Score, name string, v any) ([]Score, error) {
	var s Score
	var err error
	switch r := v.(type) {
	case map[string]any:
		s, err = parseObject(name, r, false)
	case []any:
		return appendList(dst, name, r)
	default:
		s, err = parseValue(name, v)
	}
	if err != nil {
		return dst, err
	}
	return append(dst, s), nil
}

// parseValue maps a bare result: a bool, a number or nil.
func parseValue(name string, v any) (Score, error) {
	switch r := v.(type) {
	case nil:
		return Score{Name: name, Skipped: true}, nil
	case bool:
		if r {
			return Score{Name: name, Value: 1}, nil
		}
		return Score{Name: name, Value: 0}, nil
	}
	f, ok := number(v)
	if !ok {
		return Score{}, fmt.Errorf("a scorer must return a number in [0, 1], a bool, nil, {score, metadata} or a list of {name, score}, not %s", describe(v))
	}
	if math.IsNaN(f) {
		return Score{}, fmt.Errorf("score is NaN: a score must be a number in [0, 1]")
	}
	if f < 0 || f > 1 {
		return Score{}, fmt.Errorf("score %s is outside [0, 1]", text(f))
	}
	return Score{Name: name, Value: f}, nil
}

var (
	objectKeys = []string{"score", "metadata"}
	itemKeys   = []string{"name", "score", "metadata"}
)

// parseObject maps {score, metadata} and, in a list, {name, score, metadata}.
func parseObject(name string, m map[string]any, inList bool) (Score, error) {
	allowed := objectKeys
	if inList {
		allowed = itemKeys
	}
	for k := range m {
		if !slices.Contains(allowed, k) {
			msg := fmt.Sprintf("unknown key %q in a scorer result; its keys are %s", k, strings.Join(allowed, ", "))
			if k == "name" {
				msg += "; to give several named scores, return a list of {name, score}"
			}
			return Score{}, fmt.Errorf("%s", msg)
		}
	}
	if inList {
		n, ok := m["name"].(string)
		if !ok || n == "" {
			return Score{}, fmt.Errorf("a score in a list needs a name (a non-empty string), not %s", describe(m["name"]))
		}
		name = n
	}
	raw, ok := m["score"]
	if !ok {
		return Score{}, fmt.Errorf("a scorer result object needs a \"score\": a number in [0, 1], a bool or nil")
	}
	if isContainer(normalize(raw)) {
		return Score{}, fmt.Errorf("\"score\" must be a number in [0, 1], a bool or nil, not %s", describe(raw))
	}
	s, err := parseValue(name, raw)
	if err != nil {
		return Score{}, err
	}
	switch md := m["metadata"].(type) {
	case nil:
	case map[string]any:
		s.Metadata = md
	default:
		return Score{}, fmt.Errorf("\"metadata\" must be an object, not %s", describe(md))
	}
	return s, nil
}

// appendList appends the scores of a list result to dst, or returns dst as
// it was with the error of the first bad item.
func appendList(dst []Score, name string, list []any) ([]Score, error) {
	if len(list) == 0 {
		return append(dst, Score{Name: name, Skipped: true}), nil
	}
	from := len(dst)
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return dst[:from], fmt.Errorf("scores[%d]: a list of scores holds {name, score} objects, not %s", i, describe(item))
		}
		s, err := parseObject(name, m, true)
		if err != nil {
			return dst[:from], fmt.Errorf("scores[%d]: %w", i, err)
		}
		for _, prev := range dst[from:] {
			if prev.Name == s.Name {
				return dst[:from], fmt.Errorf("scores[%d]: the name %q is used twice", i, s.Name)
			}
		}
		dst = append(dst, s)
	}
	return dst, nil
}
