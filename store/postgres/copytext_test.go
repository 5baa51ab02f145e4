package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/caliperhq/caliper/store"
	"github.com/caliperhq/caliper/store/postgres/pgtest"
)

func TestAppendText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain é", "plain é"},
		{"a\tb\nc\rd\\e", `a\tb\nc\rd\\e`},
		{`\N`, `\\N`},
	} {
		if got := string(appendText(nil, tc.in)); got != tc.want {
			t.Errorf("appendText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := string(appendBytea(nil, "\x00\xffA")); got != `\\x00ff41` {
		t.Errorf("appendBytea = %q", got)
	}
	for _, tc := range []struct{ in, want string }{
		{"", `\N`},
		{`{"a":1}`, `{"a":1}`},
		{"\"\xff\"", "\"\uFFFD\""},
	} {
		if got := string(appendJSON(nil, []byte(tc.in))); got != tc.want {
			t.Errorf("appendJSON(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzRowRoundTrip writes a row whose case id, error and metadata are the
// fuzzer's bytes through COPY's text format to the test server and reads it
// back: the case id and the error must keep every byte, and UTF-8 metadata
// too.
func FuzzRowRoundTrip(f *testing.F) {
	for _, seed := range []string{"", "a", "\t\n\r\\", `\N`, "\\.", "\x00\xff", "é\u2028", `{"a":"\\t"}`} {
		f.Add(seed)
	}
	ctx := context.Background()
	s, err := Open(ctx, pgtest.DSN(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	n := 0
	f.Fuzz(func(t *testing.T, v string) {
		n++
		e := &store.Experiment{Eval: "fuzz", Name: fmt.Sprint("run-", n)}
		if err := s.CreateExperiment(ctx, e); err != nil {
			t.Fatal(err)
		}
		defer s.DeleteExperiment(ctx, e.ID)
		meta, _ := json.Marshal(map[string]string{"v": v})
		in := &store.Row{CaseID: v, Error: v, Input: json.RawMessage(`1`), Metadata: meta}
		w := s.NewWriter(e.ID, store.WriterOptions{})
		if err := w.Write(in); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		var got []*store.Row
		if err := s.Rows(ctx, e.ID, func(r *store.Row) error { got = append(got, r); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].CaseID != v || got[0].Error != v {
			t.Fatalf("wrote case id and error %q, read %+v", v, got)
		}
		if utf8.ValidString(v) && string(got[0].Metadata) != string(meta) {
			t.Errorf("metadata %q read back as %q", meta, got[0].Metadata)
		}
	})
}
