package storetest

import (
	"context"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// statementRows is a batch size that makes a backend which stores rows many
// per statement (SQLite: 50) split a batch across statements.
const statementRows = 50

// newExperiment creates an experiment of eval "e" named name.
func newExperiment(t *testing.T, s store.Store, name string) *store.Experiment {
	t.Helper()
	e := &store.Experiment{Eval: "e", Name: name}
	if err := s.CreateExperiment(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}
