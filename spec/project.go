package spec

// Project returns the project that files in dir belong to, without looking
// at any eval: its root (the nearest directory at or above dir with
// caliper.yaml or .git; dir itself when there is none) and its validated
// caliper.yaml, nil when the root has none. Evals in dir get the same project.
func (v *Validator) Project(dir string) (root string, proj *Project, diags Diagnostics) {
	s := v.newSession()
	abs := v.abs(dir)
	root = s.projectRoot(abs)
	proj = s.projectFor(abs)
	s.diags.Sort()
	return root, proj, s.diags
}
