package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
	"github.com/caliperhq/caliper/store/postgres/pgtest"
)

// pgPassword is the password of a test DSN, which no output may show.
func pgPassword(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	return pw
}

// binary runs the built caliper in dir with extra environment variables and
// returns its exit code and output, failing the test if the output shows
// secret.
func binary(t *testing.T, bin, dir, secret string, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("caliper %s: %v", strings.Join(args, " "), err)
	}
	if secret != "" && strings.Contains(string(out), secret) {
		t.Errorf("caliper %s printed the store's password:\n%s", strings.Join(args, " "), out)
	}
	return code, string(out)
}

// timesRE matches the times and durations of exported rows, which differ
// between runs.
var timesRE = regexp.MustCompile(`"created":"[^"]*"|"duration":[0-9.e-]+`)

// TestCommandsOnPostgres runs the commands that use the store, as the built
// binary, against a PostgreSQL store, and checks that they behave as on
// SQLite: the same regression caught by the same comparison, the same
// exported rows, datasets pushed and pulled, the cache cleared, the store
// named by CALIPER_STORE, and never the password in any output.
func TestCommandsOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	pg := pgtest.DSN(t)
	pw := pgPassword(t, pg)
	dir := t.TempDir()
	bin := buildCaliper(t, dir)
	writeRegressEval(t, dir)
	sqlite := filepath.Join(dir, "s.db")
	for _, s := range []string{pg, sqlite} {
		// The first run has no base, so its gates on regressions fail.
		if code, out := binary(t, bin, dir, pw, nil, "run", "--store", s, "regress.eval.yaml"); code != ExitFailed || !strings.Contains(out, "no base experiment") {
			t.Fatalf("first run into %s: exit %d, want %d for gates with no base\n%s", store.RedactDSN(s), code, ExitFailed, out)
		}
	}
	code, out := binary(t, bin, dir, pw, nil, "run", "--store", pg, "--param", "broken=true", "--base", "broken-false", "regress.eval.yaml")
	if code != ExitFailed {
		t.Fatalf("a regression on PostgreSQL: exit %d, want %d\n%s", code, ExitFailed, out)
	}
	for _, want := range []string{"compared with broken-false: 200 paired cases", "SIGNIFICANT REGRESSION", "c000  correct 1.000 → 0.000"} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary lacks %q:\n%s", want, out)
		}
	}
	if code, out := binary(t, bin, dir, pw, nil, "compare", "--store", pg, "broken-true", "broken-false"); code != ExitOK || !strings.Contains(out, "-25.00pp  ↑0    ↓50") {
		t.Errorf("compare on PostgreSQL: exit %d\n%s", code, out)
	}
	code, out = binary(t, bin, dir, pw, nil, "experiments", "list", "--store", pg)
	if code != ExitOK || !strings.Contains(out, "broken-true") || !strings.Contains(out, "broken-false") {
		t.Errorf("experiments list: exit %d\n%s", code, out)
	}
	if code, out := binary(t, bin, dir, pw, nil, "experiments", "show", "--store", pg, "broken-false"); code != ExitOK || !strings.Contains(out, "broken-false") {
		t.Errorf("experiments show: exit %d\n%s", code, out)
	}
	if code, out := binary(t, bin, dir, pw, nil, "baseline", "save", "--store", pg, "broken-false", "--out", "base.json"); code != ExitOK {
		t.Errorf("baseline save: exit %d\n%s", code, out)
	}
	if code, out := binary(t, bin, dir, pw, nil, "compare", "--store", pg, "broken-true", "file:base.json"); code != ExitOK || !strings.Contains(out, "↓50") {
		t.Errorf("compare with the saved baseline: exit %d\n%s", code, out)
	}
	exports := map[string]string{}
	for _, s := range []string{pg, sqlite} {
		code, out := binary(t, bin, dir, pw, nil, "experiments", "export", "--store", s, "broken-false")
		if code != ExitOK || strings.Count(out, "\n") != 200 {
			t.Fatalf("experiments export from %s: exit %d, %d lines", store.RedactDSN(s), code, strings.Count(out, "\n"))
		}
		exports[s] = timesRE.ReplaceAllString(out, `"time"`)
	}
	if exports[pg] != exports[sqlite] {
		pl, sl := strings.Split(exports[pg], "\n"), strings.Split(exports[sqlite], "\n")
		for i := range min(len(pl), len(sl)) {
			if pl[i] != sl[i] {
				t.Errorf("the rows exported from PostgreSQL differ from SQLite's, first at line %d:\n%s\n%s", i+1, pl[i], sl[i])
				break
			}
		}
	}

	// CALIPER_STORE names the store when --store does not.
	env := []string{"CALIPER_STORE=" + pg}
	if code, out := binary(t, bin, dir, pw, env, "experiments", "list"); code != ExitOK || !strings.Contains(out, "broken-true") {
		t.Errorf("experiments list with CALIPER_STORE: exit %d\n%s", code, out)
	}

	writeFile(t, filepath.Join(dir, "qa.jsonl"), qaV1)
	writeFile(t, filepath.Join(dir, "qa2.jsonl"), qaV2)
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"datasets", "push", "qa", "qa.jsonl"}, "pushed qa version 1: 3 added"},
		{[]string{"datasets", "push", "qa", "qa2.jsonl", "--delete-missing"}, "pushed qa version 2: 1 added, 1 updated, 1 deleted, 1 unchanged"},
		{[]string{"datasets", "list"}, "qa"},
		{[]string{"datasets", "show", "qa@1"}, "version 1"},
		{[]string{"cache", "clear"}, "cleared 0 cached answers"},
	} {
		code, out := binary(t, bin, dir, pw, env, step.args...)
		if code != ExitOK || !strings.Contains(out, step.want) {
			t.Errorf("caliper %s: exit %d, want %q in\n%s", strings.Join(step.args, " "), code, step.want, out)
		}
	}
	code, pulled := binary(t, bin, dir, pw, env, "datasets", "pull", "qa@1")
	if code != ExitOK || strings.Count(pulled, "\n") != 3 {
		t.Errorf("datasets pull qa@1: exit %d\n%s", code, pulled)
	}
}

