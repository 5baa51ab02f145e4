package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
	_ "github.com/caliperhq/caliper/store/sqlite"
)

// A libpq key=value connection string is not a file path: opening one made a
// SQLite file named after it and printed its password.
func TestKeyValueDSNIsNeverAFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, dsn := range []string{
		"host=db.internal user=ci password=hunter22 dbname=evals",
		"dbname=evals password='hunter22' sslmode=require",
	} {
		path := filepath.Join(dir, dsn)
		_, err := store.Open(context.Background(), path)
		if err == nil {
			t.Fatalf("Open(%q) opened a store", dsn)
		}
		if strings.Contains(err.Error(), "hunter22") {
			t.Errorf("the error shows the password: %v", err)
		}
		if !strings.Contains(err.Error(), "postgres://") {
			t.Errorf("the error does not say how to write the DSN: %v", err)
		}
		if _, statErr := os.Stat(path); statErr == nil {
			t.Errorf("a file named after the DSN %q was created", dsn)
		}
		if got := store.RedactDSN(dsn); strings.Contains(got, "hunter22") {
			t.Errorf("RedactDSN(%q) = %q, the password is still there", dsn, got)
		}
	}
}
