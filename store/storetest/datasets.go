package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/caliperhq/caliper/store"
	"iter"
	"maps"
	"slices"
	"strings"
	"testing"
)

// drow is a dataset row whose data is {"id":id,"input":input}.
func drow(id string, input any) store.DatasetRow {
	b, err := json.Marshal(map[string]any{"id": id, "input": input})
	if err != nil {
		panic(err)
	}
	return store.DatasetRow{ID: id, Data: b}
}

// readDataset reads a version of a dataset as id -> compact data, checking
// that the ids come in order.
func readDataset(t *testing.T, s store.Store, name string, version int) map[string]string {
	t.Helper()
	got := map[string]string{}
	last := ""
	err := s.DatasetRows(context.Background(), name, version, func(id string, data json.RawMessage) error {
		if len(got) > 0 && id <= last {
			t.Errorf("id %q after %q: not in id order", id, last)
		}
		last = id
		got[id] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// contents builds the expected id -> data of rows.
func contents(rows ...store.DatasetRow) map[string]string {
	m := map[string]string{}
	for _, r := range rows {
		m[r.ID] = string(r.Data)
	}
	return m
}

func testPushDatasetVersions(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	a1, b1, c1 := drow("a", 1), drow("b", 2), drow("c", 3)
	b2, d1 := drow("b", "two"), drow("d", 4)
	// Each step pushes rows, and the result and then the latest version's
	// rows must be as given.
	steps := []struct {
		name          string
		rows          []store.DatasetRow
		deleteMissing bool
		want          store.PushResult
		wantRows      map[string]string
	}{
		{"first push", []store.DatasetRow{c1, a1, b1}, false,
			store.PushResult{Version: 1, Added: 3}, contents(a1, b1, c1)},
		{"the same rows again: no new version", []store.DatasetRow{a1, b1, c1}, false,
			store.PushResult{Version: 1, Unchanged: 3}, contents(a1, b1, c1)},
		{"reformatted JSON is unchanged", []store.DatasetRow{{ID: "a", Data: json.RawMessage("{ \"id\": \"a\",\n \"input\": 1 }")}}, false,
			store.PushResult{Version: 1, Unchanged: 1}, contents(a1, b1, c1)},
		{"update, add, and keep what is missing", []store.DatasetRow{b2, d1, a1}, false,
			store.PushResult{Version: 2, Added: 1, Updated: 1, Unchanged: 1}, contents(a1, b2, c1, d1)},
		{"delete what is missing", []store.DatasetRow{a1, d1}, true,
			store.PushResult{Version: 3, Deleted: 2, Unchanged: 2}, contents(a1, d1)},
		{"a deleted id comes back", []store.DatasetRow{c1}, false,
			store.PushResult{Version: 4, Added: 1}, contents(a1, c1, d1)},
		{"an empty push deletes everything", nil, true,
			store.PushResult{Version: 5, Deleted: 3}, map[string]string{}},
		{"and the rows come back", []store.DatasetRow{a1, b2}, false,
			store.PushResult{Version: 6, Added: 2}, contents(a1, b2)},
	}
	history := map[int]map[string]string{}
	for _, st := range steps {
		res, err := s.PushDataset(ctx, "qa", store.DatasetRowsOf(st.rows), st.deleteMissing)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if res != st.want {
			t.Errorf("%s: pushed %+v, want %+v", st.name, res, st.want)
		}
		if res.Changed() != (res.Version > len(history)) {
			t.Errorf("%s: Changed() = %v with version %d after %d versions", st.name, res.Changed(), res.Version, len(history))
		}
		history[res.Version] = st.wantRows
		if got := readDataset(t, s, "qa", 0); !maps.Equal(got, st.wantRows) {
			t.Errorf("%s: the latest version holds %v, want %v", st.name, got, st.wantRows)
		}
	}

	// Every version reads as it was pushed, in parallel.
	for v, want := range history {
		t.Run(fmt.Sprintf("version %d", v), func(t *testing.T) {
			t.Parallel()
			if got := readDataset(t, s, "qa", v); !maps.Equal(got, want) {
				t.Errorf("version %d holds %v, want %v", v, got, want)
			}
		})
	}

	versions, err := s.DatasetVersions(ctx, "qa")
	if err != nil {
		t.Fatal(err)
	}
	type counts struct{ version, rows, added, updated, deleted int }
	var got []counts
	for _, v := range versions {
		got = append(got, counts{v.Version, v.Rows, v.Added, v.Updated, v.Deleted})
		if v.Created.IsZero() {
			t.Errorf("version %d has no creation time", v.Version)
		}
	}
	want := []counts{{6, 2, 2, 0, 0}, {5, 0, 0, 0, 3}, {4, 3, 1, 0, 0}, {3, 2, 0, 0, 2}, {2, 4, 1, 1, 0}, {1, 3, 3, 0, 0}}
	if !slices.Equal(got, want) {
		t.Errorf("versions:\n got %v\nwant %v", got, want)
	}
	// A version's row count is what reading it gives.
	for _, v := range versions {
		if n := len(history[v.Version]); n != v.Rows {
			t.Errorf("version %d counts %d rows, reading it gives %d", v.Version, v.Rows, n)
		}
	}
}

func testDatasetsList(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	if list, err := s.Datasets(ctx); err != nil || len(list) != 0 {
		t.Errorf("an empty store lists %v, %v", list, err)
	}
	push := func(name string, deleteMissing bool, rows ...store.DatasetRow) {
		t.Helper()
		if _, err := s.PushDataset(ctx, name, store.DatasetRowsOf(rows), deleteMissing); err != nil {
			t.Fatal(err)
		}
	}
	push("zeta", false, drow("1", 1))
	push("alpha", false, drow("1", 1), drow("2", 2))
	push("alpha", true, drow("3", 3))
	push("zeta", false, drow("1", 1)) // unchanged
	list, err := s.Datasets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range list {
		got = append(got, fmt.Sprintf("%s@%d:%d", d.Name, d.Latest, d.Rows))
		if d.Updated.IsZero() {
			t.Errorf("%s has no update time", d.Name)
		}
	}
	if want := []string{"alpha@2:1", "zeta@1:1"}; !slices.Equal(got, want) {
		t.Errorf("listed %v, want %v", got, want)
	}
}

func testDatasetReadErrors(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	if _, err := s.PushDataset(ctx, "qa", store.DatasetRowsOf([]store.DatasetRow{drow("a", 1)}), false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		dataset  string
		version  int
		notFound bool
		want     []string
	}{
		{"unknown name", "nope", 0, true, []string{`dataset "nope": not found`, "caliper datasets list"}},
		{"unknown name at a version", "nope", 1, true, []string{`dataset "nope": not found`}},
		{"unknown version", "qa", 2, true, []string{`dataset "qa" has no version 2: not found`, "versions are 1 to 1"}},
		{"negative version", "qa", -1, false, []string{`version -1 is not valid`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := s.DatasetRows(ctx, tc.dataset, tc.version, func(string, json.RawMessage) error {
				t.Error("a row was read")
				return nil
			})
			_, rerr := s.ResolveDatasetVersion(ctx, tc.dataset, tc.version)
			for _, err := range []error{err, rerr} {
				if err == nil || errors.Is(err, store.ErrNotFound) != tc.notFound {
					t.Fatalf("error %v, want not found = %v", err, tc.notFound)
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
			}
		})
	}
	if _, err := s.DatasetVersions(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DatasetVersions of an unknown dataset: %v", err)
	}
	if v, err := s.ResolveDatasetVersion(ctx, "qa", 0); err != nil || v != 1 {
		t.Errorf("ResolveDatasetVersion(qa, 0) = %d, %v; want 1", v, err)
	}
	stop := errors.New("stop")
	if err := s.DatasetRows(ctx, "qa", 0, func(string, json.RawMessage) error { return stop }); err != stop {
		t.Errorf("DatasetRows returned %v, want the callback's error", err)
	}
}

func testPushDatasetErrors(t *testing.T, open Opener) {
	t.Parallel()
	failing := func(after int) iter.Seq2[store.DatasetRow, error] {
		return func(yield func(store.DatasetRow, error) bool) {
			for i := range after {
				if !yield(drow(fmt.Sprint(i), i), nil) {
					return
				}
			}
			yield(store.DatasetRow{}, errors.New("datasets/qa.jsonl:7: invalid JSON"))
		}
	}
	rows := func(rs ...store.DatasetRow) iter.Seq2[store.DatasetRow, error] { return store.DatasetRowsOf(rs) }
	for _, tc := range []struct {
		name    string
		dataset string
		rows    iter.Seq2[store.DatasetRow, error]
		want    []string
	}{
		{"empty name", "", rows(drow("a", 1)), []string{"the dataset name is empty"}},
		{"bad name", "qa@2", rows(drow("a", 1)), []string{`the dataset name "qa@2" is not valid`, "letters, digits"}},
		{"name starting with a dot", ".qa", rows(drow("a", 1)), []string{`is not valid`}},
		{"no id", "qa", rows(drow("a", 1), store.DatasetRow{Data: json.RawMessage(`{}`)}), []string{"row 2 has no id"}},
		{"duplicate id", "qa", rows(drow("a", 1), drow("b", 1), drow("a", 2)), []string{`row id "a" appears more than once`}},
		{"invalid JSON", "qa", rows(store.DatasetRow{ID: "a", Data: json.RawMessage(`{"input":`)}), []string{`row "a": its data is not valid JSON`}},
		{"not an object", "qa", rows(store.DatasetRow{ID: "a", Data: json.RawMessage(`[1]`)}), []string{`row "a": its data is not a JSON object`}},
		{"empty data", "qa", rows(store.DatasetRow{ID: "a"}), []string{`row "a": its data is not valid JSON`}},
		{"the iterator fails", "qa", failing(250), []string{"datasets/qa.jsonl:7: invalid JSON"}},
		{"nothing to create", "fresh", rows(), []string{"the push has no rows", "at least one row"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			ctx := context.Background()
			// qa exists at version 1 with row "keep"; a failed push leaves it so.
			if _, err := s.PushDataset(ctx, "qa", rows(drow("keep", 0)), false); err != nil {
				t.Fatal(err)
			}
			res, err := s.PushDataset(ctx, tc.dataset, tc.rows, true)
			if err == nil {
				t.Fatalf("the push succeeded: %+v", res)
			}
			if res != (store.PushResult{}) {
				t.Errorf("a failed push returned %+v", res)
			}
			// Only the iterator's error is not the rows' fault.
			if wantInvalid := tc.name != "the iterator fails"; errors.Is(err, store.ErrInvalidDataset) != wantInvalid {
				t.Errorf("errors.Is(%q, store.ErrInvalidDataset) = %v", err, !wantInvalid)
			}
			for _, w := range append([]string{fmt.Sprintf("pushing dataset %q: ", tc.dataset)}, tc.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if got := readDataset(t, s, "qa", 0); !maps.Equal(got, contents(drow("keep", 0))) {
				t.Errorf("after a failed push, qa holds %v", got)
			}
			if list, err := s.Datasets(ctx); err != nil || len(list) != 1 || list[0].Latest != 1 {
				t.Errorf("after a failed push, the datasets are %+v, %v", list, err)
			}
		})
	}
}

func testPushDatasetConcurrent(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	// Eight pushes to one dataset at once, each adding its own row: the
	// transactions serialise, so there are eight versions and eight rows.
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			_, err := s.PushDataset(ctx, "qa", store.DatasetRowsOf([]store.DatasetRow{drow(fmt.Sprint(i), i)}), false)
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	versions, err := s.DatasetVersions(ctx, "qa")
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 8 || versions[0].Version != 8 || versions[0].Rows != 8 {
		t.Errorf("after eight concurrent pushes: %+v", versions)
	}
	for _, v := range versions {
		if n := len(readDataset(t, s, "qa", v.Version)); n != v.Version {
			t.Errorf("version %d has %d rows, want %d", v.Version, n, v.Version)
		}
	}
}

// TestDatasetLargePush pushes rows across many multi-row statements, then
// updates every third, deletes every fifth and adds some, and reads both
// versions back.
func testDatasetLargePush(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	const n = 2345 // not a multiple of datasetRowsPerInsert
	v1 := map[string]string{}
	var first []store.DatasetRow
	for i := range n {
		r := drow(fmt.Sprintf("row-%05d", i), i)
		first = append(first, r)
		v1[r.ID] = string(r.Data)
	}
	if res, err := s.PushDataset(ctx, "big", store.DatasetRowsOf(first), false); err != nil || res.Added != n {
		t.Fatalf("first push: %+v, %v", res, err)
	}
	v2 := map[string]string{}
	var second []store.DatasetRow
	want := store.PushResult{Version: 2}
	for i := range n + 100 {
		id := fmt.Sprintf("row-%05d", i)
		switch {
		case i >= n:
			want.Added++
		case i%5 == 0:
			want.Deleted++
			continue
		case i%3 == 0:
			want.Updated++
		default:
			want.Unchanged++
			second = append(second, first[i])
			v2[id] = v1[id]
			continue
		}
		r := drow(id, fmt.Sprint("new ", i))
		second = append(second, r)
		v2[id] = string(r.Data)
	}
	res, err := s.PushDataset(ctx, "big", store.DatasetRowsOf(second), true)
	if err != nil || res != want {
		t.Fatalf("second push: %+v, %v; want %+v", res, err, want)
	}
	for v, want := range map[int]map[string]string{1: v1, 2: v2} {
		if got := readDataset(t, s, "big", v); !maps.Equal(got, want) {
			t.Errorf("version %d: %d rows differ from the %d pushed", v, len(got), len(want))
		}
	}
}
