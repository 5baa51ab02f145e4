// Package pgtest gives tests a PostgreSQL store of their own on the server
// CALIPER_TEST_POSTGRES names: a new schema per test, dropped when it ends,
// so tests run in parallel without seeing one another's tables. Without a
// server the tests skip with a message saying how to start one, except when
// CALIPER_REQUIRE_POSTGRES=1, as in CI, where a missing server fails them.
package pgtest

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

// The environment variables: the DSN of the server the tests use, and 1 to
// fail rather than skip without one.
const (
	ServerEnv  = "CALIPER_TEST_POSTGRES"
	RequireEnv = "CALIPER_REQUIRE_POSTGRES"
)

// ServerDSN is the test server's DSN, CALIPER_TEST_POSTGRES. It skips the test
// when that is not set, or fails it when CALIPER_REQUIRE_POSTGRES=1.
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(ServerEnv)
	if dsn == "" {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s=1 but %s is not set: start a server with eval \"$(scripts/postgres-tmp.sh)\"", RequireEnv, ServerEnv)
		}
		t.Skipf("no PostgreSQL server: set %s=postgres://... (scripts/postgres-tmp.sh starts one) to run this test", ServerEnv)
	}
	return dsn
}

var schemaSeq atomic.Int64

// DSN makes a new empty schema on the test server, dropped when the test
// ends, and returns the DSN whose search_path selects it.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := ServerDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("connecting to the test server: %v", err)
		}
		t.Skipf("the PostgreSQL server of %s is not reachable (%v): start one with scripts/postgres-tmp.sh", ServerEnv, err)
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
	return WithParam(t, dsn, "search_path", name)
}

// WithParam is dsn, a URL, with the query parameter key set to value.
func WithParam(t testing.TB, dsn, key, value string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", ServerEnv, err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
