package gitinfo

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// needGit skips a test that needs git when it is not installed.
func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: skipping the tests that build real repositories")
	}
}

// testRepo is a real git repository in a temporary directory. Every commit
// gets the next second of a fixed clock, so commit times are known.
type testRepo struct {
	t   *testing.T
	dir string
	n   int // commits made so far
	// env, when a test's setup sets it, is the environment handed to Read.
	env map[string]string
}

// epoch is the date of a testRepo's first commit.
var epoch = time.Date(2024, 5, 6, 7, 8, 0, 0, time.FixedZone("", 2*3600))

func newRepo(t *testing.T) *testRepo {
	t.Helper()
	needGit(t)
	r := &testRepo{t: t, dir: t.TempDir()}
	r.git("-c", "init.defaultBranch=main", "init", "-q")
	return r
}

// git runs git in the repository with a fixed identity and no user or system
// configuration, and returns its trimmed output.
func (r *testRepo) git(args ...string) string {
	r.t.Helper()
	date := epoch.Add(time.Duration(r.n) * time.Second).Format(time.RFC3339)
	cmd := exec.Command("git", append([]string{"-C", r.dir}, args...)...)
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=Ann Author", "GIT_AUTHOR_EMAIL=ann@example.com", "GIT_AUTHOR_DATE="+date,
		"GIT_COMMITTER_NAME=Cy Committer", "GIT_COMMITTER_EMAIL=cy@example.com", "GIT_COMMITTER_DATE="+date)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit changes a tracked file, commits it and returns the new commit.
func (r *testRepo) commit(msg string) string {
	r.t.Helper()
	r.n++
	r.write("file.txt", fmt.Sprintf("%s %d\n", msg, r.n))
	r.git("add", "file.txt")
	r.git("commit", "-q", "--no-gpg-sign", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

// write writes a file of the work tree.
func (r *testRepo) write(name, content string) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, name), []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// history is the repository BaseCommits is tested on:
//
//	main:    m1 - m2 - m3 - m4 - m5       (m3 merges side with --no-ff)
//	side:          \- s1 -/
//	feature:                 \- f1 - f2 - f3   (from m4)
type history struct {
	*testRepo
	m1, m2, s1, m3, m4, f1, f2, f3, m5 string
}

// newHistory returns a copy of the history, which is built once per test
// binary: a plain copy of the files is much cheaper than thirty git commands.
func newHistory(t *testing.T) *history {
	t.Helper()
	needGit(t)
	fixture.once.Do(func() {
		dir, err := os.MkdirTemp("", "gitinfo-history-")
		if err != nil {
			t.Fatal(err)
		}
		fixture.dir = dir
		fixture.h = buildHistory(t, dir)
	})
	if fixture.h == nil {
		t.Fatal("building the test history failed in another test")
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(fixture.dir)); err != nil {
		t.Fatal(err)
	}
	h := *fixture.h
	h.testRepo = &testRepo{t: t, dir: dir, n: fixture.h.n}
	return &h
}

// fixture is the history newHistory copies; TestMain removes it.
var fixture struct {
	once sync.Once
	dir  string
	h    *history
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

func buildHistory(t *testing.T, dir string) *history {
	t.Helper()
	h := &history{testRepo: &testRepo{t: t, dir: dir}}
	h.git("-c", "init.defaultBranch=main", "init", "-q")
	h.m1 = h.commit("m1")
	h.m2 = h.commit("m2")
	h.git("checkout", "-q", "-b", "side")
	h.s1 = h.commit("s1")
	h.git("checkout", "-q", "main")
	h.n++
	h.git("merge", "-q", "--no-ff", "--no-gpg-sign", "-m", "m3", "side")
	h.m3 = h.git("rev-parse", "HEAD")
	h.m4 = h.commit("m4")
	h.git("checkout", "-q", "-b", "feature")
	h.f1 = h.commit("f1")
	h.f2 = h.commit("f2")
	h.f3 = h.commit("f3")
	h.git("checkout", "-q", "main")
	h.m5 = h.commit("m5")
	h.git("checkout", "-q", "feature")
	return h
}
