package gitinfo

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// DefaultLimit is the number of candidate commits BaseCommits returns when it
// is given a limit of zero or less.
const DefaultLimit = 1000

// remote is the remote whose branches and HEAD BaseCommits looks at.
const remote = "origin"

// defaultBranches are the names BaseCommits tries, in order, when origin/HEAD
// is not set.
var defaultBranches = []string{"main", "master", "develop"}

// Errors that BaseCommits wraps, so that a caller can tell "there is no
// history to look in" from a failure.
var (
	// ErrNotRepository: the directory is not in a git repository.
	ErrNotRepository = errors.New("not a git repository")
	// ErrNoCommits: the repository has no commit yet.
	ErrNoCommits = errors.New("the repository has no commits yet")
	// ErrNoDefaultBranch: no default branch was found, or CALIPER_BASE_BRANCH
	// names nothing git knows.
	ErrNoDefaultBranch = errors.New("no default branch found")
	// ErrNoCommonAncestor: HEAD and the default branch share no commit in this
	// clone (a shallow clone, or unrelated histories).
	ErrNoCommonAncestor = errors.New("no common ancestor with the default branch")
)

// BaseCommits returns the commits whose experiments can be the base of a
// comparison (base: auto), newest first, at most limit of them (DefaultLimit
// when limit <= 0): the merge-base of HEAD with the default branch, then its
// first-parent ancestors (merged side branches are skipped).
//
// When HEAD is on the default branch (HEAD is the merge-base) the list starts
// at HEAD's parent if the working tree is clean, and at HEAD itself if it is
// dirty (CALIPER_GIT_DIRTY in env overrides git status): the experiments of the
// commit being changed are the base, as in the Braintrust SDK. The list is
// empty when that leaves no commit (a clean root commit).
//
// The default branch is CALIPER_BASE_BRANCH when set in env; otherwise the
// branch origin/HEAD points at (git remote set-head origin --auto sets it), or
// else the first of main, master and develop that exists, locally or on
// origin. HEAD is compared with both the local branch and origin's, whichever
// exist, so a stale local branch or a CI clone with only origin/main both
// work.
//
// The caller asks the store for the newest completed experiment of the eval at
// the first of these commits that has one. Errors wrap ErrNotRepository,
// ErrNoCommits, ErrNoDefaultBranch or ErrNoCommonAncestor when they apply, and
// say what to do.
func BaseCommits(ctx context.Context, dir string, env map[string]string, limit int) ([]string, error) {
	h, err := BaseHistory(ctx, dir, env, limit)
	return h.Commits, err
}

// History is where base: auto looks for a base: the default branch HEAD is
// compared with, and the commits BaseCommits returns.
type History struct {
	Branch  string   // the default branch's name, e.g. main
	Commits []string // newest first
}

// BaseHistory is BaseCommits with the name of the default branch they are on.
func BaseHistory(ctx context.Context, dir string, env map[string]string, limit int) (History, error) {
	commits, branch, err := baseCommits(ctx, dir, env, limit)
	return History{Branch: branch, Commits: commits}, err
}

func baseCommits(ctx context.Context, dir string, env map[string]string, limit int) ([]string, string, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	head, err := git(ctx, dir, "rev-parse", "-q", "--verify", "HEAD^{commit}")
	if err != nil {
		return nil, "", headError(dir, err)
	}
	name, refs, err := baseBranch(ctx, dir, env)
	if err != nil {
		return nil, "", err
	}
	mb, err := git(ctx, dir, append([]string{"merge-base", "HEAD"}, refs...)...)
	if err != nil {
		var ge *gitError
		if errors.As(err, &ge) && ge.code == 1 {
			return nil, name, fmt.Errorf("%w: HEAD and %s share no commit in this clone: "+
				"if it is shallow, fetch the history (git fetch --unshallow, or fetch-depth: 0 in actions/checkout)",
				ErrNoCommonAncestor, name)
		}
		return nil, name, fmt.Errorf("finding the merge-base of HEAD and %s: %w", name, err)
	}
	args := []string{"rev-list", "--first-parent", fmt.Sprintf("--max-count=%d", limit)}
	if mb == head {
		dirty, err := isDirty(ctx, dir, env)
		if err != nil {
			return nil, name, err
		}
		if !dirty {
			args = append(args, "--skip=1")
		}
	}
	out, err := git(ctx, dir, append(args, mb, "--")...)
	if err != nil {
		return nil, name, fmt.Errorf("listing the ancestors of %s: %w", mb, err)
	}
	if out == "" {
		return nil, name, nil
	}
	return strings.Split(out, "\n"), name, nil
}

