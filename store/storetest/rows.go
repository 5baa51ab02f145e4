package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/caliperhq/caliper/store"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// testRow is a full row for case i, trial trial.
func testRow(i, trial int) *store.Row {
	return &store.Row{
		CaseID:       fmt.Sprintf("case-%03d", i),
		Trial:        trial,
		Input:        json.RawMessage(fmt.Sprintf(`{"q":"question %d","n":%d}`, i, i)),
		Expected:     json.RawMessage(`"yes"`),
		Output:       json.RawMessage(fmt.Sprintf(`"answer %d"`, i)),
		Scores:       map[string]float64{"correct": 1, "similar": 0.25 * float64(i%4)},
		ScoreMeta:    map[string]json.RawMessage{"similar": json.RawMessage(`{"distance":3}`), "n": json.RawMessage(`[1,null]`)},
		ScorerErrors: map[string]string{"judge": "rate limited: \"429\"\n"},
		Metrics:      map[string]float64{"duration": 1.5, "tokens": float64(100 + i)},
		Metadata:     json.RawMessage(`{"lang":"en"}`),
		Tags:         []string{"smoke", "t" + fmt.Sprint(i)},
		Spans:        json.RawMessage(fmt.Sprintf(`[{"type":"llm","model":"m","tokens":%d}]`, 10+i)),
		Messages:     json.RawMessage(fmt.Sprintf(`[{"role":"user","content":"question %d"},{"role":"assistant","content":"answer %d"}]`, i, i)),
		StopReason:   "answer",
		Created:      time.Date(2025, 2, 3, 4, 5, 6, i, time.UTC),
	}
}

// sameRow reports whether two rows hold the same values.
func sameRow(a, b *store.Row) bool {
	x, y := *a, *b
	if !x.Created.Equal(y.Created) {
		return false
	}
	x.Created, y.Created = time.Time{}, time.Time{}
	return reflect.DeepEqual(x, y)
}

