package datasets

import (
	"fmt"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// The set reports, for a repeated id, the source of its first row, across
// tables that grew and sources that change and come back.
func TestIDSetReportsTheFirstRow(t *testing.T) {
	t.Parallel()
	s := newIDSet()
	sources := func(i int) string {
		switch {
		case i < 1000:
			return fmt.Sprintf("a.jsonl:%d", i+1)
		case i < 1500:
			return fmt.Sprintf("inline[%d]", i-1000)
		case i < 2000:
			return "dataset d@3"
		}
		return fmt.Sprintf("a.jsonl:%d", i+7)
	}
	const n = 5000
	for i := range n {
		if first, dup := s.add(&Case{Source: sources(i), Case: caseID(fmt.Sprint("id-", i))}); dup {
			t.Fatalf("id %d is a duplicate of %s", i, first)
		}
	}
	for _, i := range []int{0, 999, 1000, 1499, 1500, 1999, 2000, n - 1} {
		first, dup := s.add(&Case{Source: "b.jsonl:1", Case: caseID(fmt.Sprint("id-", i))})
		if want := sources(i); !dup || first != want {
			t.Errorf("id %d again: first %q, dup %v; want %q", i, first, dup, want)
		}
	}
}

func caseID(id string) spec.Case { return spec.Case{ID: id} }
