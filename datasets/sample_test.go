package datasets

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// numbered writes a JSONL file of n rows with ids r0 .. r(n-1); even rows are
// tagged "even".
func numbered(t testing.TB, n int) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
		tags := "[]"
		if i%2 == 0 {
			tags = `["even"]`
		}
		fmt.Fprintf(&b, `{"id": "r%d", "input": {"n": %d}, "tags": %s}`+"\n", i, i, tags)
	}
	return writeFile(t, "rows.jsonl", b.String())
}

// order returns the row numbers of r-ids.
func order(t testing.TB, ids []string) []int {
	out := make([]int, len(ids))
	for i, id := range ids {
		n, err := strconv.Atoi(strings.TrimPrefix(id, "r"))
		if err != nil {
			t.Fatalf("id %q", id)
		}
		out[i] = n
	}
	return out
}

func TestSample(t *testing.T) {
	t.Parallel()
	file := numbered(t, 1000)
	sample := func(size int, seed int64, limit int, filter string) []string {
		d := spec.Data{File: file, Sample: &spec.Sample{Size: size, Seed: seed}, Limit: limit}
		if filter != "" {
			d.Filter = ex(filter)
		}
		return ids(mustReadAll(t, d, Options{}))
	}

	a, b := sample(50, 7, 0, ""), sample(50, 7, 0, "")
	if len(a) != 50 {
		t.Fatalf("sample of %d cases, want 50", len(a))
	}
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different samples:\n%v\n%v", a, b)
	}
	if c := sample(50, 8, 0, ""); slices.Equal(a, c) {
		t.Errorf("seeds 7 and 8 gave the same sample")
	}
	if !slices.IsSorted(order(t, a)) {
		t.Errorf("the sample is not in the order of the rows: %v", a)
	}

	tests := []struct {
		name   string
		size   int
		limit  int
		filter string
		want   int
	}{
		{"size above the row count keeps every row", 5000, 0, "", 1000},
		{"limit caps the sample", 50, 10, "", 10},
		{"limit above the size", 50, 100, "", 50},
		{"sample of the filtered rows", 600, 0, `"even" in tags`, 500},
		{"size one", 1, 0, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := sample(tt.size, 7, tt.limit, tt.filter)
			if len(got) != tt.want {
				t.Errorf("%d cases, want %d", len(got), tt.want)
			}
			if !slices.IsSorted(order(t, got)) {
				t.Errorf("not in row order: %v", got)
			}
			if tt.filter != "" {
				for _, n := range order(t, got) {
					if n%2 != 0 {
						t.Errorf("row %d does not pass the filter", n)
					}
				}
			}
		})
	}
}

func TestSampleIsStable(t *testing.T) {
	t.Parallel()
	// A case's chance does not depend on its place: the same rows reversed,
	// or with rows appended that do not rank, give the same picks.
	var fwd, rev strings.Builder
	for i := range 200 {
		fmt.Fprintf(&fwd, `{"id": "r%d", "input": %d}`+"\n", i, i)
		fmt.Fprintf(&rev, `{"id": "r%d", "input": %d}`+"\n", 199-i, 199-i)
	}
	d := func(content string) spec.Data {
		return spec.Data{File: writeFile(t, "rows.jsonl", content), Sample: &spec.Sample{Size: 20, Seed: 3}}
	}
	a := order(t, ids(mustReadAll(t, d(fwd.String()), Options{})))
	b := order(t, ids(mustReadAll(t, d(rev.String()), Options{})))
	slices.Sort(b)
	if !slices.Equal(a, b) {
		t.Errorf("reordered rows gave another sample:\n%v\n%v", a, b)
	}
}

func TestSampleUniform(t *testing.T) {
	t.Parallel()
	// Every row should be picked about as often over many seeds.
	const rows, size, seeds = 20, 5, 2000
	var b strings.Builder
	for i := range rows {
		fmt.Fprintf(&b, `{"id": "r%d", "input": %d}`+"\n", i, i)
	}
	file := writeFile(t, "rows.jsonl", b.String())
	counts := make([]int, rows)
	for seed := range int64(seeds) {
		for _, n := range order(t, ids(mustReadAll(t, spec.Data{File: file, Sample: &spec.Sample{Size: size, Seed: seed}}, Options{}))) {
			counts[n]++
		}
	}
	want := seeds * size / rows // 500
	for n, c := range counts {
		if c < want*8/10 || c > want*12/10 {
			t.Errorf("row %d picked %d times over %d seeds, want about %d", n, c, seeds, want)
		}
	}
}
