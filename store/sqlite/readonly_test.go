package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// readOnlyMount mounts a small tmpfs at a new directory, lets fill write to
// it, then remounts it read-only: a condition that holds for root too, which
// ignores file permissions. It skips the test where mounting is not permitted.
func readOnlyMount(t *testing.T, fill func(dir string)) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("a read-only store needs a read-only mount, and mounting a tmpfs is not permitted here (run as root, as CI does): %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	fill(dir)
	if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
		t.Fatalf("remounting read-only: %v: %s", err, out)
	}
	return dir
}

func TestOpenReadOnlyMount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var id string
	dir := readOnlyMount(t, func(dir string) {
		s, err := Open(ctx, filepath.Join(dir, "caliper.db"))
		if err != nil {
			t.Fatal(err)
		}
		e := &store.Experiment{Eval: "e", Name: "x"}
		if err := s.CreateExperiment(ctx, e); err != nil {
			t.Fatal(err)
		}
		id = e.ID
		writeRows(t, s, e.ID, store.WriterOptions{}, testRow(1, 0), testRow(2, 0))
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	})
	path := filepath.Join(dir, "caliper.db")

	if _, err := Open(ctx, path); err == nil {
		t.Fatal("a writable open of a store on a read-only mount succeeded; the test does not test what it means to")
	}
	s, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("opening read-only: %v", err)
	}
	defer s.Close()
	if rows := readRows(t, s, id); len(rows) != 2 || !sameRow(rows[0], testRow(1, 0)) {
		t.Errorf("read %d rows: %+v", len(rows), rows)
	}
	if exps, err := s.Experiments(ctx, store.ListOptions{}); err != nil || len(exps) != 1 || exps[0].Rows != 2 {
		t.Errorf("experiments: %+v, %v", exps, err)
	}
	if err := s.CreateExperiment(ctx, &store.Experiment{Eval: "e", Name: "y"}); err == nil {
		t.Error("creating an experiment in a read-only store succeeded")
	}
	w := s.NewWriter(id, store.WriterOptions{})
	if err := w.Write(&store.Row{CaseID: "z", Input: json.RawMessage(`1`)}); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("writing to a read-only store: %v", err)
	}
}

func TestOpenReadOnlyErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "none", "caliper.db")
	_, err := store.OpenReadOnly(ctx, missing)
	if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "run an eval first") {
		t.Errorf("read-only open of a missing file = %v", err)
	}
	if _, statErr := os.Stat(filepath.Dir(missing)); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("the read-only open created %s", filepath.Dir(missing))
	}
	if _, err := store.OpenReadOnly(ctx, dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("read-only open of a directory = %v", err)
	}
}
