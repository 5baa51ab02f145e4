package report

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// benchRows makes n cases of one trial with three scores and a duration, in
// case id order; shift moves the scores of one case in ten.
func benchRows(n int, seed uint64, shift float64) []*store.Row {
	rng := rand.New(rand.NewPCG(seed, 1))
	rows := make([]*store.Row, n)
	for i := range rows {
		s := rng.Float64()
		if i%10 == 0 {
			s = min(1, max(0, s+shift))
		}
		rows[i] = &store.Row{CaseID: fmt.Sprintf("case-%07d", i),
			Scores:  map[string]float64{"correct": float64(rng.IntN(2)), "similar": s, "factual": float64(rng.IntN(5)) / 4},
			Metrics: map[string]float64{"duration": rng.Float64()}}
	}
	return rows
}

// BenchmarkCompare100k compares two experiments of 100,000 cases, three
// scores and a duration each, reduction and 1,000-resample bootstrap
// included: go test -run '^$' -bench Compare100k ./report
func BenchmarkCompare100k(b *testing.B) {
	base, cur := benchRows(100_000, 1, 0), benchRows(100_000, 2, -0.2)
	cpu0 := cpuTime()
	for b.Loop() {
		s, err := Compare(RowSlice(cur), RowSlice(base), CompareOptions{Base: "main"})
		if err != nil {
			b.Fatal(err)
		}
		if s.Comparison.Paired != 100_000 {
			b.Fatalf("paired %d", s.Comparison.Paired)
		}
	}
	if cpu := cpuTime() - cpu0; cpu > 0 {
		// CPU time of both cores together: unlike ns/op, it hardly depends
		// on what else the machine is running.
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkAggregatorAdd adds the rows of a run's summary sink: three
// scores, in the eval's order, and a duration.
func BenchmarkAggregatorAdd(b *testing.B) {
	a := NewAggregator([]string{"correct", "exact_match", "levenshtein"})
	metrics := map[string]float64{"duration": 8.5e-7}
	row := Row{CaseID: "c1", Scores: []Score{{"correct", 1}, {"exact_match", 1}, {"levenshtein", 0.5}}, Metrics: metrics}
	for b.Loop() {
		a.Add(row)
	}
}
