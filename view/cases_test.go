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

// FuzzCasesQuery sends any query to the cases page: it always answers a
// page, never a server error.
func FuzzCasesQuery(f *testing.F) {
	for _, q := range []string{"", "sort=score:similar&dir=desc", "filter=errored&q=%3Cscript%3E", "score=correct&below=NaN",
		"below=-1&score=x", "page=-3&per=100000", "sort=metric:&page=99999999999999999999", "filter=regressed&sort=change"} {
		f.Add(q)
	}
	fx := newFixture(f)
	h := fx.server(f, Options{Logf: func(string, ...any) {}}).Handler()
	f.Fuzz(func(t *testing.T, query string) {
		req := httptest.NewRequest("GET", "http://127.0.0.1:7474/e/"+fx.cur.ID+"/cases", nil)
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("?%s: status %d: %s", query, rec.Code, rec.Body.String())
		}
	})
}
