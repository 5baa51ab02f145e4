package view

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestGuard(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	open := f.server(t, Options{})
	locked := f.server(t, Options{Token: "s3cret"})
	feedback := "/e/" + f.cur.ID + "/cases/case-01/feedback"
	form := func(csrf string) string {
		return url.Values{"csrf": {csrf}, "name": {"helpful"}, "score": {"1"}, "author": {"t"}}.Encode()
	}
	tests := []struct {
		name    string
		s       *Server
		method  string
		target  string
		host    string
		headers map[string]string
		body    string
		status  int
		want    string
	}{
		{name: "loopback reads", s: open, target: "/", status: 200},
		{name: "localhost reads", s: open, target: "/", host: "localhost:7474", status: 200},
		{name: "rebinding host", s: open, target: "/", host: "evil.example:7474", status: 403, want: "only answers to localhost"},
		{name: "token missing", s: locked, target: "/", status: 401, want: "needs its token"},
		{name: "token wrong", s: locked, target: "/?token=nope", status: 401},
		{name: "token in query", s: locked, target: "/?token=s3cret&eval=qa", status: 303},
		{name: "token header", s: locked, target: "/", headers: map[string]string{"X-Caliper-Token": "s3cret"}, status: 200},
		{name: "token cookie", s: locked, target: "/e/" + f.cur.ID, headers: map[string]string{"Cookie": "caliper_token=s3cret"}, status: 200},
		{name: "token state poll", s: locked, target: "/e/" + f.cur.ID + "/state", status: 401},
		{name: "post without csrf", s: open, method: "POST", target: feedback, body: form(""), status: 403, want: "cross-site"},
		{name: "post wrong csrf", s: open, method: "POST", target: feedback, body: form("forged"), status: 403},
		{name: "post cross origin", s: open, method: "POST", target: feedback, body: form(open.csrf),
			headers: map[string]string{"Origin": "http://evil.example"}, status: 403},
		{name: "post cross site", s: open, method: "POST", target: feedback, body: form(open.csrf),
			headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, status: 403},
		{name: "post same origin", s: open, method: "POST", target: feedback, body: form(open.csrf),
			headers: map[string]string{"Origin": "http://127.0.0.1:7474", "Sec-Fetch-Site": "same-origin"}, status: 303},
		{name: "post locked without token", s: locked, method: "POST", target: feedback, body: form(locked.csrf), status: 401},
		{name: "post locked with token", s: locked, method: "POST", target: feedback, body: form(locked.csrf),
			headers: map[string]string{"Cookie": "caliper_token=s3cret", "Origin": "http://127.0.0.1:7474"}, status: 303},
		{name: "post bad score", s: open, method: "POST", target: feedback, body: url.Values{"csrf": {open.csrf}, "score": {"7"}}.Encode(), status: 400, want: "from 0 to 1"},
		{name: "post empty", s: open, method: "POST", target: feedback, body: url.Values{"csrf": {open.csrf}}.Encode(), status: 400, want: "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			req := httptest.NewRequest(method, "http://127.0.0.1:7474"+tc.target, strings.NewReader(tc.body))
			if tc.host != "" {
				req.Host = tc.host
			}
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			tc.s.Handler().ServeHTTP(rec, req)
			body, _ := io.ReadAll(rec.Result().Body)
			if rec.Code != tc.status {
				t.Fatalf("%s %s: status %d, want %d: %s", method, tc.target, rec.Code, tc.status, body)
			}
			if !strings.Contains(string(body), tc.want) {
				t.Errorf("%s %s: %q lacks %q", method, tc.target, body, tc.want)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("no content security policy: %q", csp)
			}
		})
	}
}

// TestHostilePagesEscape checks the markup of every page of the hostile
// experiment: no value from the store appears unescaped.
func TestHostilePagesEscape(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.server(t, Options{}).Handler()
	pages := []string{"/", expURL(f.hostile.ID), casesURL(f.hostile.ID), "/compare?a=" + f.hostile.ID + "&b=" + f.hostile.ID}
	for i := range hostileTexts {
		pages = append(pages, caseURL(f.hostile.ID, hostileCaseID(i)))
	}
	for _, p := range pages {
		status, body := get(t, h, p)
		if status != 200 {
			t.Fatalf("GET %s: %d %s", p, status, body)
		}
		for _, bad := range []string{"<script>window", "<img src=x", "<svg onload", `<div id="injected"`, "</textarea><script", `href="javascript:`} {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s: the page holds %q unescaped", p, bad)
			}
		}
	}
}
