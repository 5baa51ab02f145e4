package datasets

import (
	"context"
	"fmt"
)

// ExperimentSource opens the cases of a stored experiment, for evals that
// read `data.experiment`. The pipeline implements it over the store.
type ExperimentSource interface {
	// OpenExperiment opens the cases of the experiment ref names (NAME, ID
	// or EVAL/NAME), one row per case: a JSON object {id, input, expected?,
	// metadata?, tags?, output?, error?} from the case's first trial. It
	// also returns the experiment's name, for messages.
	OpenExperiment(ctx context.Context, ref string) (RowIterator, string, error)
}

// openExperiment reads the cases of a stored experiment. Its rows are named
// "experiment NAME[i]" in messages; their keys are the store's, so the
// output they carry is not an unknown key.
func openExperiment(ctx context.Context, es ExperimentSource, ref string) (rowSource, error) {
	if es == nil {
		return nil, fmt.Errorf("reading experiment %q: data.experiment needs a store, and none was given: run through caliper with a store, or use data.file", ref)
	}
	it, name, err := es.OpenExperiment(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("opening the cases of experiment %q: %w", ref, err)
	}
	return &storedRows{storeSource{it: it, label: "experiment " + name}}, nil
}

// storedRows is a storeSource whose rows may hold keys besides a dataset
// row's (the output of the case).
type storedRows struct{ storeSource }

func (s *storedRows) next() (rawRow, error) {
	r, err := s.storeSource.next()
	r.stored = true
	return r, err
}
