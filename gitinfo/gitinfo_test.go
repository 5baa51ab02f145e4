package gitinfo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestRead(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	gitIn(t, dir, "init", "-q", "-b", "main")
	file := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(file, []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, dir, "add", "a.txt")
	gitIn(t, dir, "commit", "-q", "-m", "first")
	info := Read(context.Background(), dir, nil)
	if len(info.Commit) != 40 || info.Branch != "main" || info.Dirty {
		t.Fatalf("clean repository: %+v", info)
	}
	if err := os.WriteFile(file, []byte("2"), 0o644); err != nil {
		t.Fatal(err)
	}
	if info := Read(context.Background(), dir, nil); !info.Dirty {
		t.Error("a modified tracked file should make the repository dirty")
	}
	over := Read(context.Background(), dir, map[string]string{"CALIPER_GIT_BRANCH": "feature/x", "CALIPER_GIT_DIRTY": "0"})
	if over.Branch != "feature/x" || over.Dirty {
		t.Errorf("environment overrides: %+v", over)
	}
	if outside := Read(context.Background(), t.TempDir(), nil); outside != (Info{}) {
		t.Errorf("outside a repository: %+v", outside)
	}
}
