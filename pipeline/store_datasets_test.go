package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// TestStoreDatasetsSource reads a store dataset the way an eval's
// data.dataset does: through datasets.Open with the adapter.
func TestStoreDatasetsSource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "caliper.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, rows := range [][]store.DatasetRow{
		{{ID: "b", Data: []byte(`{"id":"b","input":2}`)}, {ID: "a", Data: []byte(`{"id":"a","input":1,"expected":"one"}`)}},
		{{ID: "c", Data: []byte(`{"id":"c","input":3,"tags":["new"]}`)}},
	} {
		if _, err := db.PushDataset(ctx, "qa", store.DatasetRowsOf(rows), false); err != nil {
			t.Fatal(err)
		}
	}
	src := StoreDatasets{DB: db}
	read := func(ref string) (string, error) {
		name, version, err := store.ResolveDatasetRef(ctx, db, ref)
		if err != nil {
			return "", err
		}
		s, err := datasets.Open(ctx, spec.Data{Dataset: name, Version: version, OnError: "fail"}, datasets.Options{Datasets: src})
		if err != nil {
			return "", err
		}
		defer s.Close()
		var got []string
		for {
			c, err := s.Next()
			if err == io.EOF {
				return fmt.Sprintf("@%d %s", version, strings.Join(got, " ")), nil
			}
			if err != nil {
				return "", err
			}
			got = append(got, fmt.Sprintf("%s=%v/%v/%v", c.ID, c.Input, c.Expected, c.Tags))
		}
	}
	for _, tc := range []struct {
		ref, want string
		notFound  bool
	}{
		{"qa", "@2 a=1/one/[] b=2/<nil>/[] c=3/<nil>/[new]", false},
		{"qa@1", "@1 a=1/one/[] b=2/<nil>/[]", false},
		{"qa@2", "@2 a=1/one/[] b=2/<nil>/[] c=3/<nil>/[new]", false},
		{"qa@3", "", true},
		{"nope", "", true},
	} {
		t.Run(tc.ref, func(t *testing.T) { // not parallel: the pushes below change qa
			got, err := read(tc.ref)
			if tc.notFound {
				if !errors.Is(err, store.ErrNotFound) {
					t.Errorf("read %q, %v; want not found", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("read %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	// Opening an unknown dataset fails at once, through the stream as well.
	_, err = datasets.Open(ctx, spec.Data{Dataset: "nope"}, datasets.Options{Datasets: src})
	if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), `opening store dataset "nope"`) {
		t.Errorf("opening an unknown dataset: %v", err)
	}
	// Resolve gives the concrete version to record on the experiment.
	if v, err := src.Resolve(ctx, "qa", 0); err != nil || v != 2 {
		t.Errorf("Resolve(qa, 0) = %d, %v; want 2", v, err)
	}
	// An iterator closed early releases its query: the store still closes
	// and pushes still go through.
	it, err := src.OpenDataset(ctx, "qa", 0)
	if err != nil {
		t.Fatal(err)
	}
	if row, err := it.Next(); err != nil || string(row) != `{"id":"a","input":1,"expected":"one"}` {
		t.Errorf("first row %s, %v", row, err)
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PushDataset(ctx, "qa", store.DatasetRowsOf([]store.DatasetRow{{ID: "z", Data: []byte(`{"id":"z","input":0}`)}}), false); err != nil {
		t.Errorf("pushing after an iterator closed early: %v", err)
	}
	// A cancelled context ends the iteration with its error.
	cctx, cancel := context.WithCancel(ctx)
	it, err = src.OpenDataset(cctx, "qa", 0)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	var last error
	for range 10 {
		if _, last = it.Next(); last != nil {
			break
		}
	}
	if !errors.Is(last, context.Canceled) {
		t.Errorf("after cancelling: %v, want context.Canceled", last)
	}
	it.Close()
}
