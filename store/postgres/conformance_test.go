package postgres

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/caliperhq/caliper/store"
	"github.com/caliperhq/caliper/store/postgres/pgtest"
	_ "github.com/caliperhq/caliper/store/sqlite"
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

// TestCopyRecordsAcrossBackends copies feedback, shard records and
// attachments from SQLite to PostgreSQL and back.
func TestCopyRecordsAcrossBackends(t *testing.T) {
	pgtest.ServerDSN(t)
	sqliteStore := func(t *testing.T) store.Store {
		s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	t.Run("sqlite to postgres", func(t *testing.T) { t.Parallel(); storetest.CopyRecords(t, sqliteStore, newStore) })
	t.Run("postgres to sqlite", func(t *testing.T) { t.Parallel(); storetest.CopyRecords(t, newStore, sqliteStore) })
}
