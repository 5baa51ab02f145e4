package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr"
)

// testdata returns the absolute path of a file under testdata, as spec.Data
// holds paths.
func testdata(t testing.TB, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writeFile writes content to name in a fresh temporary directory and returns
// its path.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ex is an expression as spec would hold it, at line 1 of a test eval.
func ex(code string) *spec.Expr {
	return &spec.Expr{Code: code, File: "test.eval.yaml", Pos: spec.Pos{Line: 1, Col: 1}}
}

// warnings collects the warnings of a stream.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) warn(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msg)
}

// readAll opens d and reads every case. It returns the cases read before any
// error, the stream (closed) and the error, if any.
func readAll(t testing.TB, d spec.Data, opts Options) ([]Case, *Stream, error) {
	t.Helper()
	s, err := Open(context.Background(), d, opts)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	var cases []Case
	for {
		c, err := s.Next()
		if err == io.EOF {
			return cases, s, nil
		}
		if err != nil {
			return cases, s, err
		}
		cases = append(cases, c)
	}
}

// mustReadAll is readAll that fails the test on an error.
func mustReadAll(t testing.TB, d spec.Data, opts Options) []Case {
	t.Helper()
	cases, _, err := readAll(t, d, opts)
	if err != nil {
		t.Fatalf("reading cases: %v", err)
	}
	return cases
}

func ids(cases []Case) []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = c.ID
	}
	return out
}

func sources(cases []Case) []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = c.Source
	}
	return out
}

// withoutSources returns the cases with Source cleared, to compare cases read
// from different files.
func withoutSources(cases []Case) []Case {
	out := make([]Case, len(cases))
	for i, c := range cases {
		c.Source = ""
		out[i] = c
	}
	return out
}

func mustHash(t testing.TB, input any) string {
	t.Helper()
	id, err := HashID(input)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func diffCases(t testing.TB, got, want []Case) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d cases, want %d:\n got %s\nwant %s", len(got), len(want), dump(got), dump(want))
	}
	for i := range got {
		w := want[i]
		w.HasExpected = w.ExpectedPresent() // a value is present; the flag marks an explicit null
		if !reflect.DeepEqual(got[i], w) {
			t.Errorf("case %d:\n got %#v\nwant %#v", i, got[i], w)
		}
	}
}

func dump(cases []Case) string {
	var b strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&b, "\n  %#v", c)
	}
	return b.String()
}

// wantErr checks that err is set and holds every one of parts.
func wantErr(t testing.TB, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one with %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

var errBroken = errors.New("broken reader")

// brokenReader returns its content, then errBroken.
func brokenReader(content string) io.Reader {
	return io.MultiReader(strings.NewReader(content), errReader{})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBroken }

// helperOption binds one expression function, as the pipeline binds helpers.
func helperOption(name string, fn func(...any) (any, error)) []expr.Option {
	return []expr.Option{expr.Function(name, fn)}
}
