// Package postgres is the shared store on a PostgreSQL server: the same
// experiments, rows, datasets and response cache as the embedded SQLite
// store, for a team whose machines must see one another's experiments. It is
// chosen by a postgres:// or postgresql:// DSN.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/caliperhq/caliper/store"
)

// Postgres is the store on a PostgreSQL server. It is safe for concurrent
// use; its pool holds a few connections, and each writer takes one of them
// while it commits a batch.
type Postgres struct {
	pool *pgxpool.Pool
	dsn  string // redacted, for messages
	// secret is the password of the connection, wherever it came from
	// (the DSN, PGPASSWORD, a password file), removed from every error.
	secret string

	mu      sync.Mutex
	writers map[*store.Writer]struct{}
	closed  bool
}

func init() {
	store.Register(store.Backend{Name: "postgres", Schemes: []string{"postgres", "postgresql"}, Open: openDSN})
}

func openDSN(ctx context.Context, dsn string, opts store.OpenOptions) (store.Store, error) {
	return OpenWith(ctx, dsn, opts)
}

// Open connects to the PostgreSQL server of dsn, a postgres:// URL or a
// libpq key=value string, and migrates the schema its search_path selects.
// What the DSN leaves out comes from the PG* environment variables (PGHOST,
// PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, ...) and the password
// file, as with libpq. ctx bounds only the opening.
func Open(ctx context.Context, dsn string) (*Postgres, error) {
	return OpenWith(ctx, dsn, store.OpenOptions{})
}

// OpenWith is Open with options. A read-only store migrates nothing, refuses
// a schema older or newer than this package's, and its sessions are read-only
// on the server, so nothing can be written through it.
func OpenWith(ctx context.Context, dsn string, opts store.OpenOptions) (*Postgres, error) {
	s, err := open(ctx, dsn, opts)
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", redact(dsn), err)
	}
	return s, nil
}

func open(ctx context.Context, dsn string, opts store.OpenOptions) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message quotes the DSN, its password redacted on a
		// best-effort basis; its cause is enough.
		return nil, fmt.Errorf("the DSN is not valid: %s: write it as postgres://USER@HOST:PORT/DATABASE?sslmode=require",
			scrubText(unwrapParse(err).Error(), passwordOf(dsn)))
	}
	s := &Postgres{dsn: redact(dsn), secret: cfg.ConnConfig.Password, writers: map[*store.Writer]struct{}{}}
	if cfg.MaxConns < minConns && !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = minConns
	}
	if opts.ReadOnly {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, s.wrap(err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("%w: %s", s.wrap(err), connectAction)
	}
	if opts.ReadOnly {
		err = checkVersion(ctx, pool)
	} else {
		err = migrate(ctx, pool)
	}
	if err != nil {
		pool.Close()
		return nil, s.wrap(err)
	}
	s.pool = pool
	return s, nil
}

// minConns is the least number of connections the pool may open, unless the
// DSN's pool_max_conns says otherwise: writers, the response cache and the
// reads of a run use the store at once.
const minConns = 8

// connectAction is what to do when the server cannot be reached.
const connectAction = "check that the server is running and the host, port, user, password and sslmode are right (in the DSN or PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE)"

// unwrapParse is the cause of a pgx parse error, without the DSN it quotes.
func unwrapParse(err error) error {
	if inner := errors.Unwrap(err); inner != nil {
		return inner
	}
	return err
}

// String is the store's DSN without its password.
func (s *Postgres) String() string { return s.dsn }

// Close flushes and closes the writers still open, then the pool. It returns
// the first error among them.
func (s *Postgres) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	writers := make([]*store.Writer, 0, len(s.writers))
	for w := range s.writers {
		writers = append(writers, w)
	}
	s.mu.Unlock()
	var first error
	for _, w := range writers {
		if err := w.Close(); err != nil && first == nil {
			first = err
		}
	}
	s.pool.Close()
	return first
}

// redact is dsn without its password, for messages: store.RedactDSN, which
// takes a DSN without a scheme for a path, and the password of a key=value
// string.
func redact(dsn string) string {
	return scrubText(store.RedactDSN(dsn), passwordOf(dsn))
}

// passwordOf is the password written in dsn, if any.
func passwordOf(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if pw, ok := u.User.Password(); ok {
			return pw
		}
		return u.Query().Get("password")
	}
	for _, f := range strings.Fields(dsn) {
		if v, ok := strings.CutPrefix(f, "password="); ok {
			return strings.Trim(v, "'")
		}
	}
	return ""
}