// writeRows writes rows through a new writer of experiment id and closes it.
func writeRows(t *testing.T, s store.Store, id string, opts store.WriterOptions, rows ...*store.Row) {
	t.Helper()
	w := s.NewWriter(id, opts)
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// readRows reads back all the rows of experiment id.
func readRows(t *testing.T, s store.Store, id string) []*store.Row {
	t.Helper()
	var rows []*store.Row
	if err := s.Rows(context.Background(), id, func(r *store.Row) error {
		rows = append(rows, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return rows
}

func testRowsRoundTrip(t *testing.T, open Opener) {
	t.Parallel()
	created := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, tc := range []struct {
		name string
		in   store.Row
		want store.Row // when it differs from in
	}{
		{"full", *testRow(1, 2), store.Row{}},
		{"minimal", store.Row{CaseID: "c", Input: json.RawMessage(`1`), Created: created}, store.Row{}},
		// An explicit null expected is a value, unlike an absent one (minimal).
		{"null expected", store.Row{CaseID: "c", Input: json.RawMessage(`1`), Expected: json.RawMessage(`null`),
			Output: json.RawMessage(`null`), Created: created}, store.Row{}},
		{"errored", store.Row{CaseID: "c", Input: json.RawMessage(`null`), Error: "task: timeout after 30s",
			Scores: map[string]float64{"correct": 0}, Created: created}, store.Row{}},
		{"unusual values", store.Row{
			CaseID:   "ça \"va\"\n\x00",
			Trial:    -1,
			Input:    json.RawMessage(`{"emoji":"😀","nested":[1,{"a":null}]}`),
			Output:   json.RawMessage(`"line\nbreak \u2028 <html> & \"quotes\""`),
			Scores:   map[string]float64{"tiny": 1e-9, "big": 1e300, "neg": -0.5, `we"ird\key`: 0.1, "ünï": 1.0 / 3},
			Metrics:  map[string]float64{"int": 12345678901234, "zero": 0},
			Tags:     []string{"", "a,b", `"q"`, "tab\t", "\x01", "日本"},
			Metadata: json.RawMessage(`[]`),
			Created:  created,
		}, store.Row{}},
		{"agent transcript", store.Row{
			CaseID: "c", Input: json.RawMessage(`1`), Created: created, StopReason: "max_turns\t\\",
			Messages: json.RawMessage(`[{"role":"assistant","content":"","tool_calls":[{"id":"call_1","name":"lookup","arguments":{"id":7}}]},` +
				`{"role":"tool","content":"line\\n\ttab \\\\ back","tool_call_id":"call_1","is_error":true}]`),
		}, store.Row{}},
		{"non-finite numbers are absent", store.Row{
			CaseID: "c", Input: json.RawMessage(`1`), Created: created,
			Scores:  map[string]float64{"ok": 1, "nan": math.NaN(), "inf": math.Inf(1)},
			Metrics: map[string]float64{"ninf": math.Inf(-1)},
		}, store.Row{CaseID: "c", Input: json.RawMessage(`1`), Created: created,
			Scores: map[string]float64{"ok": 1}}},
		{"empty maps and tags are absent", store.Row{
			CaseID: "c", Input: json.RawMessage(`1`), Created: created,
			Scores: map[string]float64{}, Metrics: map[string]float64{}, Tags: []string{}, Output: json.RawMessage{},
		}, store.Row{CaseID: "c", Input: json.RawMessage(`1`), Created: created}},
	} {
		// A row is stored the same whether the writer encodes its maps or a
		// run did before (store.EncodeMaps).
		for _, encoded := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/encoded %v", tc.name, encoded), func(t *testing.T) {
				t.Parallel()
				testRowRoundTrip(t, open, tc.in, tc.want, encoded)
			})
		}
	}
}

// testRowRoundTrip writes in, its maps encoded beforehand when encoded is set,
// and reads it back as want (as in when want is empty).
func testRowRoundTrip(t *testing.T, open Opener, in, want store.Row, encoded bool) {
	t.Helper()
	s := open(t)
	e := newExperiment(t, s, "x")
	if want.CaseID == "" {
		want = in
	}
	if encoded {
		var scores []store.KeyFloat
		for k, v := range in.Scores {
			scores = append(scores, store.KeyFloat{Key: k, Value: v})
		}
		in.Scores = nil
		store.EncodeMaps(&in, scores)
	}
	writeRows(t, s, e.ID, store.WriterOptions{}, &in)
	got := readRows(t, s, e.ID)
	if len(got) != 1 {
		t.Fatalf("read %d rows, want 1", len(got))
	}
	if !sameRow(got[0], &want) {
		t.Errorf("read back\n %#v\nwant\n %#v", got[0], want)
	}
	if got[0].Created.Location() != time.UTC {
		t.Errorf("Created is in %v, want UTC", got[0].Created.Location())
	}
}

func testRowsCreatedFilled(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	e := newExperiment(t, s, "x")
	before := time.Now()
	writeRows(t, s, e.ID, store.WriterOptions{}, &store.Row{CaseID: "c", Input: json.RawMessage(`1`)})
	got := readRows(t, s, e.ID)
	if len(got) != 1 || got[0].Created.Before(before) || got[0].Created.After(time.Now()) {
		t.Errorf("a row written without a time came back with %v", got[0].Created)
	}
}

func testRowsOrder(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	e := newExperiment(t, s, "x")
	var rows []*store.Row
	for i := range 120 {
		for trial := range 3 {
			rows = append(rows, testRow(i, trial))
		}
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	// A batch size that does not divide the rows exercises both statements.
	writeRows(t, s, e.ID, store.WriterOptions{BatchSize: 77}, rows...)
	got := readRows(t, s, e.ID)
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].CaseID != rows[j].CaseID {
			return rows[i].CaseID < rows[j].CaseID
		}
		return rows[i].Trial < rows[j].Trial
	})
	if len(got) != len(rows) {
		t.Fatalf("read %d rows, want %d", len(got), len(rows))
	}
	for i := range rows {
		if !sameRow(got[i], rows[i]) {
			t.Fatalf("row %d is %s/%d, want %s/%d", i, got[i].CaseID, got[i].Trial, rows[i].CaseID, rows[i].Trial)
		}
	}
}

func testRowsStop(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	e := newExperiment(t, s, "x")
	for i := range 10 {
		writeRows(t, s, e.ID, store.WriterOptions{}, testRow(i, 0))
	}
	stop := errors.New("stop")
	n := 0
	err := s.Rows(context.Background(), e.ID, func(*store.Row) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Errorf("Rows returned %v after %d rows, want the callback's error after 3", err, n)
	}
}

