package postgres

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/caliperhq/caliper/store"
	"github.com/caliperhq/caliper/store/postgres/pgtest"
)

func TestOpenByDSNScheme(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	for _, scheme := range []string{"postgres", "postgresql"} {
		u, _ := url.Parse(dsn)
		u.Scheme = scheme
		s, err := store.Open(context.Background(), u.String())
		if err != nil {
			t.Fatalf("store.Open(%s://...): %v", scheme, err)
		}
		if _, ok := s.(*Postgres); !ok {
			t.Errorf("store.Open(%s://...) opened a %T", scheme, s)
		}
		if strings.Contains(s.String(), password(t, dsn)) {
			t.Errorf("String() shows the password: %s", s.String())
		}
		s.Close()
	}
}

// password is the password of a DSN URL.
func password(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" {
		t.Skip("the test server's DSN has no password to hide")
	}
	return pw
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return strconv.Itoa(port)
}

func TestErrorsNeverShowThePassword(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	pw := password(t, dsn)
	u, _ := url.Parse(dsn)
	wrong := *u
	wrong.User = url.UserPassword(u.User.Username(), pw+"-wrong")
	unreachable := *u
	unreachable.Host = "127.0.0.1:" + closedPort(t)
	cases := []struct {
		name, dsn, want string
	}{
		{"wrong password", wrong.String(), "password authentication failed"},
		{"no server", unreachable.String(), "check that the server is running"},
		{"bad port", strings.Replace(dsn, u.Host, "127.0.0.1:notaport", 1), "the DSN is not valid"},
		{"key=value", "host=127.0.0.1 port=" + closedPort(t) + " user=x password=" + pw + " sslmode=disable", "check that the server is running"},
		{"bad sslmode", dsn + "&sslmode=sometimes", "the DSN is not valid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Open, not store.Open: a key=value string has no scheme
			// to choose the backend by.
			_, err := Open(context.Background(), tc.dsn)
			if err == nil {
				t.Fatal("opened")
			}
			msg := err.Error()
			if strings.Contains(msg, pw) {
				t.Errorf("the error shows the password: %s", msg)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not say %q", msg, tc.want)
			}
		})
	}
}

// TestPGEnvironment opens a store from a DSN that names only the schema: the
// host, port, user, password, database and sslmode come from the PG*
// variables, as with psql.
func TestPGEnvironment(t *testing.T) {
	dsn := pgtest.DSN(t)
	u, _ := url.Parse(dsn)
	pw, _ := u.User.Password()
	host, port, _ := net.SplitHostPort(u.Host)
	t.Setenv("PGHOST", host)
	t.Setenv("PGPORT", port)
	t.Setenv("PGUSER", u.User.Username())
	t.Setenv("PGPASSWORD", pw)
	t.Setenv("PGDATABASE", strings.TrimPrefix(u.Path, "/"))
	t.Setenv("PGSSLMODE", "disable")
	bare := "postgres:///?search_path=" + url.QueryEscape(u.Query().Get("search_path"))
	s, err := store.Open(context.Background(), bare)
	if err != nil {
		t.Fatalf("opening %s with PG* set: %v", bare, err)
	}
	s.Close()
	// The server has no TLS: sslmode=require, from the environment, must be
	// honoured and fail, without the password in the message.
	t.Setenv("PGSSLMODE", "require")
	_, err = store.Open(context.Background(), bare)
	if err == nil {
		t.Fatal("PGSSLMODE=require connected to a server without TLS")
	}
	if pw != "" && strings.Contains(err.Error(), pw) {
		t.Errorf("the error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), "SSL") && !strings.Contains(err.Error(), "tls") {
		t.Errorf("the error does not say TLS was refused: %v", err)
	}
}

// TestConcurrentOpenersMigrateOnce opens one new schema from many goroutines
// at once: the advisory lock makes one of them create the tables and the
// others wait and find them.
func TestConcurrentOpenersMigrateOnce(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			s, err := Open(context.Background(), dsn)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("opener %d: %v", i, err)
		}
	}
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var rows, version int
	if err := conn.QueryRow(context.Background(), `SELECT count(*), max(version) FROM caliper_schema`).Scan(&rows, &version); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || version != SchemaVersion {
		t.Errorf("caliper_schema has %d rows, version %d; want 1 row at version %d", rows, version, SchemaVersion)
	}
}

func TestRefusesANewerSchema(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `UPDATE caliper_schema SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []store.OpenOptions{{}, {ReadOnly: true}} {
		_, err = OpenWith(context.Background(), dsn, opts)
		if !errors.Is(err, errNewerSchema) || !strings.Contains(err.Error(), "upgrade caliper") {
			t.Errorf("read-only %v: opening a newer schema: %v; want errNewerSchema and what to do", opts.ReadOnly, err)
		}
	}
}

func TestReadOnlyWritesNothing(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	if _, err := OpenWith(context.Background(), dsn, store.OpenOptions{ReadOnly: true}); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "run an eval first") {
		t.Errorf("opening an empty schema read-only: %v; want ErrNotFound and what to do", err)
	}
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro, err := OpenWith(context.Background(), dsn, store.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	err = ro.CreateExperiment(context.Background(), &store.Experiment{Eval: "e", Name: "n"})
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("creating an experiment in a read-only store: %v", err)
	}
}
