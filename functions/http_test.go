package functions

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caliperhq/caliper/spec"
)

// received is the request an endpoint got.
type received struct {
	Method, Path, Query string
	Header              http.Header
	Body                string
}

// endpoint is a test server that records requests and answers by path:
// /json, /text, /fail (500), /slow (until the client gives up), /redirect-like
// headers on every answer.
func endpoint(t *testing.T) (*httptest.Server, func() []received) {
	t.Helper()
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(b)})
		mu.Unlock()
		w.Header().Set("X-Reason", "because")
		w.Header().Add("X-Multi", "first")
		w.Header().Add("X-Multi", "second")
		switch {
		case strings.HasPrefix(r.URL.Path, "/json"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"answer": "42", "n": 1.5}`)
		case r.URL.Path == "/text":
			_, _ = io.WriteString(w, "plain answer")
		case r.URL.Path == "/fail":
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"error": "`+strings.Repeat("x", 300)+`"}`)
		case r.URL.Path == "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), got...)
	}
}

func TestHTTPRequest(t *testing.T) {
	t.Parallel()
	req := &Request{
		Input:      map[string]any{"id": 42, "question": "Why <b> & \"quotes\"?", "n": 1e6, "list": []any{"a", 1}},
		Expected:   "yes",
		Metadata:   map[string]any{"lang": "en"},
		Tags:       []string{"smoke"},
		Parameters: map[string]any{"token": "s3cret"},
		Trial:      2,
		Output:     "the answer",
	}
	tests := []struct {
		name   string
		role   string
		http   spec.HTTP // URL is relative to the server
		want   received  // Header: only the headers to check
		output any
	}{
		{
			name: "templated url, headers and body",
			http: spec.HTTP{
				URL:    "/json/items/{{input.id}}?lang={{metadata.lang}}&trial={{trial}}",
				Method: "put",
				Headers: map[string]string{
					"Authorization": "Bearer {{parameters.token}}",
					"X-Input":       "{{input.list}}",
					"X-N":           "{{input.n}}",
					"X-Optional":    "[{{#metadata.missing}}{{metadata.missing}}{{/metadata.missing}}]",
				},
				Body: map[string]any{
					"q":        "Q: {{input.question}}",
					"input":    "{{input}}",
					"id":       "{{ input.id }}",
					"n":        "{{{input.n}}}",
					"expected": "{{expected}}",
					"list":     []any{"{{trial}}", "lit", 3, nil, true},
					"nested":   map[string]any{"tags": "{{tags}}", "text": "tags={{tags}} n={{input.n}}"},
				},
			},
			want: received{
				Method: "PUT", Path: "/json/items/42", Query: "lang=en&trial=2",
				Header: http.Header{
					"Authorization": {"Bearer s3cret"},
					"X-Input":       {`["a",1]`},
					"X-N":           {"1000000"},
					"X-Optional":    {"[]"},
					"Content-Type":  {"application/json"},
				},
				Body: `{"expected":"yes","id":42,"input":{"id":42,"list":["a",1],"n":1000000,"question":"Why <b> & \"quotes\"?"},` +
					`"list":[2,"lit",3,null,true],"n":1000000,"nested":{"tags":["smoke"],"text":"tags=[\"smoke\"] n=1000000"},"q":"Q: Why <b> & \"quotes\"?"}`,
			},
			output: map[string]any{"answer": "42", "n": 1.5},
		},
		{
			name: "default body is the request",
			http: spec.HTTP{URL: "/json"},
			want: received{
				Method: "POST", Path: "/json", Header: http.Header{"Content-Type": {"application/json"}},
				Body: `{"input":{"id":42,"list":["a",1],"n":1000000,"question":"Why <b> & \"quotes\"?"},"expected":"yes","metadata":{"lang":"en"},"tags":["smoke"],"parameters":{"token":"s3cret"},"trial":2}`,
			},
			output: map[string]any{"answer": "42", "n": 1.5},
		},
		{
			name: "a scorer's request has the output",
			role: RoleScorer,
			http: spec.HTTP{URL: "/text", Body: map[string]any{"output": "{{output}}", "says": "it says {{output}}"}},
			want: received{
				Method: "POST", Path: "/text",
				Body: `{"output":"the answer","says":"it says the answer"}`,
			},
			output: "plain answer",
		},
		{
			name:   "get has no body",
			http:   spec.HTTP{URL: "/text?q={{input.id}}", Method: "GET"},
			want:   received{Method: "GET", Path: "/text", Query: "q=42", Header: http.Header{"Content-Type": nil}},
			output: "plain answer",
		},
		{
			name:   "body that is one tag",
			http:   spec.HTTP{URL: "/json", Body: "{{input.list}}"},
			want:   received{Method: "POST", Path: "/json", Body: `["a",1]`},
			output: map[string]any{"answer": "42", "n": 1.5},
		},
		{
			name:   "output expression",
			http:   spec.HTTP{URL: "/json", Output: &spec.Expr{Code: `{status: status, answer: body.answer, reason: headers["x-reason"], multi: headers["x-multi"], ct: headers["content-type"], q: input.id}`}},
			want:   received{Method: "POST", Path: "/json"},
			output: map[string]any{"status": 200, "answer": "42", "reason": "because", "multi": "first", "ct": "application/json", "q": 42},
		},
		{
			name:   "output expression decides on a failure",
			http:   spec.HTTP{URL: "/fail", Output: &spec.Expr{Code: `status == 200 ? body.answer : "failed with " + string(status)`}},
			want:   received{Method: "POST", Path: "/fail"},
			output: "failed with 500",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, got := endpoint(t)
			h := tt.http
			h.URL = srv.URL + h.URL
			f := mustNew(t, spec.Body{Kind: spec.KindHTTP, HTTP: &h}, Options{Role: tt.role})
			out, err := call(f, req)
			wantErr(t, err)
			if !reflect.DeepEqual(out, tt.output) {
				t.Errorf("output %#v, want %#v", out, tt.output)
			}
			rs := got()
			if len(rs) != 1 {
				t.Fatalf("the server got %d requests, want 1", len(rs))
			}
			r := rs[0]
			if r.Method != tt.want.Method || r.Path != tt.want.Path || r.Query != tt.want.Query {
				t.Errorf("got %s %s?%s, want %s %s?%s", r.Method, r.Path, r.Query, tt.want.Method, tt.want.Path, tt.want.Query)
			}
			for name, want := range tt.want.Header {
				if g := r.Header.Values(name); !reflect.DeepEqual(g, []string(want)) && (len(g) > 0 || len(want) > 0) {
					t.Errorf("header %s: %q, want %q", name, g, want)
				}
			}
			if tt.want.Body != "" && r.Body != tt.want.Body {
				t.Errorf("body:\n%s\nwant:\n%s", r.Body, tt.want.Body)
			}
			if tt.want.Method == "GET" && r.Body != "" {
				t.Errorf("a GET sent a body: %q", r.Body)
			}
		})
	}
}

func TestHTTPErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		http spec.HTTP
		opts Options
		want []string
	}{
		{name: "non-2xx", http: spec.HTTP{URL: "/fail"}, want: []string{`POST /fail: http 500: {"error": "xxx`}},
		{name: "non-2xx body is cut at 200 bytes", http: spec.HTTP{URL: "/fail"}, want: []string{`"error": "` + strings.Repeat("x", 200-11) + "..."}},
		{name: "timeout", http: spec.HTTP{URL: "/slow", Timeout: 200 * time.Millisecond}, opts: Options{Timeout: time.Hour}, want: []string{"POST /slow: timed out after 200ms"}},
		{name: "default timeout", http: spec.HTTP{URL: "/slow"}, opts: Options{Timeout: 300 * time.Millisecond}, want: []string{"timed out after 300ms"}},
		{name: "missing variable", http: spec.HTTP{URL: "/json?l={{metadata.nope}}"}, want: []string{"http.url: {{metadata.nope}} names nothing in this case", "{{#metadata.nope}}...{{/metadata.nope}}"}},
		{name: "missing variable in a header", http: spec.HTTP{URL: "/json", Headers: map[string]string{"X-A": "{{inputs}}"}}, want: []string{"http.headers.X-A: {{inputs}} names nothing"}},
		{name: "missing exact tag in the body", http: spec.HTTP{URL: "/json", Body: map[string]any{"a": []any{"{{input.nope}}"}}}, want: []string{"http.body.a[0]: {{input.nope}} names nothing"}},
		{name: "output expression fails", http: spec.HTTP{URL: "/text", Output: &spec.Expr{Code: "body.answer.x", File: "e.yaml", Pos: spec.Pos{Line: 4, Col: 12}}}, want: []string{"http.output (response status 200): e.yaml:4:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := endpoint(t)
			h := tt.http
			h.URL = srv.URL + h.URL
			for i, w := range tt.want {
				tt.want[i] = strings.ReplaceAll(w, "POST /", "POST "+srv.URL+"/")
			}
			f := mustNew(t, spec.Body{Kind: spec.KindHTTP, HTTP: &h}, tt.opts)
			_, err := call(f, &Request{Input: map[string]any{"q": 1}})
			wantErr(t, err, tt.want...)
			if strings.Contains(tt.name, "timeout") && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("errors.Is(%v, context.DeadlineExceeded) is false", err)
			}
		})
	}
}

func TestHTTPReusesConnections(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	conns := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conns[r.RemoteAddr] = true
		mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true})
	}))
	t.Cleanup(srv.Close)
	f := mustNew(t, spec.Body{Kind: spec.KindHTTP, HTTP: &spec.HTTP{URL: srv.URL}}, Options{Concurrency: 4})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if _, err := call(f, &Request{Input: "x"}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	// net/http returns a connection to its idle pool from the goroutine that
	// reads the response, so a caller that asks again at once may dial one
	// more; without keep-alive every call would dial its own.
	if len(conns) > 4*2 {
		t.Fatalf("200 calls by 4 callers used %d connections, want about 4", len(conns))
	}
}

// TestHTTPErrorNamesTheURLTemplate checks that an error names the endpoint
// as the URL template is written, its {{...}} not URL-escaped.
func TestHTTPErrorNamesTheURLTemplate(t *testing.T) {
	t.Parallel()
	f := mustNew(t, spec.Body{Kind: spec.KindHTTP, HTTP: &spec.HTTP{URL: "{{parameters.base}}/answer?k=secret"}}, Options{})
	_, err := call(f, &Request{Parameters: map[string]any{"base": "http://127.0.0.1:1"}})
	wantErr(t, err, "POST {{parameters.base}}/answer: ")
}