func testInsertOrReplace(t *testing.T, open Opener) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, s store.Store, id string, first, second *store.Row)
	}{
		{"same batch", func(t *testing.T, s store.Store, id string, first, second *store.Row) {
			writeRows(t, s, id, store.WriterOptions{}, first, second)
		}},
		{"same multi-row statement", func(t *testing.T, s store.Store, id string, first, second *store.Row) {
			rows := []*store.Row{first}
			for i := range statementRows - 2 {
				rows = append(rows, testRow(100+i, 0))
			}
			writeRows(t, s, id, store.WriterOptions{}, append(rows, second)...)
		}},
		{"two batches", func(t *testing.T, s store.Store, id string, first, second *store.Row) {
			w := s.NewWriter(id, store.WriterOptions{})
			if err := w.Write(first); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := w.Write(second); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		}},
		{"two writers", func(t *testing.T, s store.Store, id string, first, second *store.Row) {
			writeRows(t, s, id, store.WriterOptions{}, first)
			writeRows(t, s, id, store.WriterOptions{}, second)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			e := newExperiment(t, s, "x")
			first := testRow(7, 1)
			first.Error = "rate limited"
			second := testRow(7, 1)
			second.Output = json.RawMessage(`"retried"`)
			tc.write(t, s, e.ID, first, second)
			var found []*store.Row
			for _, r := range readRows(t, s, e.ID) {
				if r.CaseID == first.CaseID {
					found = append(found, r)
				}
			}
			if len(found) != 1 || !sameRow(found[0], second) {
				t.Errorf("after writing one key twice, found %d rows: %+v", len(found), found)
			}
		})
	}
}

// testReplaceLargeBatch replaces stored rows with a batch far larger than
// one chunk a backend sends it in (PostgreSQL's COPY reads 64 KiB at a time),
// whose stored keys come after new ones: the batch is refused part-way and
// sent again, and every row must end as the batch has it.
func testReplaceLargeBatch(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	e := newExperiment(t, s, "x")
	const stored, added = 300, 300
	var first, second []*store.Row
	for i := range stored {
		first = append(first, testRow(i, 0))
	}
	for i := range stored + added {
		r := testRow((i+stored)%(stored+added), 0) // the new keys first
		r.Output = json.RawMessage(fmt.Sprintf(`"retried %d"`, (i+stored)%(stored+added)))
		second = append(second, r)
	}
	opts := store.WriterOptions{BatchSize: stored + added}
	writeRows(t, s, e.ID, opts, first...)
	writeRows(t, s, e.ID, opts, second...)
	got := readRows(t, s, e.ID)
	if len(got) != stored+added {
		t.Fatalf("%d rows stored, want %d", len(got), stored+added)
	}
	for _, r := range got {
		var i int
		if _, err := fmt.Sscanf(r.CaseID, "case-%d", &i); err != nil {
			t.Fatalf("unexpected case %q", r.CaseID)
		}
		if want := fmt.Sprintf(`"retried %d"`, i); string(r.Output) != want {
			t.Errorf("case %s has output %s, want %s", r.CaseID, r.Output, want)
		}
	}
}

func testDoneKeys(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	e, other := newExperiment(t, s, "x"), newExperiment(t, s, "y")
	errored := testRow(2, 0)
	errored.Error = "boom"
	writeRows(t, s, e.ID, store.WriterOptions{}, testRow(1, 0), testRow(1, 1), errored, &store.Row{CaseID: "a\x00b", Trial: 3, Input: json.RawMessage(`1`)})
	writeRows(t, s, other.ID, store.WriterOptions{}, testRow(9, 0))
	for _, tc := range []struct {
		id   string
		want map[string]struct{}
	}{
		{e.ID, map[string]struct{}{
			store.Key("case-001", 0): {}, store.Key("case-001", 1): {}, store.Key("case-002", 0): {}, store.Key("a\x00b", 3): {},
		}},
		{other.ID, map[string]struct{}{store.Key("case-009", 0): {}}},
		{"unknown", map[string]struct{}{}},
	} {
		got, err := s.DoneKeys(ctx, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DoneKeys(%s) = %q, want %q", tc.id, got, tc.want)
		}
	}
	if store.Key("c", 12) != "c\x0012" {
		t.Errorf("Key(c, 12) = %q", store.Key("c", 12))
	}
}

