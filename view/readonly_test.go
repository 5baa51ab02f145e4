package view

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// TestReadOnlyStore serves a store opened read-only: every page shows, the
// review form says why it is disabled, and a feedback post is refused with
// 409 and what to do, before the store is asked to write.
func TestReadOnlyStore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "copy.db")
	if _, err := store.Copy(context.Background(), f.db, openTestStore(t, path), store.CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	ro, err := store.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	s, err := New(Options{Store: ro, ReadOnly: "the store file is not writable", Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	cur := f.cur.ID
	for _, p := range []string{"/", expURL(cur), casesURL(cur), caseURL(cur, "case-01")} {
		if status, body := get(t, h, p); status != 200 {
			t.Fatalf("GET %s: %d %s", p, status, body)
		}
	}
	_, page := get(t, h, caseURL(cur, "case-01"))
	for _, want := range []string{"Feedback is disabled", "the store file is not writable", "<fieldset disabled"} {
		if !strings.Contains(page, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	form := url.Values{"csrf": {s.csrf}, "name": {"helpful"}, "score": {"1"}, "author": {"t"}}.Encode()
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:7474"+caseURL(cur, "case-01")+"/feedback", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	if rec.Code != http.StatusConflict || !strings.Contains(string(body), "read-only") || !strings.Contains(string(body), "caliper feedback") {
		t.Errorf("POST feedback on a read-only store: %d %s, want 409 saying why and what to do", rec.Code, body)
	}
	if recs, _ := ro.Feedback(context.Background(), cur, ""); len(recs) != 0 {
		t.Errorf("feedback stored in a read-only store: %+v", recs)
	}
}
