package postgres

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// TestBytesPostgresTextRefuses stores what SQLite's TEXT takes and
// PostgreSQL's TEXT refuses: NUL and bytes that are not UTF-8 in a case id
// and an error keep every byte; JSON that is not UTF-8 reads back as Go
// decodes it, with U+FFFD.
func TestBytesPostgresTextRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	e := &store.Experiment{Eval: "e", Name: "bytes"}
	if err := s.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	in := &store.Row{CaseID: "a\x00\xff", Input: json.RawMessage("\"\xffx\""), Error: "exit 1: \x00\xfe stderr"}
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
	if len(got) != 1 {
		t.Fatalf("read %d rows", len(got))
	}
	r := got[0]
	if r.CaseID != in.CaseID || r.Error != in.Error {
		t.Errorf("case id %q, error %q; want %q, %q", r.CaseID, r.Error, in.CaseID, in.Error)
	}
	var want, have string
	if err := json.Unmarshal(in.Input, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(r.Input, &have); err != nil || have != want {
		t.Errorf("input %q decodes to %q (%v), want %q", r.Input, have, err, want)
	}
	keys, err := s.DoneKeys(ctx, e.ID)
	if _, ok := keys[store.Key(in.CaseID, 0)]; err != nil || !ok {
		t.Errorf("DoneKeys = %q, %v; want the case id's bytes", keys, err)
	}
}
