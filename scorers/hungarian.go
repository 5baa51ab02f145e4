package scorers

import (
	"context"
	"math"
)

// maxAssignment returns the assignment of rows to columns of the n×m weight
// matrix w that maximizes the total weight, by the Hungarian algorithm in
// O(n²m) time (n ≤ m after transposing). assign[i] is the column of row i, or
// -1 when the row is left out (there are more rows than columns).
func maxAssignment(w [][]float64) []int {
	assign, _ := maxAssignmentCtx(context.Background(), w)
	return assign
}

// maxAssignmentCtx is maxAssignment that stops, with ctx's error, once ctx is
// done: it looks at ctx before each row, O(nm) work.
func maxAssignmentCtx(ctx context.Context, w [][]float64) ([]int, error) {
	n := len(w)
	if n == 0 {
		return nil, nil
	}
	m := len(w[0])
	assign := make([]int, n)
	if m == 0 {
		for i := range assign {
			assign[i] = -1
		}
		return assign, nil
	}
	if n > m {
		t := make([][]float64, m)
		for j := range t {
			t[j] = make([]float64, n)
			for i := range n {
				t[j][i] = w[i][j]
			}
		}
		for i := range assign {
			assign[i] = -1
		}
		tAssign, err := maxAssignmentCtx(ctx, t)
		if err != nil {
			return nil, err
		}
		for j, i := range tAssign {
			assign[i] = j
		}
		return assign, nil
	}
	// Minimum-cost assignment on cost = -weight with potentials u (rows) and v
	// (columns); index 0 is a sentinel, rows and columns are 1-based.
	u := make([]float64, n+1)
	v := make([]float64, m+1)
	p := make([]int, m+1)   // p[j]: the row matched with column j
	way := make([]int, m+1) // way[j]: the previous column on the augmenting path
	minv := make([]float64, m+1)
	used := make([]bool, m+1)
	for i := 1; i <= n; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				if cur := -w[i0-1][j-1] - u[i0] - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	for j := 1; j <= m; j++ {
		if p[j] != 0 {
			assign[p[j]-1] = j - 1
		}
	}
	return assign, nil
}
