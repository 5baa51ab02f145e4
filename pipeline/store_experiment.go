package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"iter"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/store"
)

// StoreExperiments serves the cases of stored experiments to an eval whose
// data.experiment names one. Pass it as datasets.Options.Experiments.
type StoreExperiments struct {
	DB   store.Store
	Eval string // the eval reading them: a bare name is looked up in it first
}

var _ datasets.ExperimentSource = StoreExperiments{}

// experimentCase is a stored case as data.experiment's rows show it.
type experimentCase struct {
	ID       string          `json:"id"`
	Input    json.RawMessage `json:"input"`
	Expected json.RawMessage `json:"expected,omitempty"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
	Tags     []string        `json:"tags,omitempty"`
	Output   json.RawMessage `json:"output,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// OpenExperiment opens the cases of the experiment ref names: the first
// stored trial of each case, in case id order, streamed from the store.
func (s StoreExperiments) OpenExperiment(ctx context.Context, ref string) (datasets.RowIterator, string, error) {
	e, err := FindExperiment(ctx, s.DB, s.Eval, ref)
	if err != nil {
		return nil, "", err
	}
	errStop := errors.New("stop")
	next, stop := iter.Pull2(func(yield func(json.RawMessage, error) bool) {
		last, first := "", true
		err := s.DB.Rows(ctx, e.ID, func(r *store.Row) error {
			if !first && r.CaseID == last {
				return nil
			}
			first, last = false, r.CaseID
			b, err := json.Marshal(experimentCase{ID: r.CaseID, Input: r.Input, Expected: r.Expected, Metadata: r.Metadata,
				Tags: r.Tags, Output: r.Output, Error: r.Error})
			if err == nil && !yield(b, nil) {
				return errStop
			}
			return err
		})
		if err != nil && !errors.Is(err, errStop) {
			yield(nil, err)
		}
	})
	return &storeRowIterator{next: next, stop: stop}, e.Name, nil
}
