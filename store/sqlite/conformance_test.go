package sqlite

import (
	"testing"

	"github.com/caliperhq/caliper/store"
	"github.com/caliperhq/caliper/store/storetest"
)

// TestConformance runs the store conformance suite against SQLite files.
func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return newStore(t) })
}
