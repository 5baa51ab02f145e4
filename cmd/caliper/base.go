package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/caliperhq/caliper/baseline"
	"github.com/caliperhq/caliper/gitinfo"
	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// resolveBase finds what an eval's run is compared with: --base, else the eval's
// base. It returns nil, with a warning on stderr, when `auto` finds nothing.
func resolveBase(ctx context.Context, st *State, db store.Store, ev *spec.Eval, flag string) (*pipeline.Base, error) {
	ref := ev.Base
	if flag != "" {
		ref = flag
		if path, ok := strings.CutPrefix(flag, "file:"); ok {
			ref = "file:" + resolvePath(st, path)
		}
	}
	switch {
	case ref == "":
		return nil, nil
	case ref == "auto":
		return autoBase(ctx, st, db, ev)
	case strings.HasPrefix(ref, "file:"):
		return fileBase(ev, strings.TrimPrefix(ref, "file:"))
	}
	e, err := db.Experiment(ctx, ev.Name, ref)
	if err != nil {
		return nil, fmt.Errorf("base %q: %w: name an experiment of %s (caliper experiments list), auto, or file:PATH", ref, err, ev.Name)
	}
	return &pipeline.Base{Name: e.Name, ID: e.ID, Rows: report.StoreRows(ctx, db, e.ID)}, nil
}

// autoBase is the newest completed experiment of the eval on the merge-base of
// HEAD with the default branch, or on its nearest first-parent ancestor.
func autoBase(ctx context.Context, st *State, db store.Store, ev *spec.Eval) (*pipeline.Base, error) {
	commits, err := gitinfo.BaseCommits(ctx, filepath.Dir(ev.File), st.Env, 0)
	if err != nil {
		fmt.Fprintf(st.Stderr, "warning: %s: base auto: %v; running without a base\n", ev.Name, err)
		return nil, nil
	}
	e, err := db.LatestCompleted(ctx, ev.Name, commits)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(st.Stderr, "warning: %s: base auto: no completed experiment of %s on the merge-base with the default branch or its ancestors; running without a base\n", ev.Name, ev.Name)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("base auto: %w", err)
	}
	return &pipeline.Base{Name: e.Name, ID: e.ID, Rows: report.StoreRows(ctx, db, e.ID)}, nil
}

func fileBase(ev *spec.Eval, path string) (*pipeline.Base, error) {
	f, err := baseline.Load(path)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	if f.Header.Eval != ev.Name {
		return nil, fmt.Errorf("base: %s is a baseline of eval %q, not %q: save one of this eval with caliper baseline save", path, f.Header.Eval, ev.Name)
	}
	return &pipeline.Base{Name: "file:" + filepath.Base(path) + " (" + f.Header.Experiment + ")", Rows: f.Rows}, nil
}
