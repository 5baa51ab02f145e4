package scorers

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/caliperhq/caliper/spec"
)

// NumericDiff scores how close two numbers are: 1 when both are 0, else
// 1 - |expected - output| / (|expected| + |output|), so numbers of opposite
// signs score 0. Besides numbers it accepts strings that hold a number (model
// outputs are text); any other value is an error. NumericDiff(1, 2) is 0.66667.
func NumericDiff(output, expected any) (float64, error) {
	o, err := numberArg(output)
	if err != nil {
		return 0, fmt.Errorf("numeric_diff: output: %w", err)
	}
	e, err := numberArg(expected)
	if err != nil {
		return 0, fmt.Errorf("numeric_diff: expected: %w", err)
	}
	return numericDiff(o, e), nil
}

func numericDiff(o, e float64) float64 {
	if o == e {
		return 1
	}
	s := 1 - math.Abs(e-o)/(math.Abs(e)+math.Abs(o))
	if math.IsNaN(s) {
		return 0 // a NaN, or an infinity against another number
	}
	return s
}

func numberArg(v any) (float64, error) {
	if f, ok := number(v); ok {
		return f, nil
	}
	if s, ok := v.(string); ok {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return f, nil
		}
	}
	return 0, fmt.Errorf("%s is not a number", describe(v))
}

func newNumericDiff(sc spec.Scorer, deps Deps) (Scorer, error) {
	return newCompare(sc, deps, func(out, exp any) (float64, map[string]any, error) {
		s, err := NumericDiff(out, exp)
		return s, nil, err
	})
}
