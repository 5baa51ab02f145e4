package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/caliperhq/caliper/store"
	"modernc.org/sqlite" // the "sqlite" database/sql driver, and its errors
)

func init() {
	store.Register(store.Backend{Name: "sqlite", Schemes: []string{"sqlite", "file"}, Paths: true, Open: openDSN})
}

// openDSN opens the store of a DSN store.Open matched to this backend: a path,
// sqlite:PATH or file:PATH (with or without "//" before an absolute path).
func openDSN(ctx context.Context, dsn string, opts store.OpenOptions) (store.Store, error) {
	path := dsn
	if scheme := store.Scheme(dsn); scheme != "" {
		path = strings.TrimPrefix(dsn[len(scheme)+1:], "//")
	}
	s, err := OpenWith(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// walAutocheckpointPages is how large the write-ahead log grows, in 4 KiB
// pages, before a commit copies it into the database file: 40 MiB, ten times
// SQLite's default, which saves the writer about 6% of its CPU time per row
// (BenchmarkWriter) because a page changed by many commits is copied once.
const walAutocheckpointPages = 10000

// journalSizeLimit is the size, in bytes, the write-ahead log is truncated
// back to after a checkpoint, so a burst does not leave a large file behind.
const journalSizeLimit = 64 << 20

// busyTimeoutMS is how long a statement waits for another connection or
// process holding the write lock before it fails with SQLITE_BUSY.
const busyTimeoutMS = 10000

// SQLite is the embedded store: one SQLite file in WAL mode, so readers never
// block the single writer nor it them. It is safe for concurrent use.
type SQLite struct {
	db       *sql.DB
	path     string
	readOnly bool

	mu      sync.Mutex
	writers map[*store.Writer]struct{}
	closed  bool
}

var _ store.Store = (*SQLite)(nil)

// Open opens the SQLite store at path, creating its directory and file when
// they do not exist and migrating an older schema. ctx bounds only the
// opening; the store lives until Close.
func Open(ctx context.Context, path string) (*SQLite, error) {
	return OpenWith(ctx, path, store.OpenOptions{})
}

// OpenWith is Open with options. Read-only, the file must exist and have the
// current schema; nothing is created, migrated or written, and a file on a
// read-only mount is read as it is.
func OpenWith(ctx context.Context, path string, opts store.OpenOptions) (*SQLite, error) {
	if path == "" {
		return nil, fmt.Errorf("opening store: the path is empty: pass a file such as %s", store.DefaultPath)
	}
	open := open
	if opts.ReadOnly {
		open = openReadOnly
	}
	s, err := open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("opening store %q: %w: %s", path, err, openAction(path, err))
	}
	return s, nil
}

// sqliteNotADB is SQLite's result code for a file that is not a database.
const sqliteNotADB = 26

// errIsDirectory is the error of opening a directory as a store.
var errIsDirectory = errors.New("it is a directory, not a database file")

// openAction tells what to do about the error of opening the store at path.
func openAction(path string, err error) string {
	var se *sqlite.Error
	switch {
	case errors.Is(err, errIsDirectory):
		return fmt.Sprintf("pass a file such as %s with --store", filepath.Join(path, "caliper.db"))
	case errors.Is(err, store.ErrNotFound):
		return "run an eval first to create it, or pass another path with --store"
	case errors.Is(err, errOlderSchema):
		return "run caliper run once to upgrade it, or read it with the caliper that wrote it"
	case errors.Is(err, errNewerSchema):
		return "upgrade caliper, or pass another path with --store"
	case errors.As(err, &se) && se.Code()&0xff == sqliteNotADB:
		return "move it away, or pass another path with --store"
	default:
		return "check that its directory can be written, or pass another path with --store"
	}
}

func open(ctx context.Context, path string) (*SQLite, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		return nil, errIsDirectory
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("creating its directory: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, err
	}
	// A pooled connection holds SQLite's page cache; keep a few warm.
	db.SetMaxIdleConns(4)
	if err := setup(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return &SQLite{db: db, path: path, writers: map[*store.Writer]struct{}{}}, nil
}

// setup switches the file to WAL and migrates it. journal_mode is persistent,
// so it is set once here rather than on every connection.
func setup(ctx context.Context, db *sql.DB) error {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("the file system refused WAL mode (journal mode is %q)", mode)
	}
	return migrate(ctx, db)
}

// dsn is the modernc.org/sqlite data source name for the file at abs. Every
// pooled connection gets the same settings: a busy timeout so concurrent
// writers wait instead of failing, synchronous=NORMAL (safe in WAL mode: a
// power loss can lose the last commits, never corrupt the file), foreign
// keys, the checkpoint settings above, and BEGIN IMMEDIATE so a transaction
// takes the write lock up front instead of failing to upgrade a read lock.
func dsn(abs string) string {
	// In a URI filename, ? # and % are special; the path is absolute, so it
	// cannot start with the "//" of an authority.
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(filepath.ToSlash(abs)) +
		fmt.Sprintf("?_pragma=busy_timeout(%d)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"+
			"&_pragma=wal_autocheckpoint(%d)&_pragma=journal_size_limit(%d)&_txlock=immediate",
			busyTimeoutMS, walAutocheckpointPages, journalSizeLimit)
}

// Path is the file the store was opened at, as it was given to Open.
func (s *SQLite) Path() string { return s.path }

// String is the path of the store's file.
func (s *SQLite) String() string { return s.path }

// Close flushes and closes the writers still open, then closes the database.
// It returns the first error among them. Close the writers first to see
// their errors where they belong.
func (s *SQLite) Close() error {
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
	if err := s.db.Close(); err != nil && first == nil {
		first = fmt.Errorf("closing store %q: %w", s.path, err)
	}
	return first
}
