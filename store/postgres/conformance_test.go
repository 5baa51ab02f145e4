package postgres

import (
	"context"
	"testing"

	"github.com/caliperhq/caliper/store"
	"github.com/caliperhq/caliper/store/postgres/pgtest"
	"github.com/caliperhq/caliper/store/storetest"
)

// TestConformancePostgres runs the conformance suite against the PostgreSQL
// server of CALIPER_TEST_POSTGRES, each behaviour in a schema of its own. It
// skips without a server, and fails without one when
// CALIPER_REQUIRE_POSTGRES=1; CI checks that it passed rather than skipped.
func TestConformancePostgres(t *testing.T) {
	pgtest.ServerDSN(t)
	storetest.Run(t, newStore)
}

// newStore opens a store in a new schema, closed when the test ends.
func newStore(t *testing.T) store.Store {
	t.Helper()
	s, err := Open(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
