package scorers

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/caliperhq/caliper/spec"
)

// Regex scores 1 when the text of a value (a string as it is, anything else as
// canonical JSON) matches re anywhere, else 0. Anchor the pattern (^...$) to
// match the whole text.
func Regex(re *regexp.Regexp, v any) float64 {
	if re.MatchString(text(v)) {
		return 1
	}
	return 0
}

func newRegex(sc spec.Scorer, deps Deps) (Scorer, error) {
	pattern, ok, err := argString(sc, "pattern")
	if err != nil {
		return nil, err
	}
	if !ok || pattern == "" {
		return nil, errors.New("regex needs `with: {pattern: ...}`: an RE2 regular expression")
	}
	fold, err := argBool(sc, "ignore_case")
	if err != nil {
		return nil, err
	}
	if fold {
		pattern = "(?i)" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("compiling with.pattern: %w", err)
	}
	return newOutputScorer(sc, deps, func(out any) (float64, map[string]any, error) {
		return Regex(re, out), nil, nil
	})
}
