package view

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// get fetches a page of h and returns its status and body.
func get(t *testing.T, h http.Handler, target string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:7474"+target, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

// TestPages reads every page of the fixture on SQLite and PostgreSQL
// (CALIPER_TEST_POSTGRES), each with its rows read into the index and
// queried from the store, as a large experiment's first look is.
func TestPages(t *testing.T) {
	t.Parallel()
	for _, b := range testBackends {
		for _, queried := range []bool{false, true} {
			name := b.name + "/index"
			if queried {
				name = b.name + "/queried"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				f := newFixtureOn(t, b.open(t))
				s := f.server(t, Options{})
				if queried {
					s.inlineRows = 0
					s.indexes.reading = make(chan struct{}) // no index: every page is queried
					t.Cleanup(func() { close(s.indexes.reading) })
				}
				testPages(t, f, s.Handler(), queried)
			})
		}
	}
}

// testPages reads every page through h. When queried, the experiment page is
// read first, before any page builds the index, so it is served from the
// store's queries: its histograms wait for the index and a note says so.
func testPages(t *testing.T, f *fixture, h http.Handler, queried bool) {
	cur := url.PathEscape(f.cur.ID)
	tests := []struct {
		name, target string
		status       int
		want, not    []string
	}{
		{"list", "/", 200, []string{"qa", "feature", "main", "feature/x", "hostile", "2222222"}, nil},
		{"list by eval", "/?eval=hostile", 200, []string{"attack"}, []string{">feature<"}},
		{"list by text", "/?q=ure%2Fx", 200, []string{"feature"}, []string{"attack"}}, // not hex, so in no id
		{"experiment", "/e/" + cur, 200, []string{"correct", "similar", "task timed out after 30s", "connection refused", "case-05", "<svg", "Compare with main"}, nil},
		{"experiment by name", "/e/feature", 200, []string{"feature/x"}, nil},
		{"cases", "/e/" + cur + "/cases", 200, []string{"case-00", "case-19", "21 of 21 rows"}, nil},
		{"cases errored", "/e/" + cur + "/cases?filter=errored", 200, []string{"case-05", "case-06", "case-09", "3 of 21 rows"}, []string{"case-04"}},
		{"cases regressed", "/e/" + cur + "/cases?filter=regressed", 200, []string{"case-03", "case-07", "case-02"}, []string{"case-04"}},
		{"cases below", "/e/" + cur + "/cases?score=correct&below=0.5", 200, []string{"case-03", "case-09", "5 of 21 rows"}, nil},
		{"cases text", "/e/" + cur + "/cases?q=i+think", 200, []string{"case-03", "case-07", "2 of 21 rows"}, nil},
		{"case", "/e/" + cur + "/cases/case-01", 200, []string{"You add numbers.", "openai/gpt-4o-mini", "The answer matches the expert answer exactly.", "factual", "policy.py exited with status 1: no rules file"}, nil},
		{"case trials", "/e/" + cur + "/cases/case-02", 200, []string{"Trial 0", "Trial 1", "side by side"}, nil},
		{"case diff", "/e/" + cur + "/cases/case-03", 200, []string{"<del>", "<ins>"}, nil},
		{"no experiment", "/e/nope", 404, []string{"not found"}, nil},
		{"no case", "/e/" + cur + "/cases/nope", 404, []string{"not found"}, nil},
	}
	for i := range tests {
		if queried && tests[i].name == "experiment" {
			tests[i].want = append(slices.DeleteFunc(tests[i].want, func(w string) bool { return w == "<svg" }), `id="reading"`)
			tests[i].not = []string{"<svg"}
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !queried || tc.name != "experiment" {
				t.Parallel()
			}
			status, body := get(t, h, tc.target)
			if status != tc.status {
				t.Fatalf("GET %s: status %d, want %d: %s", tc.target, status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: no %q in the page", tc.target, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(body, w) {
					t.Errorf("GET %s: %q in the page", tc.target, w)
				}
			}
		})
	}
}
