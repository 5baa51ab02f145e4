package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/caliperhq/caliper/store"
	"github.com/caliperhq/caliper/store/postgres/pgtest"
)

// TestBytesPostgresTextRefuses stores what SQLite's TEXT takes and
// PostgreSQL's TEXT refuses: NUL and bytes that are not UTF-8 in a case id
// and an error keep every byte; JSON that is not UTF-8 reads back as Go
// decodes it, with U+FFFD. The tabs, newlines and backslashes are what the
// COPY text format escapes.
func TestBytesPostgresTextRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	e := &store.Experiment{Eval: "e", Name: "bytes"}
	if err := s.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	in := &store.Row{CaseID: "a\x00\xff\t\\N\n", Input: json.RawMessage("\"\xffx\""), Error: "exit 1: \x00\xfe\t\\x\r\n stderr",
		Metadata: json.RawMessage("{\"a\":\t\"\\\\N\",\r\n\"b\":\"\\t\"}")}
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
	if r.CaseID != in.CaseID || r.Error != in.Error || string(r.Metadata) != string(in.Metadata) {
		t.Errorf("case id %q, error %q, metadata %q; want %q, %q, %q", r.CaseID, r.Error, r.Metadata, in.CaseID, in.Error, in.Metadata)
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

// TestDeleteWhileWriting deletes an experiment while its writer commits
// batches: the rows table has no FOREIGN KEY, so the lock each batch takes on
// its experiment is what must leave no row behind.
func TestDeleteWhileWriting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := &store.Experiment{Eval: "e", Name: "doomed"}
	if err := s.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	w := s.NewWriter(e.ID, store.WriterOptions{BatchSize: 20})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			if err := w.Write(&store.Row{CaseID: fmt.Sprintf("c%06d", i), Input: json.RawMessage(`1`)}); err != nil {
				done <- err
				return
			}
		}
	}()
	for {
		n, err := s.RowCount(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n >= 200 {
			break
		}
	}
	if err := s.DeleteExperiment(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("writing after the delete: %v; want the experiment missing", err)
	}
	w.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM rows WHERE experiment_id = $1`, e.ID).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d rows outlived their experiment", left)
	}
}
