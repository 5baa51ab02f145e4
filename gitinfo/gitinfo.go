// Package gitinfo reads the state of the git repository an eval runs in, so
// every experiment records the commit it ran at (Read), and finds the commits
// whose experiments are the base of a comparison for `base: auto`
// (BaseCommits).
//
// Git is run as a child process with the environment of the process plus
// LC_ALL=C (so its messages can be recognised) and GIT_OPTIONAL_LOCKS=0 (so a
// status never takes the index lock from an editor or another git); the env
// maps of Read and BaseCommits only carry the CALIPER_* and CI overrides.
package gitinfo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// Environment variables that override what git says, for CI systems that
// check out a detached HEAD or build from a copy without .git.
const (
	EnvCommit = "CALIPER_GIT_COMMIT" // the commit (a full or abbreviated hash)
	EnvBranch = "CALIPER_GIT_BRANCH" // the branch
	EnvTag    = "CALIPER_GIT_TAG"    // the tag
	EnvDirty  = "CALIPER_GIT_DIRTY"  // 1, true, yes or on; 0, false, no or off
	// EnvBaseBranch names the branch BaseCommits compares with instead of the
	// default branch it detects: a local branch, a branch of origin, or any
	// revision git knows (upstream/main, a tag, a commit).
	EnvBaseBranch = "CALIPER_BASE_BRANCH"
)

// readTimeout bounds the git commands of Read: recording the state must never
// hold a run up.
const readTimeout = 5 * time.Second

// Info is the state of a repository that an experiment records. Its fields are
// those of store.Git, in the same order, so one converts to the other.
type Info struct {
	Commit     string    `json:"commit,omitempty"`
	Branch     string    `json:"branch,omitempty"`
	Dirty      bool      `json:"dirty,omitempty"`
	Tag        string    `json:"tag,omitempty"`        // a tag pointing at the commit
	Author     string    `json:"author,omitempty"`     // "Name <email>" of the commit's author
	CommitTime time.Time `json:"commit_time,omitzero"` // the commit's committer date, in its own time zone
}

// Vars returns the fields under the lower_snake_case names that templates use
// ({{git.branch}}, {{git.short_commit}}...); absent values are empty strings,
// and commit_time is RFC 3339.
func (i Info) Vars() map[string]any {
	short := i.Commit
	if len(short) > 7 {
		short = short[:7]
	}
	ct := ""
	if !i.CommitTime.IsZero() {
		ct = i.CommitTime.Format(time.RFC3339)
	}
	return map[string]any{
		"commit": i.Commit, "short_commit": short, "branch": i.Branch, "tag": i.Tag,
		"dirty": i.Dirty, "author": i.Author, "commit_time": ct,
	}
}

