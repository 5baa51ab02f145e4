package gitinfo

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestBaseCommits(t *testing.T) {
	t.Parallel()
	type names = []string // commit names of the history, resolved per test
	tests := []struct {
		name  string
		setup func(h *history)
		env   map[string]string
		limit int
		want  names
	}{
		{
			name: "feature branch starts at the merge-base, then first-parent ancestors",
			want: names{"m4", "m3", "m2", "m1"},
		},
		{
			name:  "limit",
			limit: 2,
			want:  names{"m4", "m3"},
		},
		{
			name:  "a dirty feature branch still starts at the merge-base",
			setup: func(h *history) { h.write("file.txt", "changed") },
			want:  names{"m4", "m3", "m2", "m1"},
		},
		{
			name:  "clean main starts at HEAD^",
			setup: func(h *history) { h.git("checkout", "-q", "main") },
			want:  names{"m4", "m3", "m2", "m1"},
		},
		{
			name: "dirty main starts at HEAD",
			setup: func(h *history) {
				h.git("checkout", "-q", "main")
				h.write("file.txt", "changed")
			},
			want: names{"m5", "m4", "m3", "m2", "m1"},
		},
		{
			name:  "CALIPER_GIT_DIRTY overrides git status",
			setup: func(h *history) { h.git("checkout", "-q", "main") },
			env:   map[string]string{"CALIPER_GIT_DIRTY": "true"},
			want:  names{"m5", "m4", "m3", "m2", "m1"},
		},
		{
			name:  "detached HEAD behind main, clean",
			setup: func(h *history) { h.git("checkout", "-q", "--detach", h.m3) },
			want:  names{"m2", "m1"},
		},
		{
			name: "only origin/main, as in a CI clone",
			setup: func(h *history) {
				h.git("update-ref", "refs/remotes/origin/main", h.m5)
				h.git("branch", "-q", "-D", "main")
			},
			want: names{"m4", "m3", "m2", "m1"},
		},
		{
			name: "a stale local main: origin/main is newer",
			setup: func(h *history) {
				h.git("update-ref", "refs/remotes/origin/main", h.m5)
				h.git("branch", "-q", "-f", "main", h.m2)
			},
			want: names{"m4", "m3", "m2", "m1"},
		},
		{
			name: "origin/HEAD points at master",
			setup: func(h *history) {
				h.git("branch", "-q", "master", h.s1) // a local master that is not the remote's
				h.git("update-ref", "refs/remotes/origin/master", h.m2)
				h.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/master")
			},
			want: names{"s1", "m2", "m1"}, // merge-base of f3 with master and origin/master: s1
		},
		{
			name: "origin/HEAD points at a branch not named main",
			setup: func(h *history) {
				h.git("update-ref", "refs/remotes/origin/trunk", h.m2)
				h.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
			},
			want: names{"m2", "m1"},
		},
		{
			name: "master when there is no main",
			setup: func(h *history) {
				h.git("branch", "-q", "-m", "main", "master")
			},
			want: names{"m4", "m3", "m2", "m1"},
		},
		{
			name: "main over master",
			setup: func(h *history) {
				h.git("branch", "-q", "master", h.m2)
			},
			want: names{"m4", "m3", "m2", "m1"},
		},
		{
			name: "CALIPER_BASE_BRANCH names a branch",
			env:  map[string]string{"CALIPER_BASE_BRANCH": "side"},
			want: names{"s1", "m2", "m1"},
		},
		{
			name:  "CALIPER_BASE_BRANCH names a revision",
			setup: func(h *history) { h.git("update-ref", "refs/remotes/upstream/main", h.m2) },
			env:   map[string]string{"CALIPER_BASE_BRANCH": "upstream/main"},
			want:  names{"m2", "m1"},
		},
		{
			name: "CALIPER_BASE_BRANCH is the current branch",
			env:  map[string]string{"CALIPER_BASE_BRANCH": "feature"},
			want: names{"f2", "f1", "m4", "m3", "m2", "m1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHistory(t)
			if tt.setup != nil {
				tt.setup(h)
			}
			got, err := BaseCommits(context.Background(), h.dir, tt.env, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if want := h.resolve(tt.want); !slices.Equal(got, want) {
				t.Errorf("got  %v\nwant %v (%v)", h.name(got), tt.want, want)
			}
		})
	}
}

func TestBaseCommitsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T) string // returns the directory
		env   map[string]string
		is    error
		says  []string
	}{
		{
			name:  "outside a repository",
			setup: func(t *testing.T) string { needGit(t); return t.TempDir() },
			is:    ErrNotRepository,
			says:  []string{"not a git repository", "set base to an experiment name"},
		},
		{
			name:  "no commits",
			setup: func(t *testing.T) string { return newRepo(t).dir },
			is:    ErrNoCommits,
			says:  []string{"no commits yet"},
		},
		{
			name: "no default branch",
			setup: func(t *testing.T) string {
				r := newRepo(t)
				r.git("checkout", "-q", "-b", "trunk")
				r.commit("t1")
				return r.dir
			},
			is:   ErrNoDefaultBranch,
			says: []string{"no main, master or develop branch", "set CALIPER_BASE_BRANCH"},
		},
		{
			name:  "CALIPER_BASE_BRANCH names nothing",
			setup: func(t *testing.T) string { return newHistory(t).dir },
			env:   map[string]string{"CALIPER_BASE_BRANCH": "nope"},
			is:    ErrNoDefaultBranch,
			says:  []string{`CALIPER_BASE_BRANCH="nope" names no branch`, "git fetch origin nope"},
		},
		{
			name:  "CALIPER_BASE_BRANCH is an option",
			setup: func(t *testing.T) string { return newHistory(t).dir },
			env:   map[string]string{"CALIPER_BASE_BRANCH": "--all"},
			is:    ErrNoDefaultBranch,
			says:  []string{"is not a branch name"},
		},
		{
			name: "unrelated histories",
			setup: func(t *testing.T) string {
				r := newRepo(t)
				r.commit("m1")
				r.git("checkout", "-q", "--orphan", "other")
				r.commit("o1")
				return r.dir
			},
			is:   ErrNoCommonAncestor,
			says: []string{"share no commit", "git fetch --unshallow"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := tt.setup(t)
			got, err := BaseCommits(context.Background(), dir, tt.env, 0)
			if !errors.Is(err, tt.is) {
				t.Fatalf("got %v, %v; want an error wrapping %q", got, err, tt.is)
			}
			for _, s := range tt.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("the error %q does not say %q", err, s)
				}
			}
		})
	}
}

func TestBaseCommitsRootCommit(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	root := r.commit("m1")
	got, err := BaseCommits(context.Background(), r.dir, nil, 0)
	if err != nil || len(got) != 0 {
		t.Errorf("a clean root commit on main: got %v, %v; want no commit", got, err)
	}
	r.write("file.txt", "changed")
	got, err = BaseCommits(context.Background(), r.dir, nil, 0)
	if err != nil || !slices.Equal(got, []string{root}) {
		t.Errorf("a dirty root commit on main: got %v, %v; want [%s]", got, err, root)
	}
}

// resolve maps commit names (m1, f2...) to hashes.
func (h *history) resolve(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = h.commits()[n]
	}
	return out
}

// name maps hashes back to commit names, for messages.
func (h *history) name(hashes []string) []string {
	out := make([]string, len(hashes))
	for i, c := range hashes {
		out[i] = c
		for n, hash := range h.commits() {
			if hash == c {
				out[i] = n
			}
		}
	}
	return out
}

func (h *history) commits() map[string]string {
	return map[string]string{"m1": h.m1, "m2": h.m2, "s1": h.s1, "m3": h.m3, "m4": h.m4,
		"f1": h.f1, "f2": h.f2, "f3": h.f3, "m5": h.m5}
}
