package main

import (
	"os"
	"strings"
	"testing"
)

// TestStoreURLIsNeverAFile checks that a --store with a URL scheme no backend
// opens is refused, creating no file and printing no password (issue 9).
func TestStoreURLIsNeverAFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dsn, scheme string
	}{
		{"postgres://u:s3cret@db.example:5432/caliper", "postgres"},
		{"postgresql://u:s3cret@db.example/caliper?sslmode=disable", "postgresql"},
		{"mysql://u:s3cret@db.example/caliper", "mysql"},
	} {
		for _, args := range [][]string{
			{"experiments", "list"},
			{"datasets", "list"},
			{"cache", "clear"},
		} {
			t.Run(tc.scheme+" "+strings.Join(args, " "), func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				code, out, errOut := run(t, dir, append(args, "--store", tc.dsn)...)
				if code != ExitRun {
					t.Errorf("exit %d, want %d\n%s%s", code, ExitRun, out, errOut)
				}
				if want := "no store backend for scheme " + tc.scheme; !strings.Contains(errOut, want) {
					t.Errorf("stderr %q does not say %q", errOut, want)
				}
				if strings.Contains(out+errOut, "s3cret") {
					t.Errorf("the password was printed:\n%s%s", out, errOut)
				}
				entries, err := os.ReadDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range entries {
					t.Errorf("%s was created", e.Name())
				}
			})
		}
	}
}
