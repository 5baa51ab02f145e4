package scorers

import (
	"context"
	"slices"

	"github.com/caliperhq/caliper/spec"
)

// JSONDiff scores the similarity of two JSON values recursively, as autoevals
// does. Strings that hold a JSON object or array are parsed first. Objects score
// the mean over the union of their keys (a key missing on one side scores 0; two
// empty objects score 1); arrays score the sum over zipped pairs divided by the
// longer length; two strings score Levenshtein; two numbers score NumericDiff;
// two nulls score 1 and one null 0; anything else (values of different types,
// booleans) scores Levenshtein of the canonical JSON texts, where a string is
// quoted: JSONDiff("42", 42) compares `"42"` with `42` and is 0.5. Only JSON's
// own whitespace may surround a string that is parsed. JSONDiff({"a": 1},
// {"a": 2}) is 0.66667.
func JSONDiff(output, expected any) float64 {
	v, _ := jsonDiffCtx(context.Background(), output, expected)
	return v
}

// jsonDiffCtx is JSONDiff that stops, with ctx's error, once ctx is done: it
// looks at ctx at every value and in the edit distance of long texts.
func jsonDiffCtx(ctx context.Context, output, expected any) (float64, error) {
	return (&jsonDiffer{ctx: ctx}).diff(output, expected)
}

// jsonDiffer walks two values, counting the values visited to look at ctx
// now and then.
type jsonDiffer struct {
	ctx     context.Context
	visited int
}

// valuesPerCheck is how many values jsonDiffer visits between two looks at
// ctx.
const valuesPerCheck = 1024

func (d *jsonDiffer) diff(o1, o2 any) (float64, error) {
	if d.visited++; d.visited%valuesPerCheck == 0 {
		if err := d.ctx.Err(); err != nil {
			return 0, err
		}
	}
	o1, o2 = normalize(o1), normalize(o2)
	if s, ok := o1.(string); ok {
		if v, ok := parseContainer(s); ok {
			o1 = v
		}
	}
	if s, ok := o2.(string); ok {
		if v, ok := parseContainer(s); ok {
			o2 = v
		}
	}
	switch a := o1.(type) {
	case map[string]any:
		if b, ok := o2.(map[string]any); ok {
			return d.objectDiff(a, b)
		}
	case []any:
		if b, ok := o2.([]any); ok {
			if len(a) == 0 && len(b) == 0 {
				return 1, nil
			}
			sum := 0.0
			for i := range min(len(a), len(b)) {
				v, err := d.diff(a[i], b[i])
				if err != nil {
					return 0, err
				}
				sum += v
			}
			return sum / float64(max(len(a), len(b))), nil
		}
	case string:
		if b, ok := o2.(string); ok {
			return levenshteinTextCtx(d.ctx, a, b)
		}
	}
	if x, ok := number(o1); ok {
		if y, ok := number(o2); ok {
			return numericDiff(x, y), nil
		}
	}
	switch {
	case o1 == nil && o2 == nil:
		return 1, nil
	case o1 == nil || o2 == nil:
		return 0, nil
	}
	return levenshteinTextCtx(d.ctx, jsonText(o1), jsonText(o2))
}

// jsonText is the canonical JSON of v, NaN and infinities written null.
func jsonText(v any) string {
	b, _ := appendJSON(nil, v, false)
	return string(b)
}

// objectDiff visits the keys in sorted order so that a score is the same, to the
// last bit, on every run.
func (d *jsonDiffer) objectDiff(a, b map[string]any) (float64, error) {
	if len(a) == 0 && len(b) == 0 {
		return 1, nil
	}
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	sum := 0.0
	for _, k := range keys {
		v, err := d.diff(a[k], b[k])
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum / float64(len(keys)), nil
}

func newJSONDiff(sc spec.Scorer, deps Deps) (Scorer, error) {
	return newCompareCtx(sc, deps, func(ctx context.Context, out, exp any) (float64, map[string]any, error) {
		v, err := jsonDiffCtx(ctx, out, exp)
		return v, nil, err
	})
}
