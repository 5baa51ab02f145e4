package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/caliperhq/caliper/gitinfo"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// autoBase finds the base of base: auto among the completed experiments of
// the eval at the merge-base of HEAD with the default branch and its
// first-parent ancestors (see chooseBase).
func autoBase(ctx context.Context, db store.Store, ev *spec.Eval, params json.RawMessage, o BaseOptions) (*Base, error) {
	warn := o.Warn
	if warn == nil {
		warn = func(string) {}
	}
	h, err := gitinfo.BaseHistory(ctx, filepath.Dir(ev.File), o.Env, 0)
	if err != nil {
		warn(fmt.Sprintf("%s: base auto: %v; running without a base", ev.Name, err))
		return nil, nil
	}
	exps, err := db.Experiments(ctx, store.ListOptions{Eval: ev.Name})
	if err != nil {
		return nil, fmt.Errorf("base auto: %w", err)
	}
	e, reason := chooseBase(exps, h, ev, params)
	if e == nil {
		warn(fmt.Sprintf("%s: base auto: no completed experiment of %s on the merge-base with %s or its ancestors; running without a base", ev.Name, ev.Name, h.Branch))
		return nil, nil
	}
	return &Base{Name: e.Name, ID: e.ID, Reason: reason, Rows: report.StoreRows(ctx, db, e.ID)}, nil
}

// Weights of what makes an experiment a trustworthy base, in order of
// importance: each outweighs all those after it together.
const (
	fitBranch = 8 // it ran on the default branch
	fitParams = 4 // with this run's parameters
	fitSpec   = 2 // with this version of the eval's files
	fitClean  = 1 // from a clean working tree
	fitAll    = fitBranch + fitParams + fitSpec + fitClean
)

// chooseBase picks the base among exps (newest first) and says why: of the
// completed experiments at h's commits, the one that fits best (see the fit
// weights), then the nearest to the merge-base, then the newest.
func chooseBase(exps []store.Experiment, h gitinfo.History, ev *spec.Eval, params json.RawMessage) (*store.Experiment, string) {
	pos := make(map[string]int, len(h.Commits))
	for i, c := range h.Commits {
		if _, dup := pos[c]; !dup {
			pos[c] = i
		}
	}
	var best *store.Experiment
	bestFit, bestPos := -1, 0
	for i := range exps {
		e := &exps[i]
		n, ok := pos[e.Git.Commit]
		if e.Status != store.StatusCompleted || e.Git.Commit == "" || !ok {
			continue
		}
		f := fitOf(e, h.Branch, ev, params)
		if f > bestFit || f == bestFit && n < bestPos {
			best, bestFit, bestPos = e, f, n
		}
	}
	if best == nil {
		return nil, ""
	}
	return best, baseReason(best, bestFit, bestPos, h.Branch)
}

func fitOf(e *store.Experiment, branch string, ev *spec.Eval, params json.RawMessage) int {
	f := 0
	if e.Git.Branch == branch {
		f += fitBranch
	}
	if sameParams(e.Parameters, params) {
		f += fitParams
	}
	if sameSpec(e.SpecHash, ev) {
		f += fitSpec
	}
	if !e.Git.Dirty {
		f += fitClean
	}
	return f
}

// baseReason says why e was chosen: where it ran and what differs.
func baseReason(e *store.Experiment, fit, n int, branch string) string {
	where := "the merge-base with " + branch
	if n > 0 {
		where = fmt.Sprintf("%d %s before the merge-base with %s", n, plural(n, "commit", "commits"), branch)
	}
	reason := fmt.Sprintf("%s ran at %s (%s) on %s", e.Name, shortCommit(e.Git.Commit), where, branchName(e.Git.Branch))
	if fit == fitAll {
		return reason + ", clean, with the same parameters and eval files: the best fit"
	}
	var differs []string
	if fit&fitBranch == 0 {
		differs = append(differs, "not on "+branch)
	}
	if fit&fitParams == 0 {
		differs = append(differs, "other parameters")
	}
	if fit&fitSpec == 0 {
		differs = append(differs, "other eval files")
	}
	if fit&fitClean == 0 {
		differs = append(differs, "a dirty working tree")
	}
	return fmt.Sprintf("%s; the best fit found, though with %s: the comparison may not be like for like", reason, strings.Join(differs, ", "))
}

func sameParams(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func branchName(b string) string {
	if b == "" {
		return "no branch"
	}
	return "branch " + b
}
