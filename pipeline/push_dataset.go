package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/internal/jsontext"
	"github.com/caliperhq/caliper/store"
)

// PushDataset pushes the cases of stream to the store dataset name. A
// problem of the file (a malformed row) or of its rows (store.ErrInvalidDataset)
// is an error of the input, exit code 2; one of the store is not.
func PushDataset(ctx context.Context, db store.DatasetStore, name string, stream *datasets.Stream, deleteMissing bool) (store.PushResult, error) {
	var readErr error // an error of the file, as opposed to the store
	res, err := db.PushDataset(ctx, name, caseRows(stream, &readErr), deleteMissing)
	if err != nil && (readErr != nil || errors.Is(err, store.ErrInvalidDataset)) {
		return res, exitcode.With(exitcode.Invalid, err)
	}
	return res, err
}

// caseRows yields the cases of stream as dataset rows: each case as the row
// object {id, input, expected?, metadata?, tags?}, its id given or the hash of
// its input. An error reading stream is also kept in *readErr.
func caseRows(stream *datasets.Stream, readErr *error) iter.Seq2[store.DatasetRow, error] {
	return func(yield func(store.DatasetRow, error) bool) {
		var buf bytes.Buffer
		enc := jsontext.NewEncoder(&buf)
		for {
			c, err := stream.Next()
			if err == io.EOF {
				return
			}
			if err == nil {
				buf.Reset()
				if err = enc.Encode(c); err != nil {
					err = fmt.Errorf("%s: encoding the row: %w", c.Source, err)
				}
			}
			if err != nil {
				// A malformed row: data.on_error, which RowError suggests,
				// is not for pushes.
				var re *datasets.RowError
				if errors.As(err, &re) {
					err = fmt.Errorf("%s: %w: fix the row and push again", re.Source, re.Err)
				}
				*readErr = err
				yield(store.DatasetRow{}, err)
				return
			}
			data := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
			if !yield(store.DatasetRow{ID: c.ID, Data: bytes.Clone(data)}, nil) {
				return
			}
		}
	}
}
