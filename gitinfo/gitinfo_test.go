package gitinfo

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(r *testRepo) // after one commit on main
		env   map[string]string
		want  func(r *testRepo, head string) Info
	}{
		{
			name: "clean",
			want: func(r *testRepo, head string) Info { return r.info(head, "main", "", false) },
		},
		{
			name:  "a modified tracked file makes it dirty",
			setup: func(r *testRepo) { r.write("file.txt", "changed") },
			want:  func(r *testRepo, head string) Info { return r.info(head, "main", "", true) },
		},
		{
			name:  "an untracked file does not",
			setup: func(r *testRepo) { r.write("new.txt", "new") },
			want:  func(r *testRepo, head string) Info { return r.info(head, "main", "", false) },
		},
		{
			name:  "a lightweight tag",
			setup: func(r *testRepo) { r.git("tag", "v1.0.0") },
			want:  func(r *testRepo, head string) Info { return r.info(head, "main", "v1.0.0", false) },
		},
		{
			name:  "an annotated tag",
			setup: func(r *testRepo) { r.git("tag", "-a", "-m", "release", "v2.0.0") },
			want:  func(r *testRepo, head string) Info { return r.info(head, "main", "v2.0.0", false) },
		},
		{
			name: "the highest of several tags in version order",
			setup: func(r *testRepo) {
				for _, tag := range []string{"v1.9", "v1.10", "v1.2", "nightly"} {
					r.git("tag", tag)
				}
			},
			want: func(r *testRepo, head string) Info { return r.info(head, "main", "v1.10", false) },
		},
		{
			name: "a tag of an older commit is not the tag",
			setup: func(r *testRepo) {
				r.git("tag", "v1")
				r.commit("second")
			},
			want: func(r *testRepo, head string) Info { return r.info(head, "main", "", false) },
		},
		{
			name:  "a detached HEAD has no branch",
			setup: func(r *testRepo) { r.git("checkout", "-q", "--detach") },
			want:  func(r *testRepo, head string) Info { return r.info(head, "", "", false) },
		},
		{
			name:  "decorations configured full",
			setup: func(r *testRepo) { r.git("config", "log.decorate", "full"); r.git("tag", "v3") },
			want:  func(r *testRepo, head string) Info { return r.info(head, "main", "v3", false) },
		},
		{
			name:  "CI variables name the branch of a detached HEAD",
			setup: func(r *testRepo) { r.git("checkout", "-q", "--detach") },
			env:   map[string]string{"GITHUB_HEAD_REF": "feature/x", "GITHUB_REF_NAME": "12/merge", "GITHUB_REF_TYPE": "branch"},
			want:  func(r *testRepo, head string) Info { return r.info(head, "feature/x", "", false) },
		},
		{
			name: "CI variables do not override a checked-out branch",
			env:  map[string]string{"GITHUB_HEAD_REF": "feature/x", "CI_COMMIT_TAG": "v9"},
			want: func(r *testRepo, head string) Info { return r.info(head, "main", "v9", false) },
		},
		{
			name: "CALIPER_GIT_* override git and CI",
			setup: func(r *testRepo) {
				r.git("tag", "v1")
				r.write("file.txt", "changed")
			},
			env: map[string]string{
				"CALIPER_GIT_BRANCH": "release", "CALIPER_GIT_TAG": "v7", "CALIPER_GIT_DIRTY": "no",
				"GITHUB_HEAD_REF": "feature/x",
			},
			want: func(r *testRepo, head string) Info { return r.info(head, "release", "v7", false) },
		},
		{
			name:  "CALIPER_GIT_DIRTY=1",
			env:   map[string]string{"CALIPER_GIT_DIRTY": "1"},
			want:  func(r *testRepo, head string) Info { return r.info(head, "main", "", true) },
			setup: func(r *testRepo) {},
		},
		{
			name:  "CALIPER_GIT_DIRTY that is not a boolean is ignored",
			env:   map[string]string{"CALIPER_GIT_DIRTY": "maybe"},
			want:  func(r *testRepo, head string) Info { return r.info(head, "main", "", false) },
			setup: func(r *testRepo) {},
		},
		{
			name: "an abbreviated CALIPER_GIT_COMMIT of a commit the clone has: its hash, author, time and tag",
			setup: func(r *testRepo) {
				r.git("tag", "v0")
				r.commit("second")
				r.env = map[string]string{"CALIPER_GIT_COMMIT": r.git("rev-parse", "--short=10", "HEAD~1")}
			},
			want: func(r *testRepo, head string) Info {
				first := r.git("rev-parse", "HEAD~1")
				info := r.info(first, "", "v0", false)
				info.CommitTime = epoch.Add(time.Second)
				return info
			},
		},
		{
			name: "CALIPER_GIT_COMMIT of a commit the clone lacks",
			env:  map[string]string{"CALIPER_GIT_COMMIT": "0123456789abcdef0123456789abcdef01234567", "CALIPER_GIT_BRANCH": "pr-1"},
			want: func(r *testRepo, head string) Info {
				return Info{Commit: "0123456789abcdef0123456789abcdef01234567", Branch: "pr-1"}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRepo(t)
			r.commit("first")
			if tt.setup != nil {
				tt.setup(r)
			}
			env := tt.env
			if r.env != nil {
				env = r.env
			}
			got := Read(context.Background(), r.dir, env)
			want := tt.want(r, r.git("rev-parse", "HEAD"))
			if !got.CommitTime.Equal(want.CommitTime) {
				t.Errorf("commit time %v, want %v", got.CommitTime, want.CommitTime)
			}
			got.CommitTime, want.CommitTime = time.Time{}, time.Time{}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

// info is what Read should say of commit head in r, made at the time of r's
// last commit.
func (r *testRepo) info(head, branch, tag string, dirty bool) Info {
	return Info{Commit: head, Branch: branch, Tag: tag, Dirty: dirty,
		Author: "Ann Author <ann@example.com>", CommitTime: epoch.Add(time.Duration(r.n) * time.Second)}
}

func TestReadOutsideARepository(t *testing.T) {
	t.Parallel()
	needGit(t)
	if got := Read(context.Background(), t.TempDir(), nil); got != (Info{}) {
		t.Errorf("outside a repository: %+v", got)
	}
	env := map[string]string{"CI_COMMIT_REF_NAME": "main", "CALIPER_GIT_COMMIT": "abc123"}
	want := Info{Commit: "abc123", Branch: "main"}
	if got := Read(context.Background(), t.TempDir(), env); got != want {
		t.Errorf("a copy without .git in CI: got %+v, want %+v", got, want)
	}
}

func TestReadCommitTimeZone(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.commit("first")
	got := Read(context.Background(), r.dir, nil).CommitTime
	if _, off := got.Zone(); off != 2*3600 || !got.Equal(epoch.Add(time.Second)) {
		t.Errorf("commit time %v: want %v in the commit's own zone", got, epoch.Add(time.Second))
	}
}

func TestCIVariables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env         map[string]string
		branch, tag string
	}{
		{map[string]string{"GITHUB_REF_NAME": "main", "GITHUB_REF_TYPE": "branch"}, "main", ""},
		{map[string]string{"GITHUB_REF_NAME": "v1.2", "GITHUB_REF_TYPE": "tag", "GITHUB_HEAD_REF": ""}, "", "v1.2"},
		{map[string]string{"CI_COMMIT_REF_NAME": "feature/y"}, "feature/y", ""},
		{map[string]string{"CI_COMMIT_REF_NAME": "v2", "CI_COMMIT_TAG": "v2"}, "", "v2"},
		{map[string]string{"BUILDKITE_BRANCH": "bk"}, "bk", ""},
		{map[string]string{"BUILDKITE_BRANCH": "v3", "BUILDKITE_TAG": "v3"}, "", "v3"},
		{map[string]string{"CIRCLE_BRANCH": "circle", "CIRCLE_TAG": ""}, "circle", ""},
		{map[string]string{"BITBUCKET_BRANCH": "bb"}, "bb", ""},
		{map[string]string{"CHANGE_BRANCH": "pr", "BRANCH_NAME": "PR-1"}, "pr", ""},
		{map[string]string{"GIT_BRANCH": "origin/jenkins", "TAG_NAME": "v4"}, "jenkins", "v4"},
		{map[string]string{"BUILD_SOURCEBRANCH": "refs/heads/az/x"}, "az/x", ""},
		{map[string]string{"BUILD_SOURCEBRANCH": "refs/tags/v5"}, "", "v5"},
		{map[string]string{"BUILD_SOURCEBRANCH": "refs/pull/1/merge", "SYSTEM_PULLREQUEST_SOURCEBRANCH": "refs/heads/az-pr"}, "az-pr", ""},
		{map[string]string{"TRAVIS_BRANCH": "v6", "TRAVIS_TAG": "v6"}, "", "v6"},
		{map[string]string{"TRAVIS_BRANCH": "main", "TRAVIS_PULL_REQUEST_BRANCH": "tr"}, "tr", ""},
		{map[string]string{"DRONE_BRANCH": "main", "DRONE_SOURCE_BRANCH": "dr"}, "dr", ""},
		{map[string]string{"CODEBUILD_WEBHOOK_HEAD_REF": "refs/heads/cb"}, "cb", ""},
		{map[string]string{}, "", ""},
	}
	for _, tt := range tests {
		if b, tag := ciBranch(tt.env), ciTag(tt.env); b != tt.branch || tag != tt.tag {
			t.Errorf("%v: branch %q tag %q, want %q %q", tt.env, b, tag, tt.branch, tt.tag)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"v1.9", "v1.10", -1}, {"v1.10", "v1.9", 1}, {"v1.01", "v1.1", 0}, {"v2", "v10", -1},
		{"a", "b", -1}, {"v1", "v1.0", -1}, {"", "", 0}, {"release-2", "release-10", -1},
	}
	for _, tt := range tests {
		if got := compareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestInfoJSONAndVars(t *testing.T) {
	t.Parallel()
	ct := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	info := Info{Commit: "0123456789abcdef", Branch: "main", Tag: "v1", Author: "A <a@x>", CommitTime: ct}
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"commit":"0123456789abcdef","branch":"main","tag":"v1","author":"A \u003ca@x\u003e","commit_time":"2024-01-02T03:04:05Z"}`
	if string(b) != want {
		t.Errorf("json %s\nwant %s", b, want)
	}
	if b, _ := json.Marshal(Info{}); string(b) != "{}" {
		t.Errorf("empty info: %s", b)
	}
	v := info.Vars()
	if v["short_commit"] != "0123456" || v["branch"] != "main" || v["commit_time"] != "2024-01-02T03:04:05Z" || v["dirty"] != false {
		t.Errorf("vars %v", v)
	}
}
