package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

// TestAbortIsNotAResult sends SIGTERM then SIGINT while every case is already
// handed out (4 finished, 4 in flight, 4 queued): the calls cancelled in flight
// and the queued cases are not results. The experiment is interrupted, the
// exit code 3, and --resume runs exactly the cases not stored, to the summary
// of an uninterrupted run.
func TestAbortIsNotAResult(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	needPython3(t)
	t.Parallel()
	dir := t.TempDir()
	bin := buildCaliper(t, dir)
	const n = 12
	writeTrustEval(t, dir, "abort", n, "max_concurrency: 4\n")

	whole := filepath.Join(dir, "whole.db")
	if out, err := trustCmd(bin, dir, []string{"CALIPER_TEST_LOG=" + filepath.Join(dir, "whole.log")}, "run", "--store", whole, "abort").CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	_, want, _ := trustExperiment(t, whole, "abort")

	db := filepath.Join(dir, "aborted.db")
	firstLog := filepath.Join(dir, "first.log")
	var stderr strings.Builder
	cmd := trustCmd(bin, dir, []string{"CALIPER_TEST_LOG=" + firstLog, "CALIPER_TEST_SLEEP=3"}, "run", "--store", db, "abort")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitLogged(t, firstLog, 8, 60*time.Second) // 4 answered, 4 more started
	time.Sleep(500 * time.Millisecond)         // past a flush of the writer
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code := waitExit(t, cmd, 30*time.Second, "the aborted run")
	exp, _, rows := trustExperiment(t, db, "abort")
	if code != ExitRun || exp.Status != store.StatusInterrupted {
		t.Errorf("after SIGTERM and SIGINT: exit %d, experiment %s; want exit 3 and interrupted\n%s", code, exp.Status, stderr.String())
	}
	for _, r := range rows {
		if r.Error != "" || strings.Contains(fmt.Sprint(r.ScorerErrors), "cancel") {
			t.Errorf("case %s was stored with error %q (scorer errors %v): a cancelled call is not a result", r.CaseID, r.Error, r.ScorerErrors)
		}
	}
	if len(rows) != 4 {
		t.Errorf("%d rows stored, want the 4 answered before the signals", len(rows))
	}

	resumeLog := filepath.Join(dir, "resume.log")
	out, err := trustCmd(bin, dir, []string{"CALIPER_TEST_LOG=" + resumeLog}, "run", "--store", db, "--resume", "abort").CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	stored := storedInputs(rows)
	ran := logged(t, resumeLog)
	for _, in := range ran {
		if stored[in] {
			t.Errorf("case with input %s was stored before the abort and ran again", in)
		}
	}
	if len(ran) != n-len(stored) {
		t.Errorf("resume ran %d cases, want the %d not stored", len(ran), n-len(stored))
	}
	exp, got, rows := trustExperiment(t, db, "abort")
	if exp.Status != store.StatusCompleted || len(rows) != n {
		t.Errorf("after resume: %s with %d rows, want completed with %d", exp.Status, len(rows), n)
	}
	if err := sameSummary(got, want); err != nil {
		t.Errorf("resumed summary differs from the uninterrupted one: %v", err)
	}
}