// headError explains why HEAD could not be read.
func headError(dir string, err error) error {
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("git is not installed, and base auto reads the git history: install git, or set base to an experiment name or a file:PATH baseline: %w", err)
	}
	var ge *gitError
	if errors.As(err, &ge) {
		switch {
		case ge.code == 1:
			return fmt.Errorf("%w in %s: base auto needs a commit to start from: commit, or set base to an experiment name", ErrNoCommits, dir)
		case strings.Contains(ge.stderr, "not a git repository"):
			return fmt.Errorf("%w: %s: base auto looks for the base experiment in the git history: run caliper in a git checkout, or set base to an experiment name or a file:PATH baseline", ErrNotRepository, dir)
		}
	}
	return fmt.Errorf("reading HEAD in %s: %w", dir, err)
}

// isDirty reports whether tracked files differ from HEAD.
func isDirty(ctx context.Context, dir string, env map[string]string) (bool, error) {
	if v, ok := parseBool(env[EnvDirty]); ok {
		return v, nil
	}
	out, err := git(ctx, dir, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return false, fmt.Errorf("reading the status of the working tree: %w", err)
	}
	return out != "", nil
}

// baseBranch finds the branch HEAD is compared with: its name for messages and
// the revisions to hand to git merge-base.
func baseBranch(ctx context.Context, dir string, env map[string]string) (name string, revs []string, err error) {
	if name := env[EnvBaseBranch]; name != "" {
		return configuredBranch(ctx, dir, name)
	}
	patterns := []string{"refs/remotes/" + remote + "/HEAD"}
	for _, b := range defaultBranches {
		patterns = append(patterns, "refs/heads/"+b, "refs/remotes/"+remote+"/"+b)
	}
	found, err := refs(ctx, dir, patterns...)
	if err != nil {
		return "", nil, err
	}
	if target, ok := strings.CutPrefix(found["refs/remotes/"+remote+"/HEAD"], "refs/remotes/"+remote+"/"); ok && target != "" {
		revs, err := branchRefs(ctx, dir, target)
		if err != nil {
			return "", nil, err
		}
		if len(revs) > 0 {
			return target, revs, nil
		}
	}
	for _, b := range defaultBranches {
		var revs []string
		for _, r := range []string{"refs/heads/" + b, "refs/remotes/" + remote + "/" + b} {
			if _, ok := found[r]; ok {
				revs = append(revs, r)
			}
		}
		if len(revs) > 0 {
			return b, revs, nil
		}
	}
	return "", nil, fmt.Errorf("%w: no main, master or develop branch, locally or on %s, and %s/HEAD is not set: "+
		"set %s to the branch to compare with, or fetch the default branch (fetch-depth: 0 in actions/checkout; git remote set-head %s --auto)",
		ErrNoDefaultBranch, remote, remote, EnvBaseBranch, remote)
}

// configuredBranch resolves the value of CALIPER_BASE_BRANCH.
func configuredBranch(ctx context.Context, dir, name string) (string, []string, error) {
	if strings.HasPrefix(name, "-") {
		return "", nil, fmt.Errorf("%w: %s=%q is not a branch name", ErrNoDefaultBranch, EnvBaseBranch, name)
	}
	revs, err := branchRefs(ctx, dir, name)
	if err != nil {
		return "", nil, err
	}
	if len(revs) > 0 {
		return name, revs, nil
	}
	if _, err := git(ctx, dir, "rev-parse", "-q", "--verify", name+"^{commit}"); err != nil {
		var ge *gitError
		if errors.As(err, &ge) && ge.code == 1 {
			return "", nil, fmt.Errorf("%w: %s=%q names no branch, branch of %s or commit of this repository: fetch it (git fetch %s %s) or correct the variable",
				ErrNoDefaultBranch, EnvBaseBranch, name, remote, remote, name)
		}
		return "", nil, fmt.Errorf("resolving %s=%q: %w", EnvBaseBranch, name, err)
	}
	return name, []string{name}, nil
}

// branchRefs returns those of refs/heads/NAME and refs/remotes/origin/NAME
// that exist.
func branchRefs(ctx context.Context, dir, name string) ([]string, error) {
	want := []string{"refs/heads/" + name, "refs/remotes/" + remote + "/" + name}
	found, err := refs(ctx, dir, want...)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range want {
		if _, ok := found[r]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// refs returns the refs named exactly by names that exist, each with the ref
// it points at when it is symbolic ("" otherwise).
func refs(ctx context.Context, dir string, names ...string) (map[string]string, error) {
	out, err := git(ctx, dir, append([]string{"for-each-ref", "--format=%(refname)%00%(symref)"}, names...)...)
	if err != nil {
		return nil, fmt.Errorf("listing branches: %w", err)
	}
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	found := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		ref, target, _ := strings.Cut(line, "\x00")
		if want[ref] { // for-each-ref also lists refs under a name: refs/heads/main/x
			found[ref] = target
		}
	}
	return found, nil
}
