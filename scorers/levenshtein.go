package scorers

import (
	"unicode/utf8"

	"github.com/agnivade/levenshtein"
	"github.com/caliperhq/caliper/spec"
)

// Levenshtein scores the similarity of two values as text: 1 minus the edit
// distance divided by the longer length, 1 when both are empty. Strings are
// compared as they are, numbers as JavaScript writes them (-0 as 0), and any
// other value as its canonical JSON (autoevals JS would compare "[object
// Object]"). Lengths and edits count Unicode code points (runes), as autoevals'
// Python version does, not UTF-16 units as autoevals JS does: ("👍", "👎") is
// 0 here and 0.5 there. Text is not normalized (NFC and NFD spellings of "é"
// differ). Levenshtein("ab", "ac") is 0.5.
func Levenshtein(output, expected any) float64 {
	return levenshteinText(text(output), text(expected))
}

func levenshteinText(a, b string) float64 {
	if a == b {
		return 1
	}
	longest := max(utf8.RuneCountInString(a), utf8.RuneCountInString(b))
	return 1 - float64(levenshtein.ComputeDistance(a, b))/float64(longest)
}

func newLevenshtein(sc spec.Scorer, deps Deps) (Scorer, error) {
	return newCompare(sc, deps, func(out, exp any) (float64, map[string]any, error) {
		return Levenshtein(out, exp), nil, nil
	})
}
