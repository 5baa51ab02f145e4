package scorers

import (
	"context"
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
	s, _ := levenshteinTextCtx(context.Background(), a, b)
	return s
}

// levenshteinTextCtx is levenshteinText that stops, with ctx's error, once
// ctx is done: the distance of two long texts is minutes of CPU.
func levenshteinTextCtx(ctx context.Context, a, b string) (float64, error) {
	if a == b {
		return 1, nil
	}
	la, lb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
	var d int
	if la*lb <= shortDistanceCells {
		d = levenshtein.ComputeDistance(a, b)
	} else {
		var err error
		if d, err = cancellableDistance(ctx, []rune(a), []rune(b)); err != nil {
			return 0, err
		}
	}
	return 1 - float64(d)/float64(max(la, lb)), nil
}

// shortDistanceCells is the size of the distance matrix up to which the
// library computes it, without looking at ctx: a millisecond or so.
const shortDistanceCells = 1 << 20

// checkCells is how many cells of the matrix cancellableDistance fills
// between two looks at ctx.
const checkCells = 1 << 16

// cancellableDistance is the Levenshtein distance of two rune strings, one
// row of the matrix at a time as the library computes it, looking at ctx
// every checkCells cells.
func cancellableDistance(ctx context.Context, s1, s2 []rune) (int, error) {
	if len(s1) > len(s2) {
		s1, s2 = s2, s1
	}
	for len(s1) > 0 && s1[len(s1)-1] == s2[len(s2)-1] {
		s1, s2 = s1[:len(s1)-1], s2[:len(s2)-1]
	}
	for len(s1) > 0 && s1[0] == s2[0] {
		s1, s2 = s1[1:], s2[1:]
	}
	if len(s1) == 0 {
		return len(s2), ctx.Err()
	}
	rowsPerCheck := max(1, checkCells/len(s1))
	x := make([]int, len(s1)+1)
	for i := range x {
		x[i] = i
	}
	for i, r2 := range s2 {
		if i%rowsPerCheck == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		prev := i + 1
		for j, r1 := range s1 {
			current := x[j]
			if r1 != r2 {
				current = min(x[j], prev, x[j+1]) + 1
			}
			x[j] = prev
			prev = current
		}
		x[len(s1)] = prev
	}
	return x[len(s1)], nil
}

func newLevenshtein(sc spec.Scorer, deps Deps) (Scorer, error) {
	return newCompareCtx(sc, deps, func(ctx context.Context, out, exp any) (float64, map[string]any, error) {
		s, err := levenshteinTextCtx(ctx, text(out), text(exp))
		return s, nil, err
	})
}