func testCopyRows(t *testing.T, open Opener) {
	t.Parallel()
	ctx := context.Background()
	// 2,500 rows span several batches of DefaultBatchSize; every tenth errored.
	var src []*store.Row
	for i := range 1250 {
		for trial := range 2 {
			r := testRow(i, trial)
			if i%10 == 0 {
				r.Error, r.Output = "rate limited", nil
			}
			src = append(src, r)
		}
	}
	succeeded := func(r *store.Row) bool { return r.Error == "" }
	for _, tc := range []struct {
		name     string
		keep     func(*store.Row) bool
		existing []*store.Row // rows the target has already
		want     int
	}{
		{"all", nil, nil, 2500},
		{"the rows that succeeded", succeeded, nil, 2250},
		{"none", func(*store.Row) bool { return false }, nil, 0},
		{"over existing rows", succeeded, []*store.Row{testRow(1, 0), testRow(0, 0)}, 2250},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			from, to := newExperiment(t, s, "from"), newExperiment(t, s, "to")
			writeRows(t, s, from.ID, store.WriterOptions{}, src...)
			if len(tc.existing) > 0 {
				writeRows(t, s, to.ID, store.WriterOptions{}, tc.existing...)
			}
			n, err := s.CopyRows(ctx, from.ID, to.ID, tc.keep)
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.want {
				t.Errorf("copied %d rows, want %d", n, tc.want)
			}
			// The target holds the kept rows, identical, plus the rows it had
			// whose key was not copied over.
			want := map[string]*store.Row{}
			for _, r := range tc.existing {
				want[store.Key(r.CaseID, r.Trial)] = r
			}
			for _, r := range src {
				if tc.keep == nil || tc.keep(r) {
					want[store.Key(r.CaseID, r.Trial)] = r
				}
			}
			got := readRows(t, s, to.ID)
			if len(got) != len(want) {
				t.Fatalf("the target has %d rows, want %d", len(got), len(want))
			}
			for _, r := range got {
				if w := want[store.Key(r.CaseID, r.Trial)]; w == nil || !sameRow(r, w) {
					t.Fatalf("row %s/%d is %+v, want %+v", r.CaseID, r.Trial, r, w)
				}
			}
			if c, err := s.RowCount(ctx, from.ID); err != nil || c != len(src) {
				t.Errorf("the source has %d rows (%v) after the copy, want %d", c, err, len(src))
			}
		})
	}
}

func testCopyRowsErrors(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	e := newExperiment(t, s, "x")
	writeRows(t, s, e.ID, store.WriterOptions{}, testRow(1, 0))
	for _, tc := range []struct {
		name, from, to string
		notFound       bool
		want           string
	}{
		{"unknown source", "nope", e.ID, true, `experiment "nope": not found`},
		{"unknown target", e.ID, "nope", true, `experiment "nope": not found`},
		{"same experiment", e.ID, e.ID, false, "same experiment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, err := s.CopyRows(ctx, tc.from, tc.to, nil)
			if err == nil || n != 0 || errors.Is(err, store.ErrNotFound) != tc.notFound || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CopyRows: %d, %v; want an error containing %q", n, err, tc.want)
			}
		})
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	other := newExperiment(t, s, "y")
	if _, err := s.CopyRows(cancelled, e.ID, other.ID, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("CopyRows with a cancelled context: %v", err)
	}
}

func testRowCount(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	e, empty := newExperiment(t, s, "x"), newExperiment(t, s, "y")
	writeRows(t, s, e.ID, store.WriterOptions{}, testRow(1, 0), testRow(1, 1), testRow(2, 0))
	for _, tc := range []struct {
		id   string
		want int
	}{{e.ID, 3}, {empty.ID, 0}} {
		if n, err := s.RowCount(ctx, tc.id); err != nil || n != tc.want {
			t.Errorf("RowCount(%s) = %d, %v; want %d", tc.id, n, err, tc.want)
		}
	}
	if _, err := s.RowCount(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RowCount of an unknown experiment: %v, want not found", err)
	}
}
