package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/caliperhq/caliper/store"
)

// errReadOnly is the error of writing to a store opened read-only.
var errReadOnly = errors.New("the store was opened read-only")

// errOlderSchema is the error of opening read-only a store whose schema is
// older than this package's, which only a writable open migrates.
var errOlderSchema = errors.New("the store was written by an older caliper")

// openReadOnly opens the existing file at path for reading only. A WAL
// database is normally read through its -shm file, which a read-only mount
// does not let SQLite create; when the plain read-only open fails, the file is
// opened immutable, which is sound because nothing can write to it there.
func openReadOnly(ctx context.Context, path string) (*SQLite, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("%w: there is no store file", store.ErrNotFound)
	case err != nil:
		return nil, err
	case fi.IsDir():
		return nil, errIsDirectory
	}
	db, err := openReadOnlyDB(ctx, abs, false)
	if err != nil && !errors.Is(err, errNewerSchema) && !errors.Is(err, errOlderSchema) {
		db, err = openReadOnlyDB(ctx, abs, true)
	}
	if err != nil {
		return nil, err
	}
	return &SQLite{db: db, path: path, readOnly: true, writers: map[*store.Writer]struct{}{}}, nil
}

// openReadOnlyDB opens abs read-only (immutable: also without locks or the
// -shm file) and checks its schema version.
func openReadOnlyDB(ctx context.Context, abs string, immutable bool) (*sql.DB, error) {
	name := readOnlyDSN(abs, immutable)
	db, err := sql.Open("sqlite", name)
	if err != nil {
		return nil, err
	}
	db.SetMaxIdleConns(4)
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		db.Close()
		return nil, err
	}
	// A WAL file left behind is only read through the -shm index; reading
	// the schema is not enough to know the rows can be read.
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(new(int)); err != nil {
		db.Close()
		return nil, err
	}
	switch {
	case version > len(migrations):
		db.Close()
		return nil, fmt.Errorf("%w (its schema version is %d, this caliper knows up to %d)", errNewerSchema, version, len(migrations))
	case version < len(migrations):
		db.Close()
		return nil, fmt.Errorf("%w (its schema version is %d, this caliper reads %d)", errOlderSchema, version, len(migrations))
	}
	return db, nil
}

// readOnlyDSN is the data source name of the file at abs opened read-only.
func readOnlyDSN(abs string, immutable bool) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	name := "file:" + r.Replace(filepath.ToSlash(abs)) +
		fmt.Sprintf("?mode=ro&_pragma=busy_timeout(%d)&_pragma=query_only(1)", busyTimeoutMS)
	if immutable {
		name += "&immutable=1"
	}
	return name
}
