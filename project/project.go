// Package project finds the Caliper project a command works in, from the
// paths it was given and without validating any eval: the project's root, its
// caliper.yaml and the store its experiments live in.
package project

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// StoreEnv is the environment variable that names the store when --store
// does not.
const StoreEnv = "CALIPER_STORE"

// Project is one project: a directory tree with an optional caliper.yaml at
// its root.
type Project struct {
	// Root is the directory of caliper.yaml, else of the repository (.git),
	// else the directory searched from.
	Root string
	// Spec is the validated caliper.yaml; nil when there is none.
	Spec *spec.Project
}

// Find returns the project of dir, walking up from it to the nearest
// caliper.yaml or repository root. Only caliper.yaml is read, so an eval
// with a problem cannot hide it; a caliper.yaml with a problem is an error
// (exit code 2) that lists them.
func Find(v *spec.Validator, dir string) (*Project, error) {
	root, proj, diags := v.Project(dir)
	if len(diags) > 0 {
		return nil, exitcode.With(exitcode.Invalid, fmt.Errorf("%w\nfix caliper.yaml and run again (caliper validate checks it)", diags))
	}
	return &Project{Root: root, Spec: proj}, nil
}

// Of returns the project a validated eval belongs to.
func Of(v *spec.Validator, ev *spec.Eval) *Project {
	if ev.Project != nil {
		return &Project{Root: ev.Project.Dir, Spec: ev.Project}
	}
	root, _, _ := v.Project(filepath.Dir(ev.File))
	return &Project{Root: root}
}

// File is the path of caliper.yaml, or "" when the project has none.
func (p *Project) File() string {
	if p.Spec == nil {
		return ""
	}
	return p.Spec.File
}

// StoreDSN is the store the project's commands use: override (--store, else
// $CALIPER_STORE; a path relative to wd), else store: of caliper.yaml
// (relative to caliper.yaml), else .caliper/caliper.db at the root.
func (p *Project) StoreDSN(override, wd string) string {
	switch {
	case override != "":
		return resolve(override, wd)
	case p.Spec != nil && p.Spec.Store != "":
		return resolve(p.Spec.Store, p.Spec.Dir)
	}
	return filepath.Join(p.Root, filepath.FromSlash(store.DefaultPath))
}

// resolve makes the path of a SQLite DSN (a plain path, sqlite:PATH or
// file:PATH) absolute against dir; other DSNs go to their backend as they are.
func resolve(dsn, dir string) string {
	scheme := store.Scheme(dsn)
	switch scheme {
	case "":
		if filepath.IsAbs(dsn) {
			return dsn
		}
		return filepath.Join(dir, dsn)
	case "sqlite", "file":
		p := strings.TrimPrefix(dsn[len(scheme)+1:], "//")
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		return scheme + ":" + p
	}
	return dsn
}
