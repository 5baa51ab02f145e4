package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
)

func TestFeedbackFromTheCommandLine(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "s.db")
	code, out, errOut := run(t, repoRoot(t), "run", "examples/arithmetic", "--store", db)
	if code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	exp := regexp.MustCompile(`as experiment (\S+)`).FindStringSubmatch(out)
	if exp == nil {
		t.Fatalf("no experiment name in %q", out)
	}
	env := map[string]string{"USER": "ada"}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"scores and comment", []string{"add-01", "--score", "helpful=1", "--score", "clear=0.5", "--comment", "right, <b>terse</b>"}, ExitOK, "recorded helpful=1, a comment on add-01"},
		{"label alone", []string{"add-02", "--label", "wrong-tone", "--author", "Grace"}, ExitOK, `recorded label "wrong-tone" on add-02`},
		{"score out of range", []string{"add-01", "--score", "helpful=2"}, ExitInvalid, "V from 0 to 1"},
		{"score without name", []string{"add-01", "--score", "=1"}, ExitInvalid, "NAME=V"},
		{"nothing", []string{"add-01"}, ExitInvalid, "no feedback given"},
		{"no such case", []string{"nope", "--score", "helpful=1"}, ExitInvalid, `has no case "nope"`},
	}
	for _, tc := range tests {
		args := append([]string{"feedback", "--store", db, exp[1]}, tc.args...)
		code, out, errOut := runEnv(t, repoRoot(t), env, args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("%s: exit %d, want %d with %q\n%s%s", tc.name, code, tc.code, tc.want, out, errOut)
		}
	}
	code, out, errOut = runEnv(t, repoRoot(t), env, "feedback", "--store", db, exp[1])
	if code != ExitOK {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	var got []store.Feedback
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var f store.Feedback
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		got = append(got, f)
	}
	if len(got) != 3 {
		t.Fatalf("exported %d records, want 3:\n%s", len(got), out)
	}
	first := got[0]
	if first.CaseID != "add-01" || first.Name != "helpful" || first.Score == nil || *first.Score != 1 ||
		first.Comment != "right, <b>terse</b>" || first.Author == "" || first.Created.IsZero() {
		t.Errorf("first record: %+v", first)
	}
	if got[2].Name != "human" || got[2].Label != "wrong-tone" || got[2].Author != "Grace" || got[2].Score != nil {
		t.Errorf("label record: %+v", got[2])
	}
}

func TestViewRefusesABadAddress(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "s.db")
	if code, out, errOut := run(t, repoRoot(t), "run", "examples/arithmetic", "--store", db); code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := run(t, repoRoot(t), "view", "--store", db, "--addr", "7474")
	if code != ExitRun || !strings.Contains(errOut, "give --addr as HOST:PORT") {
		t.Errorf("view --addr 7474: exit %d\n%s%s", code, out, errOut)
	}
}
