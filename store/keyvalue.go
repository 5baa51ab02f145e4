package store

import (
	"path/filepath"
	"strings"
)

// libpqKeys are the connection keywords of libpq's key=value strings that mark
// a DSN as one; a file path does not look like "host=... dbname=...".
var libpqKeys = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true,
	"password": true, "passfile": true, "sslmode": true, "service": true, "application_name": true,
}

// isKeyValueDSN reports whether dsn, or the last element of the path it was
// joined into, is a libpq key=value connection string such as
// "host=db user=ci password=pw": a DSN of the PostgreSQL store, never a file.
func isKeyValueDSN(dsn string) bool {
	last := dsn
	if i := strings.LastIndex(dsn, string(filepath.Separator)); i >= 0 && !strings.Contains(dsn[:i], "=") {
		last = dsn[i+1:]
	}
	fields := strings.Fields(last)
	known := false
	for _, f := range fields {
		key, _, ok := strings.Cut(f, "=")
		if !ok {
			return false
		}
		known = known || libpqKeys[strings.ToLower(key)]
	}
	return known
}
