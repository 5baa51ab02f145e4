package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/caliperhq/caliper/store"
)

// datasetRow is a case in the dataset format: what datasets push reads.
type datasetRow struct {
	ID       string          `json:"id"`
	Input    json.RawMessage `json:"input"`
	Expected json.RawMessage `json:"expected,omitempty"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
	Tags     []string        `json:"tags,omitempty"`
}

// WriteDatasetRows writes the cases of experiment id to w as JSON Lines in
// the dataset format {id, input, expected?, metadata?, tags?}: one line per
// case, from its first trial, its case id kept as id. It returns how many it
// wrote.
func WriteDatasetRows(ctx context.Context, db store.Store, id string, w io.Writer) (int, error) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n, last := 0, ""
	err := db.Rows(ctx, id, func(r *store.Row) error {
		if n > 0 && r.CaseID == last {
			return nil
		}
		last = r.CaseID
		n++
		return enc.Encode(datasetRow{ID: r.CaseID, Input: r.Input, Expected: r.Expected, Metadata: r.Metadata, Tags: r.Tags})
	})
	if err != nil {
		return n, fmt.Errorf("writing the cases of experiment %s: %w", id, err)
	}
	return n, nil
}
