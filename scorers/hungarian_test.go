package scorers

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bestByBruteForce tries every assignment of rows to distinct columns.
func bestByBruteForce(w [][]float64) float64 {
	n, m := len(w), len(w[0])
	used := make([]bool, m)
	var rec func(i int) float64
	rec = func(i int) float64 {
		if i == n {
			return 0
		}
		best := rec(i + 1) // row i left out (only matters when n > m)
		if n <= m {
			best = math.Inf(-1)
		}
		for j := range m {
			if !used[j] {
				used[j] = true
				best = max(best, w[i][j]+rec(i+1))
				used[j] = false
			}
		}
		return best
	}
	return rec(0)
}

func assignedTotal(t *testing.T, w [][]float64, assign []int) float64 {
	t.Helper()
	seen := map[int]bool{}
	total, matched := 0.0, 0
	for i, j := range assign {
		if j < 0 {
			continue
		}
		if seen[j] {
			t.Fatalf("column %d assigned twice in %v", j, assign)
		}
		seen[j] = true
		total += w[i][j]
		matched++
	}
	if want := min(len(w), len(w[0])); matched != want {
		t.Fatalf("%d pairs matched in %v, want %d", matched, assign, want)
	}
	return total
}

func TestMaxAssignment(t *testing.T) {
	t.Parallel()
	// Greedy picks 0.9 first and is left with 0: 0.9. The best total is 1.5.
	greedyWrong := [][]float64{
		{0.9, 0.8},
		{0.7, 0.0},
	}
	if got := assignedTotal(t, greedyWrong, maxAssignment(greedyWrong)); math.Abs(got-1.5) > 1e-12 {
		t.Errorf("greedy-wrong total = %v, want 1.5", got)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		n, m := 1+rng.IntN(6), 1+rng.IntN(6)
		w := make([][]float64, n)
		for i := range w {
			w[i] = make([]float64, m)
			for j := range w[i] {
				w[i][j] = float64(rng.IntN(5)) / 4 // ties, as real scores have
				if rng.IntN(3) == 0 {
					w[i][j] = rng.Float64()
				}
			}
		}
		got := assignedTotal(t, w, maxAssignment(w))
		if want := bestByBruteForce(w); math.Abs(got-want) > 1e-9 {
			t.Fatalf("maxAssignment(%v) total = %v, brute force %v", w, got, want)
		}
	}
	if got := maxAssignment(nil); got != nil {
		t.Errorf("maxAssignment(nil) = %v", got)
	}
}
