package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestStoreURLIsNeverAFile checks that a --store URL is never taken for a
// file: a scheme no backend opens is refused, a PostgreSQL server that is not
// there is an error, and neither creates a file or prints the password
// (issue 9).
func TestStoreURLIsNeverAFile(t *testing.T) {
	t.Parallel()
	port := closedPort(t)
	for _, tc := range []struct {
		dsn, scheme, want string
	}{
		// PostgreSQL is a backend: a server that is not there is an error
		// saying what to check, never a file.
		{"postgres://u:s3cret@127.0.0.1:" + port + "/caliper", "postgres", "check that the server is running"},
		{"postgresql://u:s3cret@127.0.0.1:" + port + "/caliper?sslmode=disable", "postgresql", "check that the server is running"},
		{"mysql://u:s3cret@db.example/caliper", "mysql", "no store backend for scheme mysql"},
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
				if !strings.Contains(errOut, tc.want) {
					t.Errorf("stderr %q does not say %q", errOut, tc.want)
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

// trialEval scores the first trial of a case 1 and the second 0.5, or 0
// when broken: how trials reduce decides the comparison.
const trialEval = `name: trials
experiment: "broken-{{parameters.broken}}"
parameters:
  broken: {type: boolean, default: false}
data: {inline: [{id: a, input: 1}, {id: b, input: 2}, {id: c, input: 3}]}
task: {expr: input}
scorers:
  - {name: s, expr: 'trial == 0 ? 1.0 : (parameters.broken ? 0.0 : 0.5)'}
trials: 2
reduce: mean
pass: scores.s >= 0.5
`

// TestCompareUsesTheStoredReduction compares two stored experiments, then
// edits the eval's reduction and pass expression and compares again, then
// deletes the file and compares again: the comparison is the same each time,
// because the experiments keep what a comparison needs (issue 8).
func TestCompareUsesTheStoredReduction(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "trials.eval.yaml")
	writeFile(t, file, trialEval)
	db := filepath.Join(dir, "s.db")
	if code, out, errOut := run(t, dir, "run", "--store", db); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := run(t, dir, "run", "--store", db, "--param", "broken=true", "--base", "broken-false"); code != ExitOK {
		t.Fatalf("second run: exit %d\n%s%s", code, out, errOut)
	}
	compare := func(when string) string {
		t.Helper()
		code, out, errOut := run(t, dir, "compare", "--store", db, "broken-true", "broken-false")
		if code != ExitOK {
			t.Fatalf("compare %s: exit %d\n%s%s", when, code, out, errOut)
		}
		// The first line ends with the run's duration.
		_, rest, _ := strings.Cut(out, "\n")
		return rest
	}
	before := compare("as run")
	if !strings.Contains(before, "-25.00pp") {
		t.Fatalf("the comparison of the means should be -25pp:\n%s", before)
	}
	edited := strings.Replace(strings.Replace(trialEval, "reduce: mean", "reduce: max", 1), "pass: scores.s >= 0.5", "pass: scores.s > 2", 1)
	writeFile(t, file, edited)
	if after := compare("after editing the eval"); after != before {
		t.Errorf("the comparison changed with the eval file:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if after := compare("after deleting the eval"); after != before {
		t.Errorf("the comparison changed without the eval file:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestReadingCommandsOnAReadOnlyMount runs two experiments into a store on a
// tmpfs, remounts it read-only and reads it with every reading command
// (issue 9). Root ignores file permissions, so only a mount makes this real;
// the test skips where mounting is not permitted.
func TestReadingCommandsOnAReadOnlyMount(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "trials.eval.yaml"), trialEval)
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("reading a store on a read-only mount needs a mount, which is not permitted here (run as root, as CI does): %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := retryingBusy("umount", mnt); err != nil {
			t.Errorf("umount %s: %v: %s", mnt, err, out)
		}
	})
	db := filepath.Join(mnt, "s.db")
	if code, out, errOut := run(t, dir, "run", "--store", db); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := run(t, dir, "run", "--store", db, "--param", "broken=true", "--base", "broken-false"); code != ExitOK {
		t.Fatalf("second run: exit %d\n%s%s", code, out, errOut)
	}
	remountReadOnly(t, mnt)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"experiments", "list"}, "broken-false"},
		{[]string{"experiments", "show", "broken-true"}, "broken-true"},
		{[]string{"experiments", "export", "broken-true"}, `"case_id":"a"`},
		{[]string{"compare", "broken-true", "broken-false"}, "-25.00pp"},
	} {
		code, out, errOut := run(t, dir, append(tc.args, "--store", db)...)
		if code != ExitOK || !strings.Contains(out, tc.want) {
			t.Errorf("%s on a read-only mount: exit %d, want 0 and %q\n%s%s", strings.Join(tc.args, " "), code, tc.want, out, errOut)
		}
	}
	if code, _, errOut := run(t, dir, "run", "--store", db); code != ExitRun {
		t.Errorf("a run into a read-only store: exit %d, want %d\n%s", code, ExitRun, errOut)
	}
}

// remountReadOnly remounts mnt read-only (see retryingBusy).
func remountReadOnly(t *testing.T, mnt string) {
	t.Helper()
	if out, err := retryingBusy("mount", "-o", "remount,ro", mnt); err != nil {
		t.Fatalf("remounting read-only: %v: %s", err, out)
	}
}

// retryingBusy runs a mount command, again while the kernel calls the mount
// busy, for up to 5 s. Between its clone and its exec, a child process a
// parallel test starts holds a copy of every descriptor of this process, so
// a remount read-only or an unmount can meet an open file for a moment
// (about one package run in ten on a loaded machine, at either); only a file
// left open for good fails.
func retryingBusy(name string, args ...string) ([]byte, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := exec.Command(name, args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "busy") || time.Now().After(deadline) {
			return out, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}
