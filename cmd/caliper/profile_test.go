package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunWritesProfiles runs an eval with --cpuprofile and --memprofile and
// checks that both files are profiles (gzipped protocol buffers, as
// go tool pprof reads them), and that an unwritable path is a usage error.
// Not parallel: a CPU profile is the whole process's.
func TestRunWritesProfiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ok.eval.yaml"), strings.Replace(strings.Replace(gatedEval, "name: gated", "name: ok", 1), "correct: 0.9", "correct: 0.5", 1))
	db := filepath.Join(dir, "store.db")
	code, out, errOut := run(t, dir, "run", "--store", db, "--cpuprofile", "cpu.prof", "--memprofile", "mem.prof", "ok.eval.yaml")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, name := range []string{"cpu.prof", "mem.prof"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s is not a gzipped profile: %v", name, err)
		}
		if body, err := io.ReadAll(zr); err != nil || len(body) == 0 {
			t.Errorf("%s: %d bytes of profile, %v", name, len(body), err)
		}
	}
	code, _, errOut = run(t, dir, "run", "--store", db, "--cpuprofile", filepath.Join(dir, "no", "such", "dir", "cpu.prof"), "ok.eval.yaml")
	if code != ExitInvalid || !strings.Contains(errOut, "--cpuprofile") {
		t.Errorf("unwritable --cpuprofile: exit %d, %s", code, errOut)
	}
}
