package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
)

func TestMaxDurationStopsIssuingKeepsRowsAndExits3(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed: the test's task is a Python program")
	}
	t.Parallel()
	dir := t.TempDir()
	const n = 300 // 20 ms a case, 2 at a time: 3 s of work against a limit of 1 s
	writeSlowEval(t, dir, n)
	path := filepath.Join(dir, "slow", "slow.eval.yaml")
	writeFile(t, path, readFile(t, path)+"max_duration: 1s\nexperiment: capped\n")
	db := filepath.Join(dir, "s.db")
	log := filepath.Join(dir, "calls.log")
	code, out, errOut := runEnv(t, dir, map[string]string{"CALIPER_TEST_LOG": log, "PATH": os.Getenv("PATH")}, "run", "slow", "--store", db)
	if code != ExitRun || !strings.Contains(errOut, "max_duration") || !strings.Contains(errOut, "--resume=capped") {
		t.Fatalf("exit %d, want 3 naming max_duration and the resume command\n%s%s", code, out, errOut)
	}
	e, sum := summaryOf(t, db)
	if e.Status != store.StatusInterrupted || !strings.Contains(sum.Stopped, "max_duration: the run reached its limit of 1s") {
		t.Errorf("status %q, stopped %q; want interrupted with the reason", e.Status, sum.Stopped)
	}
	ran := len(logged(t, log))
	if e.Rows >= n || e.Rows != sum.Rows || e.Rows != ran {
		t.Errorf("%d rows stored, %d in the summary, %d cases ran; want the same number, fewer than %d", e.Rows, sum.Rows, ran, n)
	}
}
