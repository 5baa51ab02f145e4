package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/caliperhq/caliper/baseline"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// BaseOptions say how to find what a run is compared with.
type BaseOptions struct {
	// Ref overrides the eval's base: an experiment's name or id, auto, or
	// file:PATH with an absolute path; "" keeps the eval's base.
	Ref string
	// Env is the environment git runs with, for base: auto.
	Env map[string]string
	// Warn says why a run goes on without a base.
	Warn func(msg string)
	// Parameters are the run's parameters, encoded as experiments store
	// them (Pipeline.ParametersJSON): base auto prefers experiments that ran
	// with the same.
	Parameters json.RawMessage
}

// ResolveBase finds what ev's run is compared with: o.Ref, else the eval's
// base. It returns nil when there is none, and when auto finds none (after
// a warning).
func ResolveBase(ctx context.Context, db store.Store, ev *spec.Eval, o BaseOptions) (*Base, error) {
	ref := ev.Base
	if o.Ref != "" {
		ref = o.Ref
	}
	switch {
	case ref == "":
		return nil, nil
	case ref == "auto":
		return autoBase(ctx, db, ev, o.Parameters, o)
	case strings.HasPrefix(ref, "file:"):
		return fileBase(ev, strings.TrimPrefix(ref, "file:"))
	}
	e, err := db.Experiment(ctx, ev.Name, ref)
	if err != nil {
		return nil, fmt.Errorf("base %q: %w: name an experiment of %s (caliper experiments list), auto, or file:PATH", ref, err, ev.Name)
	}
	return &Base{Name: e.Name, ID: e.ID, Rows: report.StoreRows(ctx, db, e.ID)}, nil
}

func fileBase(ev *spec.Eval, path string) (*Base, error) {
	f, err := baseline.Load(path)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	if f.Header.Eval != ev.Name {
		return nil, fmt.Errorf("base: %s is a baseline of eval %q, not %q: save one of this eval with caliper baseline save", path, f.Header.Eval, ev.Name)
	}
	return &Base{Name: "file:" + filepath.Base(path) + " (" + f.Header.Experiment + ")", Rows: f.Rows}, nil
}
