package scorers

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/caliperhq/caliper/spec"
)

// The record of rouge_n: its algorithm, scorer and expression helper, all in
// this file, registered by one line in builtinRecords.
var rougeNBuiltin = Builtin{
	Name:        "rouge_n",
	Description: "ROUGE-N as js-rouge (promptfoo's rouge-n) computes it: the F1 of n-gram precision and recall of the output against the expected text.",
	Args: append([]spec.Arg{
		{Name: "n", Type: spec.ArgInteger, Description: "rouge_n: the length of the n-grams compared (default 1)."},
		argFold,
	}, compareArgs...),
	New: newRougeN,
	Helper: &spec.Helper{
		Name: "rouge_n", Signature: "rouge_n(out, exp[, n]) float",
		Description: "The ROUGE-N F1 of out against exp, n-grams of n words (default 1).",
		Func:        rougeNHelper,
		Types:       []any{new(func(any, any) float64), new(func(any, any, int) float64)},
	},
}

// RougeN scores the text of output (the candidate) against the text of
// expected (the reference) as js-rouge's rouge.n does, which promptfoo's
// rouge-n assertion calls: both are split into word tokens, their n-grams are
// matched, each reference n-gram at most once, and the score is the F1 of
// precision (matches / candidate n-grams) and recall (matches / reference
// n-grams). It is 0 when there is no match or a text has fewer than n tokens.
// Strings are taken as they are, other values as canonical JSON; with fold,
// letters are compared case-insensitively.
//
// Tokens are runs of non-space characters with the punctuation at their edges
// split off, one token per mark, as the Penn Treebank tokenizer of js-rouge
// does for ordinary prose; unlike it, contractions stay whole ("don't") and
// quotes are not rewritten.
func RougeN(output, expected any, n int, fold bool) (score, precision, recall float64) {
	if n < 1 {
		n = 1
	}
	cand, ref := rougeTokens(text(output), fold), rougeTokens(text(expected), fold)
	if len(cand) < n || len(ref) < n {
		return 0, 0, 0
	}
	remaining := map[string]int{}
	for _, g := range nGrams(ref, n) {
		remaining[g]++
	}
	candGrams := nGrams(cand, n)
	matches := 0
	for _, g := range candGrams {
		if remaining[g] > 0 {
			matches++
			remaining[g]--
		}
	}
	if matches == 0 {
		return 0, 0, 0
	}
	precision = float64(matches) / float64(len(candGrams))
	recall = float64(matches) / float64(len(ref)-n+1)
	if precision == recall {
		return precision, precision, recall
	}
	return 2 * precision * recall / (precision + recall), precision, recall
}

// rougeTokens splits s into words, with edge punctuation as tokens of its own.
func rougeTokens(s string, fold bool) []string {
	if fold {
		s = strings.ToLower(s)
	}
	var out []string
	for _, word := range strings.Fields(s) {
		runes := []rune(word)
		lo, hi := 0, len(runes)
		for lo < hi && isEdgePunct(runes[lo]) {
			out = append(out, string(runes[lo]))
			lo++
		}
		var tail []string
		for hi > lo && isEdgePunct(runes[hi-1]) {
			if hi-lo >= 3 && string(runes[hi-3:hi]) == "..." {
				tail = append(tail, "...")
				hi -= 3
				continue
			}
			tail = append(tail, string(runes[hi-1]))
			hi--
		}
		if hi > lo {
			out = append(out, string(runes[lo:hi]))
		}
		for i := len(tail) - 1; i >= 0; i-- {
			out = append(out, tail[i])
		}
	}
	return out
}

func isEdgePunct(r rune) bool {
	return unicode.IsPunct(r) && r != '\'' && r != '-' && r != '_' || r == '$'
}

// nGrams returns the n-grams of tokens, each joined by a separator no token holds.
func nGrams(tokens []string, n int) []string {
	out := make([]string, 0, len(tokens)-n+1)
	for i := 0; i+n <= len(tokens); i++ {
		out = append(out, strings.Join(tokens[i:i+n], "\x00"))
	}
	return out
}

func rougeNHelper(p ...any) (any, error) {
	n := 1
	if len(p) == 3 {
		n, _ = p[2].(int)
		if n < 1 {
			return nil, fmt.Errorf("rouge_n: n must be 1 or more, not %v", p[2])
		}
	}
	score, _, _ := RougeN(p[0], p[1], n, false)
	return score, nil
}

func newRougeN(sc spec.Scorer, deps Deps) (Scorer, error) {
	n, err := argInt(sc, "n", 1)
	if err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("with.n must be 1 or more, not %d", n)
	}
	fold, err := argBool(sc, "ignore_case")
	if err != nil {
		return nil, err
	}
	return newCompare(sc, deps, func(out, exp any) (float64, map[string]any, error) {
		score, p, r := RougeN(out, exp, n, fold)
		return score, map[string]any{"precision": p, "recall": r}, nil
	})
}
