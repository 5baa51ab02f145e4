package view

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/caliperhq/caliper/store"
	_ "github.com/caliperhq/caliper/store/postgres" // the shared store the tests also use
	"github.com/caliperhq/caliper/store/postgres/pgtest"
)

// testBackends are the stores the page tests run on: an SQLite file, and a
// schema of its own on the PostgreSQL server of CALIPER_TEST_POSTGRES (the
// test skips without one, and fails without one when
// CALIPER_REQUIRE_POSTGRES=1).
var testBackends = []struct {
	name string
	open func(t testing.TB) store.Store
}{
	{"sqlite", func(t testing.TB) store.Store { return openTestStore(t, filepath.Join(t.TempDir(), "caliper.db")) }},
	{"postgres", openPostgresStore},
}

func openPostgresStore(t testing.TB) store.Store {
	t.Helper()
	db, err := store.Open(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
