package scorers

import (
	"context"
	"fmt"
	"math"

	"github.com/caliperhq/caliper/spec"
)

// Pairwise scores one output item against one expected item, in [0, 1].
type Pairwise func(output, expected any) (float64, error)

// pairwiseCtx is a Pairwise that stops, with ctx's error, once ctx is done.
type pairwiseCtx func(ctx context.Context, output, expected any) (float64, error)

// pairwiseScorers are the values of list_contains' with.pairwise.
var pairwiseScorers = map[string]pairwiseCtx{
	"levenshtein": func(ctx context.Context, o, e any) (float64, error) {
		return levenshteinTextCtx(ctx, text(o), text(e))
	},
	"exact_match":  func(_ context.Context, o, e any) (float64, error) { return ExactMatch(o, e, false), nil },
	"numeric_diff": func(_ context.Context, o, e any) (float64, error) { return NumericDiff(o, e) },
	"json_diff":    jsonDiffCtx,
}

// ListContains scores how well the items of an output list match the items of
// an expected list, whatever their order: every pair is scored with pairwise
// (Levenshtein when nil), the pairs are matched one to one so that the total is
// largest (the Hungarian algorithm), and the total is divided by the longer
// length, or by the expected length with allowExtra (extra output items are not
// penalized). Two empty lists score 1, one empty list 0. A string that holds a
// JSON array counts as that array; any other non-list is an error.
func ListContains(output, expected any, pairwise Pairwise, allowExtra bool) (float64, error) {
	var p pairwiseCtx
	if pairwise != nil {
		p = func(_ context.Context, o, e any) (float64, error) { return pairwise(o, e) }
	}
	s, _, err := listContains(context.Background(), output, expected, p, allowExtra)
	return s, err
}

// listContains also returns the matched pairs, as {output, expected, score}
// objects for a score's metadata. It stops, with ctx's error, once ctx is
// done.
func listContains(ctx context.Context, output, expected any, pairwise pairwiseCtx, allowExtra bool) (float64, []any, error) {
	outs, err := listArg(output)
	if err != nil {
		return 0, nil, fmt.Errorf("list_contains: output: %w", err)
	}
	exps, err := listArg(expected)
	if err != nil {
		return 0, nil, fmt.Errorf("list_contains: expected: %w", err)
	}
	switch {
	case len(outs) == 0 && len(exps) == 0:
		return 1, nil, nil
	case len(outs) == 0 || len(exps) == 0:
		return 0, nil, nil
	}
	if pairwise == nil {
		pairwise = pairwiseScorers["levenshtein"]
	}
	w := make([][]float64, len(outs))
	cells := make([]float64, len(outs)*len(exps))
	for i, o := range outs {
		w[i] = cells[i*len(exps) : (i+1)*len(exps)]
		for j, e := range exps {
			if err := ctx.Err(); err != nil {
				return 0, nil, err
			}
			s, err := pairwise(ctx, o, e)
			if err != nil {
				return 0, nil, fmt.Errorf("list_contains: item %d against expected item %d: %w", i, j, err)
			}
			if math.IsNaN(s) || s < 0 || s > 1 {
				return 0, nil, fmt.Errorf("list_contains: item %d against expected item %d: pairwise score %v is outside [0, 1]", i, j, s)
			}
			w[i][j] = s
		}
	}
	var sum float64
	var pairs []any
	assign, err := maxAssignmentCtx(ctx, w)
	if err != nil {
		return 0, nil, err
	}
	for i, j := range assign {
		if j < 0 {
			continue
		}
		sum += w[i][j]
		pairs = append(pairs, map[string]any{"output": outs[i], "expected": exps[j], "score": w[i][j]})
	}
	denom := max(len(outs), len(exps))
	if allowExtra {
		denom = len(exps)
	}
	return sum / float64(denom), pairs, nil
}

func listArg(v any) ([]any, error) {
	switch x := normalize(v).(type) {
	case []any:
		return x, nil
	case string:
		if p, ok := parseContainer(x); ok {
			if list, ok := p.([]any); ok {
				return list, nil
			}
		}
	}
	return nil, fmt.Errorf("%s is not a list", describe(v))
}

func newListContains(sc spec.Scorer, deps Deps) (Scorer, error) {
	allowExtra, err := argBool(sc, "allow_extra")
	if err != nil {
		return nil, err
	}
	pairwise := pairwiseScorers["levenshtein"]
	if name, ok, err := argString(sc, "pairwise"); err != nil {
		return nil, err
	} else if ok {
		if pairwise = pairwiseScorers[name]; pairwise == nil {
			return nil, fmt.Errorf("with.pairwise %q is not a pairwise scorer; use levenshtein, exact_match, numeric_diff or json_diff", name)
		}
	}
	return newCompareCtx(sc, deps, func(ctx context.Context, out, exp any) (float64, map[string]any, error) {
		s, pairs, err := listContains(ctx, out, exp, pairwise, allowExtra)
		if err != nil || pairs == nil {
			return s, nil, err
		}
		return s, map[string]any{"pairs": pairs}, nil
	})
}
