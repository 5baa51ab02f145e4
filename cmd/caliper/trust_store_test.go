package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

// mountTmpfs mounts a tmpfs of size (as mount writes it: 1m) at a new
// directory, unmounted when the test ends; it skips the test where mounting is
// not permitted.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s): the full-disk test needs root or CAP_SYS_ADMIN, as in CI", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

var printedRows = regexp.MustCompile(`(\d+) rows? ·`)

// TestFullDiskStopsTheRun stores a run on an 8 MB tmpfs that fills up after
// a part of its 6,000 rows of 4 KB: the run stops issuing cases, the experiment is
// failed, the exit code is 3 with the resume command, and the printed rows are
// the stored ones. Once the disk is larger, --resume completes it to the
// summary of a run that never failed.
func TestFullDiskStopsTheRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	needPython3(t)
	t.Parallel()
	mnt := mountTmpfs(t, "8m")
	dir := t.TempDir()
	bin := buildCaliper(t, dir)
	const n = 6000
	writeTrustEval(t, dir, "full", n, "max_concurrency: 4\n")
	env := func(log string) []string {
		return []string{"CALIPER_TEST_LOG=" + filepath.Join(dir, log), "CALIPER_TEST_PAD=4000"}
	}

	whole := filepath.Join(dir, "whole.db")
	if out, err := trustCmd(bin, dir, env("whole.log"), "run", "--store", whole, "full").CombinedOutput(); err != nil {
		t.Fatalf("run on a roomy disk: %v\n%s", err, out)
	}
	_, want, _ := trustExperiment(t, whole, "full")

	db := filepath.Join(mnt, "s.db")
	cmd := trustCmd(bin, dir, env("full.log"), "run", "--store", db, "full")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	code := waitExit(t, cmd, 2*time.Minute, "the run on a full disk")
	exp, sum, rows := trustExperiment(t, db, "full")
	t.Logf("on an 8 MB disk: exit %d, %s, %d rows stored, %d cases run", code, exp.Status, len(rows), len(logged(t, filepath.Join(dir, "full.log"))))
	if code != ExitRun || exp.Status != store.StatusFailed || !strings.Contains(stderr.String(), "--resume="+exp.Name) {
		t.Errorf("exit %d, experiment %s; want exit 3, failed, and the resume command --resume=%s\nstdout:\n%s\nstderr:\n%s", code, exp.Status, exp.Name, stdout.String(), stderr.String())
	}
	if len(rows) == 0 || len(rows) >= n {
		t.Fatalf("%d rows stored: the disk should fill up partway", len(rows))
	}
	ran := len(logged(t, filepath.Join(dir, "full.log")))
	if limit := len(rows) + 2*store.DefaultBatchSize + 8; ran > limit || ran >= n {
		t.Errorf("%d cases ran with %d stored: a failed store must stop issuing cases (at most %d)", ran, len(rows), limit)
	}
	m := printedRows.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no row count printed:\n%s", stdout.String())
	}
	if printed, _ := strconv.Atoi(m[1]); printed != len(rows) || sum.Rows != len(rows) {
		t.Errorf("printed %s rows, the stored summary says %d, the store has %d: count only what is stored", m[1], sum.Rows, len(rows))
	}

	if out, err := exec.Command("mount", "-o", "remount,size=64m", mnt).CombinedOutput(); err != nil {
		t.Fatalf("growing the tmpfs: %v: %s", err, out)
	}
	if out, err := trustCmd(bin, dir, env("resume.log"), "run", "--store", db, "--resume", "full").CombinedOutput(); err != nil {
		t.Fatalf("resume on the larger disk: %v\n%s", err, out)
	}
	exp, got, rows := trustExperiment(t, db, "full")
	if exp.Status != store.StatusCompleted || len(rows) != n {
		t.Errorf("after resume: %s with %d rows, want completed with %d", exp.Status, len(rows), n)
	}
	if err := sameSummary(got, want); err != nil {
		t.Errorf("resumed summary differs from the run that never failed: %v", err)
	}
}
