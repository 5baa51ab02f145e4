package pipeline

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/gitinfo"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// TestChooseBase checks the order of what makes a base: the default branch,
// then the parameters, then the eval files, then a clean tree; then the
// commit nearest the merge-base; then the newest.
func TestChooseBase(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "x.eval.yaml")
	if err := os.WriteFile(file, []byte("name: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ev := &spec.Eval{Name: "x", File: file}
	hash := SpecHash(ev)
	params := json.RawMessage(`{"model":"a"}`)
	h := gitinfo.History{Branch: "main", Commits: []string{"c1", "c0"}}
	exp := func(name, commit, branch, p, specHash string, dirty bool) store.Experiment {
		return store.Experiment{Name: name, Status: store.StatusCompleted, Git: store.Git{Commit: commit, Branch: branch, Dirty: dirty},
			Parameters: json.RawMessage(p), SpecHash: specHash}
	}
	for _, tc := range []struct {
		name   string
		exps   []store.Experiment // newest first
		want   string
		reason string
	}{
		{"main's run over a newer feature run with other parameters", []store.Experiment{
			exp("feature-early", "c1", "feature", `{"model":"b"}`, hash, true),
			exp("main-ci", "c1", "main", `{"model":"a"}`, hash, false),
		}, "main-ci", "the best fit"},
		{"main's run with another eval file over a feature run with the same", []store.Experiment{
			exp("feature-early", "c1", "feature", `{"model":"b"}`, hash, true),
			exp("main-ci", "c1", "main", `{"model":"a"}`, "old", false),
		}, "main-ci", "other eval files"},
		{"an exact fit further back over a misfit at the merge-base", []store.Experiment{
			exp("main-other", "c1", "main", `{"model":"b"}`, hash, false),
			exp("main-old", "c0", "main", `{"model": "a"}`, hash, false),
		}, "main-old", "1 commit before the merge-base"},
		{"the nearest of equal fits, then the newest", []store.Experiment{
			exp("old", "c0", "main", `{"model":"a"}`, hash, false),
			exp("newer", "c1", "main", `{"model":"a"}`, hash, false),
			exp("older", "c1", "main", `{"model":"a"}`, hash, false),
		}, "newer", "the merge-base with main"},
		{"only a misfit", []store.Experiment{exp("feature", "c1", "feature", `{"model":"b"}`, hash, false)},
			"feature", "not on main, other parameters"},
		{"none at these commits", []store.Experiment{exp("elsewhere", "c9", "main", `{"model":"a"}`, hash, false)}, "", ""},
	} {
		exps := append(tc.exps, store.Experiment{Name: "unfinished", Status: store.StatusRunning, Git: store.Git{Commit: "c1", Branch: "main"}, Parameters: params})
		got, reason := chooseBase(exps, h, ev, params)
		name := ""
		if got != nil {
			name = got.Name
		}
		if name != tc.want || !strings.Contains(reason, tc.reason) {
			t.Errorf("%s: chose %q (%s), want %q (%q)", tc.name, name, reason, tc.want, tc.reason)
		}
	}
}
