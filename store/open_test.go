package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
	_ "github.com/caliperhq/caliper/store/sqlite"
)

func TestScheme(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ dsn, want string }{
		{"caliper.db", ""},
		{".caliper/caliper.db", ""},
		{"/abs/caliper.db", ""},
		{`C:\store\caliper.db`, ""},
		{"sqlite:caliper.db", "sqlite"},
		{"SQLite:caliper.db", "sqlite"},
		{"file:/tmp/x.db", "file"},
		{"postgres://u:p@host/db", "postgres"},
		{"mysql://u@host/db", "mysql"},
		{"a+b.c-d:x", "a+b.c-d"},
		{"1abc:x", ""},
	} {
		if got := store.Scheme(tc.dsn); got != tc.want {
			t.Errorf("Scheme(%q) = %q, want %q", tc.dsn, got, tc.want)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ dsn, want string }{
		{"postgres://u:s3cret@host:5432/db", "postgres://u:xxxxx@host:5432/db"},
		{"postgres://u@host/db", "postgres://u@host/db"},
		{"postgres://host/db?user=u&password=s3cret&sslmode=disable", "postgres://host/db?user=u&password=xxxxx&sslmode=disable"},
		{"postgres://u:s%40cr%3At@host/db", "postgres://u:xxxxx@host/db"},
		{"postgres://u:s3cret@ho st/%zz", "postgres://u:xxxxx@ho st/%zz"},
		{"host=db user=u password=s3cret", "host=db user=u password=xxxxx"}, // libpq key=value: a DSN, never a path
		{"pg:host=db password=s3cret", "pg:host=db password=xxxxx"},
		{"caliper.db", "caliper.db"},
		{"sqlite:/tmp/a.db", "sqlite:/tmp/a.db"},
	} {
		got := store.RedactDSN(tc.dsn)
		if got != tc.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tc.dsn, got, tc.want)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("RedactDSN(%q) keeps the password", tc.dsn)
		}
	}
}

// TestOpenDispatch checks that paths and sqlite:/file: DSNs open SQLite files
// and that any other scheme is refused without creating a file or printing
// its password.
func TestOpenDispatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	for _, dsn := range []string{
		filepath.Join(dir, "plain.db"),
		"sqlite:" + filepath.Join(dir, "scheme.db"),
		"sqlite://" + filepath.Join(dir, "slashes.db"),
		"file:" + filepath.Join(dir, "file.db"),
	} {
		s, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatalf("Open(%q): %v", dsn, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"plain.db", "scheme.db", "slashes.db", "file.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestOpenRefusesUnknownSchemes runs in a new working directory, where a URL
// taken for a relative path would be created (not parallel: it changes it).
func TestOpenRefusesUnknownSchemes(t *testing.T) {
	ctx := context.Background()
	wd := t.TempDir()
	t.Chdir(wd)
	for _, dsn := range []string{"postgres://u:s3cret@host/db", "mysql://u:s3cret@host/db", "redis://:s3cret@host/0"} {
		_, err := store.Open(ctx, dsn)
		if !errors.Is(err, store.ErrNoBackend) {
			t.Errorf("Open(%q) = %v, want ErrNoBackend", dsn, err)
			continue
		}
		if !strings.Contains(err.Error(), "no store backend for scheme "+store.Scheme(dsn)+":") {
			t.Errorf("Open(%q) = %q, want it to name the scheme", dsn, err)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q) = %q prints the password", dsn, err)
		}
	}
	if entries, _ := os.ReadDir(wd); len(entries) > 0 {
		t.Errorf("Open of URLs created %v", entries)
	}
}
