package functions

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/internal/mask"
	"github.com/caliperhq/caliper/spec"
)

const testToken = "tok-0123456789abcdef0123"

// TestStderrIsMaskedBeforeItIsCut: a secret written in pieces is masked in
// the forwarded line and in the tail kept for errors, even when it straddles
// the start of the tail.
func TestStderrIsMaskedBeforeItIsCut(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	s := &stderrTail{out: &lineOut{w: &out}, prefix: "[p] ", mask: mask.New([]string{testToken}, nil)}
	line := "fatal: key " + testToken + "\n"
	for i := 0; i < len(line); i += 5 {
		_, _ = s.Write([]byte(line[i:min(i+5, len(line))]))
	}
	// The key lands across the point where the tail starts to be cut.
	_, _ = s.Write([]byte(strings.Repeat("x", tailSize-10) + testToken + strings.Repeat("y", tailSize-12) + "\n"))
	if got := out.String(); strings.Contains(got, testToken[:8]) || !strings.HasPrefix(got, "[p] fatal: key [redacted]\n") {
		t.Errorf("forwarded %q", got[:min(len(got), 80)])
	}
	if tail := s.String(); strings.Contains(tail, testToken[8:]) || strings.Contains(tail, testToken[:8]) {
		t.Errorf("the tail holds a part of the key: ...%s", tail[:80])
	}
}

// TestHTTPErrorSnippetIsMaskedBeforeTheCut: an endpoint that echoes a header
// token in an error body leaks no part of it, even across the 200-character cut.
func TestHTTPErrorSnippetIsMaskedBeforeTheCut(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "%s %s denied", strings.Repeat("z", 190), r.Header.Get("X-Token"))
	}))
	defer srv.Close()
	f, err := New(spec.Body{Kind: spec.KindHTTP, HTTP: &spec.HTTP{URL: srv.URL, Headers: map[string]string{"X-Token": "{{env.TOKEN}}"}}},
		Options{Vars: map[string]string{"TOKEN": testToken}, Mask: mask.New([]string{testToken}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = f.Call(context.Background(), &Request{Input: 1})
	if err == nil || strings.Contains(err.Error(), testToken[:6]) || !strings.Contains(err.Error(), "http 403") {
		t.Errorf("error %v", err)
	}
}
