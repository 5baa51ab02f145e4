package postgres

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// serverEnv names the DSN of the PostgreSQL server the tests use; without it
// they skip, unless requireEnv is 1.
const (
	serverEnv  = "CALIPER_TEST_POSTGRES"
	requireEnv = "CALIPER_REQUIRE_POSTGRES"
)

// serverDSN is the test server's DSN; it skips the test when there is none,
// or fails it when CALIPER_REQUIRE_POSTGRES=1.
func serverDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(serverEnv)
	if dsn == "" {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("%s=1 but %s is not set: start a server with eval \"$(scripts/postgres-tmp.sh)\"", requireEnv, serverEnv)
		}
		t.Skipf("no PostgreSQL server: set %s=postgres://... (scripts/postgres-tmp.sh starts one) to run this test", serverEnv)
	}
	return dsn
}

var schemaSeq atomic.Int64

// testSchema makes a new empty schema on the test server, dropped when the
// test ends, and returns the DSN whose search_path selects it, so tests run
// in parallel without seeing one another's tables.
func testSchema(t testing.TB) string {
	t.Helper()
	dsn := serverDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("connecting to the test server: %v", err)
		}
		t.Skipf("the PostgreSQL server of %s is not reachable (%v): start one with scripts/postgres-tmp.sh", serverEnv, err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("t_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, schemaSeq.Add(1))
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+name); err != nil {
		t.Fatalf("creating schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+name+` CASCADE`); err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
		}
	})
	return withParam(t, dsn, "search_path", name)
}

// withParam is dsn, a URL, with the query parameter key set to value.
func withParam(t testing.TB, dsn, key, value string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", serverEnv, err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
