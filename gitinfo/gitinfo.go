// Package gitinfo reads the state of the git repository an eval runs in, so every
// experiment records the commit, branch and dirtiness it ran at.
package gitinfo

import (
	"context"
	"os/exec"
	"strings"
	"time"
)

// Info is the state of a repository.
type Info struct {
	Commit string `json:"commit,omitempty"`
	Branch string `json:"branch,omitempty"`
	Dirty  bool   `json:"dirty,omitempty"`
}

// Read returns the state of the repository holding dir; fields stay empty outside
// a repository or without git. CALIPER_GIT_COMMIT, CALIPER_GIT_BRANCH and
// CALIPER_GIT_DIRTY in env override what git says, for CI systems that check out
// a detached HEAD.
func Read(ctx context.Context, dir string, env map[string]string) Info {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	info := Info{Commit: git(ctx, dir, "rev-parse", "HEAD"), Branch: git(ctx, dir, "rev-parse", "--abbrev-ref", "HEAD")}
	if info.Branch == "HEAD" {
		info.Branch = ""
	}
	if info.Commit != "" {
		info.Dirty = git(ctx, dir, "status", "--porcelain", "--untracked-files=no") != ""
	}
	if v := env["CALIPER_GIT_COMMIT"]; v != "" {
		info.Commit = v
	}
	if v := env["CALIPER_GIT_BRANCH"]; v != "" {
		info.Branch = v
	}
	if v, ok := env["CALIPER_GIT_DIRTY"]; ok {
		info.Dirty = v == "1" || v == "true"
	}
	return info
}

func git(ctx context.Context, dir string, args ...string) string {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