// Read returns the state of the repository holding dir, with two git commands
// run side by side (git log -1 and git status). Fields stay empty outside a
// repository, before the first commit, or without git; Read never fails.
//
// Tag is a tag pointing at the commit; of several, the highest in version
// order (v1.10 over v1.9). Branch is empty on a detached HEAD; then the branch
// is taken from the first of these CI variables that is set:
//
//	GITHUB_HEAD_REF                      GitHub Actions, pull requests
//	GITHUB_REF_NAME                      GitHub Actions, when GITHUB_REF_TYPE=branch
//	CI_COMMIT_REF_NAME                   GitLab CI, unless CI_COMMIT_TAG is set
//	BUILDKITE_BRANCH                     Buildkite, unless BUILDKITE_TAG is set
//	CIRCLE_BRANCH                        CircleCI
//	BITBUCKET_BRANCH                     Bitbucket Pipelines
//	CHANGE_BRANCH, BRANCH_NAME           Jenkins multibranch pipelines
//	GIT_BRANCH                           Jenkins git plugin ("origin/" removed)
//	SYSTEM_PULLREQUEST_SOURCEBRANCH      Azure Pipelines, pull requests
//	BUILD_SOURCEBRANCH                   Azure Pipelines, a refs/heads/ ref
//	TRAVIS_PULL_REQUEST_BRANCH           Travis CI, pull requests
//	TRAVIS_BRANCH                        Travis CI, unless TRAVIS_TAG is set
//	DRONE_SOURCE_BRANCH, DRONE_BRANCH    Drone
//	CODEBUILD_WEBHOOK_HEAD_REF           AWS CodeBuild, a refs/heads/ ref
//
// and, when no tag points at the commit, the tag from the first of
// GITHUB_REF_NAME (when GITHUB_REF_TYPE=tag), CI_COMMIT_TAG, BUILDKITE_TAG,
// CIRCLE_TAG, BITBUCKET_TAG, TAG_NAME (Jenkins), TRAVIS_TAG, DRONE_TAG and
// BUILD_SOURCEBRANCH (a refs/tags/ ref).
//
// Last, the CALIPER_GIT_* variables override everything when set and not
// empty: CALIPER_GIT_COMMIT (when the clone has that commit, its full hash,
// author, time and tag are recorded; otherwise the value as it is, with no
// author, time or tag),
// CALIPER_GIT_BRANCH, CALIPER_GIT_TAG, and CALIPER_GIT_DIRTY (a value other
// than 1/true/yes/on/0/false/no/off is ignored).
func Read(ctx context.Context, dir string, env map[string]string) Info {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	rev := "HEAD"
	override := env[EnvCommit]
	if override != "" {
		rev = ""
		if isHash(override) {
			rev = override
		}
	}
	status := make(chan string, 1)
	go func() {
		out, err := git(ctx, dir, "status", "--porcelain", "--untracked-files=no")
		if err != nil {
			out = ""
		}
		status <- out
	}()
	var info Info
	if rev != "" {
		if out, err := git(ctx, dir, "log", "-1", "--no-show-signature", "--decorate=short",
			"--format=%H%x00%D%x00%an%x00%ae%x00%cI", rev, "--"); err == nil {
			info = parseLog(out)
		}
	}
	if override != "" && info.Commit == "" {
		info.Commit = override // a commit this clone lacks
	}
	if info.Commit != "" {
		info.Dirty = <-status != ""
	}
	if info.Branch == "" {
		info.Branch = ciBranch(env)
	}
	if info.Tag == "" {
		info.Tag = ciTag(env)
	}
	if v := env[EnvBranch]; v != "" {
		info.Branch = v
	}
	if v := env[EnvTag]; v != "" {
		info.Tag = v
	}
	if v, ok := parseBool(env[EnvDirty]); ok {
		info.Dirty = v
	}
	return info
}

// parseLog reads the output of git log -1 --format=%H%x00%D%x00%an%x00%ae%x00%cI.
func parseLog(out string) Info {
	f := strings.Split(out, "\x00")
	if len(f) != 5 {
		return Info{}
	}
	info := Info{Commit: f[0]}
	var tags []string
	for _, d := range strings.Split(f[1], ", ") {
		if b, ok := strings.CutPrefix(d, "HEAD -> "); ok {
			info.Branch = strings.TrimPrefix(b, "refs/heads/")
		} else if t, ok := strings.CutPrefix(d, "tag: "); ok {
			tags = append(tags, strings.TrimPrefix(t, "refs/tags/"))
		}
	}
	if len(tags) > 0 {
		info.Tag = slices.MaxFunc(tags, compareVersions)
	}
	switch {
	case f[2] != "" && f[3] != "":
		info.Author = f[2] + " <" + f[3] + ">"
	case f[2] != "":
		info.Author = f[2]
	case f[3] != "":
		info.Author = "<" + f[3] + ">"
	}
	if t, err := time.Parse(time.RFC3339, f[4]); err == nil {
		info.CommitTime = t
	}
	return info
}

