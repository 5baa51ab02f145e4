package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// StoreDatasetFor serves the store dataset an eval reads, pinning
// ev.Data.Version to the concrete version it means now; nil when the eval
// reads files.
func StoreDatasetFor(ctx context.Context, db store.Store, ev *spec.Eval) (datasets.DatasetSource, error) {
	if ev.Data.Dataset == "" {
		return nil, nil
	}
	sd := StoreDatasets{DB: db}
	v, err := sd.Resolve(ctx, ev.Data.Dataset, ev.Data.Version)
	if err != nil {
		return nil, fmt.Errorf("data.dataset: %w: push it with caliper datasets push", err)
	}
	ev.Data.Version = v
	return sd, nil
}

// StoreDatasets serves the store's datasets to evals whose data.dataset
// names one. Pass it as datasets.Options.Datasets, and record on the
// experiment the version Resolve returns, opening that version rather than 0
// so that a push during the run cannot change what the run reads.
type StoreDatasets struct {
	DB store.DatasetStore
}

var _ datasets.DatasetSource = StoreDatasets{}

// Resolve returns the concrete version that version (0: the latest) of
// dataset name means now.
func (s StoreDatasets) Resolve(ctx context.Context, name string, version int) (int, error) {
	return s.DB.ResolveDatasetVersion(ctx, name, version)
}

// OpenDataset opens a version of dataset name (0: the latest), checking
// first that it exists. Its rows come in id order, streamed from the store.
func (s StoreDatasets) OpenDataset(ctx context.Context, name string, version int) (datasets.RowIterator, error) {
	v, err := s.DB.ResolveDatasetVersion(ctx, name, version)
	if err != nil {
		return nil, err
	}
	errStop := errors.New("stop")
	next, stop := iter.Pull2(func(yield func(json.RawMessage, error) bool) {
		err := s.DB.DatasetRows(ctx, name, v, func(_ string, data json.RawMessage) error {
			if !yield(data, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && err != errStop {
			yield(nil, err)
		}
	})
	return &storeRowIterator{next: next, stop: stop}, nil
}

// storeRowIterator turns the store's push iteration of a dataset's rows into
// the pull iteration datasets.RowIterator is.
type storeRowIterator struct {
	next func() (json.RawMessage, error, bool)
	stop func()
}

// Next returns the next row, or io.EOF after the last.
func (it *storeRowIterator) Next() (json.RawMessage, error) {
	data, err, ok := it.next()
	switch {
	case !ok:
		return nil, io.EOF
	case err != nil:
		return nil, err
	}
	return data, nil
}

// Close ends the iteration, closing its query.
func (it *storeRowIterator) Close() error {
	it.stop()
	return nil
}
