package datasets

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// DatasetSource opens the rows of a dataset kept in the store, for evals that
// read `data.dataset`. The store implements it.
type DatasetSource interface {
	// OpenDataset opens version of the dataset name; version 0 means the latest.
	// The iterator may keep ctx to cancel its reads.
	OpenDataset(ctx context.Context, name string, version int) (RowIterator, error)
}

// RowIterator yields the rows of one version of a store dataset, in order.
type RowIterator interface {
	// Next returns the next row, a JSON object {id?, input, expected?,
	// metadata?, tags?}, or io.EOF after the last.
	Next() (json.RawMessage, error)
	// Close releases the iterator; it is called once, also when the stream
	// stops early.
	Close() error
}

// storeSource reads a store dataset through a RowIterator. Its rows are named
// "dataset NAME@VERSION[i]" in messages, i counting from 0.
type storeSource struct {
	it    RowIterator
	label string
	i     int
}

func openStore(ctx context.Context, ds DatasetSource, name string, version int) (*storeSource, error) {
	if ds == nil {
		return nil, fmt.Errorf("reading store dataset %q: data.dataset needs a store, and none was given: run through caliper with a store, or use data.file", name)
	}
	it, err := ds.OpenDataset(ctx, name, version)
	if err != nil {
		return nil, fmt.Errorf("opening store dataset %q: %w", name, err)
	}
	label := "dataset " + name
	if version > 0 {
		label += fmt.Sprintf("@%d", version)
	}
	return &storeSource{it: it, label: label}, nil
}

func (s *storeSource) next() (rawRow, error) {
	raw, err := s.it.Next()
	if err == io.EOF {
		return rawRow{}, io.EOF
	}
	if err != nil {
		return rawRow{}, fmt.Errorf("reading %s: %w", s.label, err)
	}
	source := fmt.Sprintf("%s[%d]", s.label, s.i)
	s.i++
	if err := checkUTF8(raw); err != nil {
		return rawRow{}, &RowError{Source: source, Err: err}
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return rawRow{}, rowErr(source, "invalid JSON: %v", err)
	}
	return rawRow{value: v, source: source}, nil
}

func (s *storeSource) close() error { return s.it.Close() }