// ciBranch returns the branch that a CI system names in env, or "".
func ciBranch(env map[string]string) string {
	switch {
	case env["GITHUB_HEAD_REF"] != "":
		return env["GITHUB_HEAD_REF"]
	case env["GITHUB_REF_TYPE"] == "branch" && env["GITHUB_REF_NAME"] != "":
		return env["GITHUB_REF_NAME"]
	case env["CI_COMMIT_REF_NAME"] != "" && env["CI_COMMIT_TAG"] == "":
		return env["CI_COMMIT_REF_NAME"]
	case env["BUILDKITE_BRANCH"] != "" && env["BUILDKITE_TAG"] == "":
		return env["BUILDKITE_BRANCH"]
	}
	for _, name := range []string{"CIRCLE_BRANCH", "BITBUCKET_BRANCH", "CHANGE_BRANCH", "BRANCH_NAME"} {
		if v := env[name]; v != "" {
			return v
		}
	}
	if v := env["GIT_BRANCH"]; v != "" {
		return strings.TrimPrefix(v, "origin/")
	}
	if v := env["SYSTEM_PULLREQUEST_SOURCEBRANCH"]; v != "" {
		return strings.TrimPrefix(v, "refs/heads/")
	}
	if b, ok := strings.CutPrefix(env["BUILD_SOURCEBRANCH"], "refs/heads/"); ok && b != "" {
		return b
	}
	if v := env["TRAVIS_PULL_REQUEST_BRANCH"]; v != "" {
		return v
	}
	if v := env["TRAVIS_BRANCH"]; v != "" && env["TRAVIS_TAG"] == "" {
		return v
	}
	for _, name := range []string{"DRONE_SOURCE_BRANCH", "DRONE_BRANCH"} {
		if v := env[name]; v != "" {
			return v
		}
	}
	if b, ok := strings.CutPrefix(env["CODEBUILD_WEBHOOK_HEAD_REF"], "refs/heads/"); ok && b != "" {
		return b
	}
	return ""
}

// ciTag returns the tag that a CI system names in env, or "".
func ciTag(env map[string]string) string {
	if env["GITHUB_REF_TYPE"] == "tag" && env["GITHUB_REF_NAME"] != "" {
		return env["GITHUB_REF_NAME"]
	}
	for _, name := range []string{"CI_COMMIT_TAG", "BUILDKITE_TAG", "CIRCLE_TAG", "BITBUCKET_TAG", "TAG_NAME", "TRAVIS_TAG", "DRONE_TAG"} {
		if v := env[name]; v != "" {
			return v
		}
	}
	if t, ok := strings.CutPrefix(env["BUILD_SOURCEBRANCH"], "refs/tags/"); ok && t != "" {
		return t
	}
	return ""
}

// parseBool reads a yes/no environment value; ok is false for anything else.
func parseBool(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true, true
	case "0", "false", "no", "off":
		return false, true
	}
	return false, false
}

// isHash reports whether s looks like a full or abbreviated commit hash, the
// only kind of CALIPER_GIT_COMMIT value handed to git.
func isHash(s string) bool {
	if len(s) < 4 || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// compareVersions orders strings with their runs of digits compared as
// numbers: v1.9 < v1.10.
func compareVersions(a, b string) int {
	for a != "" && b != "" {
		if isDigit(a[0]) && isDigit(b[0]) {
			na, nb := digitRun(a), digitRun(b)
			ta, tb := strings.TrimLeft(a[:na], "0"), strings.TrimLeft(b[:nb], "0")
			if c := cmpInt(len(ta), len(tb)); c != 0 {
				return c
			}
			if c := strings.Compare(ta, tb); c != 0 {
				return c
			}
			a, b = a[na:], b[nb:]
			continue
		}
		if a[0] != b[0] {
			return cmpInt(int(a[0]), int(b[0]))
		}
		a, b = a[1:], b[1:]
	}
	return cmpInt(len(a), len(b))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func digitRun(s string) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// gitError is a git command that failed.
type gitError struct {
	args   []string
	code   int    // exit code; -1 when git did not run to its end
	stderr string // what git said, trimmed
	err    error
}

func (e *gitError) Error() string {
	msg := "git " + e.args[0] + ": " + e.err.Error()
	if e.stderr != "" {
		msg += ": " + firstLine(e.stderr)
	}
	return msg
}

func (e *gitError) Unwrap() error { return e.err }

// git runs git in dir and returns its standard output without the final line
// break.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"--no-pager", "-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "GIT_OPTIONAL_LOCKS=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		code := -1
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		return "", &gitError{args: args, code: code, stderr: strings.TrimSpace(stderr.String()), err: err}
	}
	return strings.TrimRight(stdout.String(), "\n"), nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimPrefix(s, "fatal: ")
}
