package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGitSettings runs an eval in a real git repository under each
// git: {collect, fields} of caliper.yaml and reads back what the stored
// experiment records; an unknown field stops the run with its position and
// a "did you mean".
func TestGitSettings(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	for _, tt := range []struct {
		name, settings string
		want           []string // keys of the experiment's git record, and commit_message when recorded
		absent         []string
	}{
		{"default", "store: s.db\n", []string{`"commit"`, `"branch": "main"`, `"author"`, `"commit_message": "first"`}, nil},
		{"all", "git: {collect: all}\n", []string{`"commit"`, `"branch": "main"`, `"commit_message": "first"`}, nil},
		{"none", "git: {collect: none}\n", nil, []string{`"commit"`, `"branch"`, `"author"`, `"commit_message"`}},
		{"some", "git: {collect: some, fields: [branch, commit_message]}\n", []string{`"branch": "main"`, `"commit_message": "first"`}, []string{`"commit"`, `"author"`, `"commit_time"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "caliper.yaml"), tt.settings)
			writeFile(t, filepath.Join(dir, "e.eval.yaml"), "name: e\nexperiment: x\ndata: {inline: [{input: 1}]}\ntask: {expr: input}\nscorers: [{name: ok, expr: \"true\"}]\n")
			writeFile(t, filepath.Join(dir, ".gitignore"), "*.db*\n.caliper/\n")
			git(t, dir, "init", "-q")
			git(t, dir, "add", ".")
			git(t, dir, "commit", "-q", "-m", "first")
			db := filepath.Join(dir, "s.db")
			if code, out, errOut := run(t, dir, "run", "--store", db); code != ExitOK {
				t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
			}
			code, out, errOut := run(t, dir, "experiments", "show", "x", "--json", "--store", db)
			if code != ExitOK {
				t.Fatalf("show: exit %d\n%s", code, errOut)
			}
			var exp struct {
				Git           json.RawMessage `json:"git"`
				CommitMessage string          `json:"commit_message"`
			}
			if err := json.Unmarshal([]byte(out), &exp); err != nil {
				t.Fatalf("%v in\n%s", err, out)
			}
			rec := string(exp.Git) + ` "commit_message": "` + exp.CommitMessage + `"`
			if exp.CommitMessage == "" {
				rec = string(exp.Git)
			}
			rec = strings.ReplaceAll(rec, `":"`, `": "`)
			for _, w := range tt.want {
				if !strings.Contains(rec, w) {
					t.Errorf("recorded %s, want %s in it", rec, w)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(rec, a) {
					t.Errorf("recorded %s, want no %s", rec, a)
				}
			}
		})
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), "git:\n  collect: some\n  fields: [commit, brnch]\n")
	writeFile(t, filepath.Join(dir, "e.eval.yaml"), "name: e\ndata: {inline: [{input: 1}]}\ntask: {expr: input}\nscorers: [{name: ok, expr: \"true\"}]\n")
	code, _, errOut := run(t, dir, "run", "--store", filepath.Join(dir, "s.db"))
	if code != ExitInvalid || !strings.Contains(errOut, `caliper.yaml:3:20:`) || !strings.Contains(errOut, `did you mean "branch"?`) {
		t.Errorf("unknown field: exit %d\n%s", code, errOut)
	}
	writeFile(t, filepath.Join(dir, "caliper.yaml"), "git:\n  fields: [commit]\n")
	code, _, errOut = run(t, dir, "run", "--store", filepath.Join(dir, "s.db"))
	if code != ExitInvalid || !strings.Contains(errOut, `caliper.yaml:2:12: git.fields is read only with collect: some`) {
		t.Errorf("fields without some: exit %d\n%s", code, errOut)
	}
}