// TestKilledRunResumesOnPostgres SIGKILLs a run into PostgreSQL midway,
// resumes it, and checks that no stored case ran again and that the
// experiment is completed with every case.
func TestKilledRunResumesOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed: the test's task is a Python program")
	}
	t.Parallel()
	pg := pgtest.DSN(t)
	dir := t.TempDir()
	bin := buildCaliper(t, dir)
	const n = 150
	writeSlowEval(t, dir, n)
	first := filepath.Join(dir, "first.log")
	cmd := runBinary(t, bin, dir, first, "run", "--store", pg, "slow")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); len(logged(t, first)) < 50; {
		if time.Now().After(deadline) {
			t.Fatal("the run did not get through 50 cases in 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // past one flush of the writer
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	exp, _ := summaryOf(t, pg)
	if exp.Status != store.StatusRunning || exp.Rows == 0 || exp.Rows >= n {
		t.Fatalf("after SIGKILL: status %q with %d rows; want a running experiment with part of the rows", exp.Status, exp.Rows)
	}
	db, err := store.Open(context.Background(), pg)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	if err := db.Rows(context.Background(), exp.ID, func(r *store.Row) error { stored[string(r.Input)] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	resumeLog := filepath.Join(dir, "resume.log")
	if out, err := runBinary(t, bin, dir, resumeLog, "run", "--store", pg, "--resume", "slow").CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	for _, input := range logged(t, resumeLog) {
		if stored[input] {
			t.Errorf("case with input %s was stored before the kill and ran again on resume", input)
		}
	}
	exp, sum := summaryOf(t, pg)
	if exp.Status != store.StatusCompleted || exp.Rows != n || sum.Rows != n {
		t.Errorf("after resume: status %q, %d rows, summary of %d; want completed with %d", exp.Status, exp.Rows, sum.Rows, n)
	}
}

// TestStoreCopyRoundTrip copies a SQLite store's experiments and datasets to
// PostgreSQL and from there to a new SQLite file: every experiment exports
// the same rows from all three, every dataset version pulls the same rows,
// and copying again changes nothing.
func TestStoreCopyRoundTrip(t *testing.T) {
	t.Parallel()
	pg := pgtest.DSN(t)
	pw := pgPassword(t, pg)
	dir := t.TempDir()
	writeRegressEval(t, dir)
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	mustRun := func(want int, args ...string) string {
		t.Helper()
		code, out, errOut := run(t, dir, args...)
		if code != want {
			t.Fatalf("caliper %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errOut)
		}
		if pw != "" && strings.Contains(out+errOut, pw) {
			t.Errorf("caliper %s printed the password:\n%s%s", strings.Join(args, " "), out, errOut)
		}
		return out
	}
	mustRun(ExitFailed, "run", "--store", a) // no base yet: its regression gates fail
	mustRun(ExitFailed, "run", "--store", a, "--param", "broken=true", "--base", "broken-false")
	writeFile(t, filepath.Join(dir, "qa.jsonl"), qaV1)
	writeFile(t, filepath.Join(dir, "qa2.jsonl"), qaV2)
	mustRun(ExitOK, "datasets", "push", "--store", a, "qa", "qa.jsonl")
	mustRun(ExitOK, "datasets", "push", "--store", a, "qa", "qa2.jsonl", "--delete-missing")

	out := mustRun(ExitOK, "store", "copy", "--from", a, "--to", pg)
	if !strings.Contains(out, "copied 2 experiments (400 rows) and 1 dataset (2 versions)") {
		t.Errorf("first copy to PostgreSQL said:\n%s", out)
	}
	out = mustRun(ExitOK, "store", "copy", "--from", a, "--to", pg)
	if !strings.Contains(out, "copied 0 experiments (0 rows) and 0 datasets (0 versions)") || !strings.Contains(out, "unchanged: 2 experiments, 1 dataset") {
		t.Errorf("copying again said:\n%s", out)
	}
	mustRun(ExitOK, "store", "copy", "--from", pg, "--to", b)
	for _, exp := range []string{"broken-false", "broken-true"} {
		want := mustRun(ExitOK, "experiments", "export", "--store", a, exp)
		for _, s := range []string{pg, b} {
			if got := mustRun(ExitOK, "experiments", "export", "--store", s, exp); got != want {
				t.Errorf("%s exported from %s differs from the original", exp, store.RedactDSN(s))
			}
		}
		wantShow := mustRun(ExitOK, "experiments", "show", "--store", a, exp)
		if got := mustRun(ExitOK, "experiments", "show", "--store", b, exp); got != wantShow {
			t.Errorf("experiments show %s after the round trip:\n%s\nwant\n%s", exp, got, wantShow)
		}
	}
	for _, v := range []string{"qa@1", "qa@2"} {
		want := mustRun(ExitOK, "datasets", "pull", "--store", a, v)
		if got := mustRun(ExitOK, "datasets", "pull", "--store", b, v); got != want {
			t.Errorf("datasets pull %s after the round trip:\n%s\nwant\n%s", v, got, want)
		}
	}
	// One named experiment, already there: nothing to do.
	out = mustRun(ExitOK, "store", "copy", "--from", b, "--to", pg, "broken-true")
	if !strings.Contains(out, "copied 0 experiments") {
		t.Errorf("copying one experiment already there said:\n%s", out)
	}
	if _, _, errOut := run(t, dir, "store", "copy", "--from", a, "--to", pg, "no-such"); !strings.Contains(errOut, "no-such") {
		t.Errorf("copying an unknown experiment: %s", errOut)
	}
}

// TestRetryErrorsOnPostgres re-runs only the errored cases of an experiment
// stored in PostgreSQL, into a new one that keeps the rows that succeeded.
func TestRetryErrorsOnPostgres(t *testing.T) {
	t.Parallel()
	pg := pgtest.DSN(t)
	dir := t.TempDir()
	var rows []string
	for i := range 30 {
		rows = append(rows, fmt.Sprintf(`{"id": "c%02d", "input": %d}`, i, i))
	}
	writeFile(t, filepath.Join(dir, "d.jsonl"), strings.Join(rows, "\n")+"\n")
	writeFile(t, filepath.Join(dir, "flaky.eval.yaml"), `name: flaky
experiment: first
parameters:
  fail: {type: boolean, default: false}
data: {file: d.jsonl}
task: {expr: 'parameters.fail && int(input) % 3 == 0 ? int("boom") : input'}
scorers: [{name: ran, expr: "true"}]
`)
	code, out, errOut := run(t, dir, "run", "--store", pg, "--param", "fail=true")
	if code != ExitOK || !strings.Contains(out, "30 cases, 30 rows · 10 errors") {
		t.Fatalf("flaky run: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, dir, "run", "--store", pg, "--retry-errors", "first")
	if code != ExitOK || !strings.Contains(errOut, "20 rows kept, 10 to run") || !strings.Contains(out, "30 cases, 30 rows · 0 errors") {
		t.Fatalf("retry: exit %d\n%s%s", code, out, errOut)
	}
}

// TestProjectStoreOnPostgres names the PostgreSQL store in caliper.yaml: runs
// and listings use it, and no SQLite file is made.
func TestProjectStoreOnPostgres(t *testing.T) {
	t.Parallel()
	pg := pgtest.DSN(t)
	dir := t.TempDir()
	writeRegressEval(t, dir)
	writeFile(t, filepath.Join(dir, "caliper.yaml"), "store: '"+pg+"'\n")
	if code, out, errOut := run(t, dir, "run", "regress.eval.yaml"); code != ExitFailed || !strings.Contains(out, "stored in postgres://") {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := run(t, dir, "experiments", "list"); code != ExitOK || !strings.Contains(out, "broken-false") {
		t.Errorf("experiments list: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, ".caliper")); err == nil {
		t.Error("a .caliper directory was made")
	}
}
