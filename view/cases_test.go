package view

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// TestCasesStoreAndIndexAgree checks that the store's query, which serves
// the first look at an experiment, and the in-memory index, which serves
// the rest, give the same pages.
func TestCasesStoreAndIndexAgree(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.server(t, Options{})
	rq, ok := f.db.(store.RowQuerier)
	if !ok {
		t.Fatal("the SQLite store does not query rows")
	}
	queries := []string{"", "sort=score:similar&dir=desc", "sort=score:similar", "sort=metric:tokens&dir=desc", "dir=desc",
		"filter=errored", "score=correct&below=0.5", "score=similar&below=0.45&sort=score:similar", "q=THINK", "q=case-1",
		"per=5&page=2", "per=5&page=99", "sort=score:factual&dir=desc&per=3", "filter=errored&q=refused"}
	for _, query := range queries {
		t.Run(query, func(t *testing.T) {
			t.Parallel()
			q := parseCasesQuery(httptest.NewRequest("GET", "/e/x/cases?"+query, nil))
			a, err := s.casesFromStore(context.Background(), rq, f.cur, q)
			if err != nil {
				t.Fatal(err)
			}
			b, err := s.casesFromIndex(context.Background(), f.cur, q)
			if err != nil {
				t.Fatal(err)
			}
			if a.Total != b.Total || a.Query.Page != b.Query.Page || !slices.Equal(keys(a.Rows), keys(b.Rows)) {
				t.Errorf("store: %d rows, page %d: %v\nindex: %d rows, page %d: %v", a.Total, a.Query.Page, keys(a.Rows), b.Total, b.Query.Page, keys(b.Rows))
			}
		})
	}
}

func keys(rows []caseLine) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("%s/%d", r.CaseID, r.Trial)
	}
	return out
}
