package report

import (
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/caliperhq/caliper/store"
)

// Run is one eval's run as a reporter sees it.
type Run struct {
	Eval       string
	Experiment string
	Summary    *Summary
	// Rows reads the run's rows in (case id, trial) order; each call reads
	// them again.
	Rows RowSource
	// Reduction turns the trials of a case into its scores and verdict.
	Reduction Reduction
	// Feedback is the human feedback given on the run's rows, oldest first.
	Feedback []store.Feedback
}

// Reporter is one output format: its name (--NAME FILE when Flag, and
// --report NAME=FILE) and how it writes the runs of a command.
type Reporter struct {
	Name  string
	Flag  bool   // has a flag of its own, --NAME FILE
	Usage string // the help of that flag
	Write func(w io.Writer, runs []Run) error
}

// Registry holds reporters by name. The zero value is empty and ready.
type Registry struct {
	mu sync.RWMutex
	m  map[string]Reporter
}

// Reporters is the registry the built-in formats register in.
var Reporters = &Registry{}

// Register adds a reporter; a second one of the same name panics, as it is
// a programming error.
func (r *Registry) Register(rep Reporter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]Reporter{}
	}
	if _, dup := r.m[rep.Name]; dup {
		panic("report: reporter " + rep.Name + " registered twice")
	}
	r.m[rep.Name] = rep
}

// Lookup returns the reporter called name.
func (r *Registry) Lookup(name string) (Reporter, error) {
	r.mu.RLock()
	rep, ok := r.m[name]
	r.mu.RUnlock()
	if !ok {
		return Reporter{}, fmt.Errorf("unknown report format %q: use one of %v", name, r.Names())
	}
	return rep, nil
}

// All returns the reporters sorted by name.
func (r *Registry) All() []Reporter {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Reporter, 0, len(r.m))
	for _, rep := range r.m {
		out = append(out, rep)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the reporters' names, sorted.
func (r *Registry) Names() []string {
	all := r.All()
	out := make([]string, len(all))
	for i, rep := range all {
		out[i] = rep.Name
	}
	return out
}

// Target is a report to write: a format and the file it goes to.
type Target struct {
	Reporter Reporter
	Path     string
}

// WriteTargets writes runs to every target through writeFile, which creates
// a file with what fill writes (atomically, as State.WriteFile does).
func WriteTargets(targets []Target, runs []Run, writeFile func(path string, fill func(io.Writer) error) error) error {
	for _, t := range targets {
		if err := writeFile(t.Path, func(w io.Writer) error { return t.Reporter.Write(w, runs) }); err != nil {
			return fmt.Errorf("the %s report: %w", t.Reporter.Name, err)
		}
	}
	return nil
}

// summaries returns the summaries of runs.
func summaries(runs []Run) []*Summary {
	out := make([]*Summary, len(runs))
	for i, r := range runs {
		out[i] = r.Summary
	}
	return out
}
