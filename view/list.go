package view

import (
	"encoding/json"
	"math"
	"net/http"
	"sort"
	"strings"

	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/store"
)

// listData is the experiments page.
type listData struct {
	Evals    []string // every eval, for the filter
	Branches []string
	Eval     string
	Branch   string
	Query    string
	Groups   []evalGroup
	Shown    int
}

type evalGroup struct {
	Eval string
	Rows []listRow
}

// listRow is one experiment with its score means and their change against
// the base it was compared with.
type listRow struct {
	Exp    store.Experiment
	Base   string
	Scores []scoreCell
}

type scoreCell struct {
	Name        string
	Mean        float64
	Diff        float64 // NaN without a base
	Regressions int
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	exps, err := s.db.Experiments(r.Context(), store.ListOptions{})
	if err != nil {
		s.fail(w, err)
		return
	}
	q := r.URL.Query()
	d := listData{Eval: q.Get("eval"), Branch: q.Get("branch"), Query: strings.TrimSpace(q.Get("q"))}
	evals, branches := map[string]bool{}, map[string]bool{}
	byEval := map[string]*evalGroup{}
	for _, e := range exps {
		evals[e.Eval] = true
		if e.Git.Branch != "" {
			branches[e.Git.Branch] = true
		}
		if !d.matches(&e) {
			continue
		}
		g := byEval[e.Eval]
		if g == nil {
			g = &evalGroup{Eval: e.Eval}
			byEval[e.Eval] = g
			d.Groups = append(d.Groups, evalGroup{})
		}
		g.Rows = append(g.Rows, listRowOf(e))
		d.Shown++
	}
	// Experiments come newest first, so evals are in order of their newest.
	i := 0
	seen := map[string]bool{}
	for _, e := range exps {
		if g := byEval[e.Eval]; g != nil && !seen[e.Eval] {
			seen[e.Eval] = true
			d.Groups[i] = *g
			i++
		}
	}
	d.Evals, d.Branches = sortedKeys(evals), sortedKeys(branches)
	state, running := listState(exps)
	s.render(w, "list.html", page{Title: "Experiments", Data: d, Live: running, State: state, StateURL: "/state"})
}

func (d *listData) matches(e *store.Experiment) bool {
	if d.Eval != "" && e.Eval != d.Eval || d.Branch != "" && e.Git.Branch != d.Branch {
		return false
	}
	if d.Query == "" {
		return true
	}
	q := strings.ToLower(d.Query)
	for _, f := range []string{e.Name, e.ID, e.Eval, e.Git.Branch, e.Git.Commit, e.Git.Tag, e.Git.Author, e.Status} {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

func listRowOf(e store.Experiment) listRow {
	row := listRow{Exp: e}
	var sum report.Summary
	if len(e.Summary) == 0 || json.Unmarshal(e.Summary, &sum) != nil {
		return row
	}
	diffs := map[string]report.Delta{}
	if c := sum.Comparison; c != nil {
		row.Base = c.Base
		for _, d := range c.Scores {
			diffs[d.Name] = d
		}
	}
	for _, sc := range sum.Scores {
		cell := scoreCell{Name: sc.Name, Mean: sc.Mean, Diff: math.NaN()}
		if sc.Count == 0 {
			cell.Mean = math.NaN()
		}
		if d, ok := diffs[sc.Name]; ok && d.HasBase() && d.Paired > 0 {
			cell.Diff, cell.Regressions = d.Diff, d.Regressions
		}
		row.Scores = append(row.Scores, cell)
	}
	return row
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// listState is what the live list compares: every running experiment's
// id and row count, and how many experiments there are.
func listState(exps []store.Experiment) (string, bool) {
	var sb strings.Builder
	running := false
	for _, e := range exps {
		if e.Status == store.StatusRunning {
			running = true
			sb.WriteString(e.ID + "=" + itoa(e.Rows) + ";")
		}
	}
	return itoa(len(exps)) + ":" + sb.String(), running
}

// handleListState answers the live list's poll, in the shape the
// experiment's state has.
func (s *Server) handleListState(w http.ResponseWriter, r *http.Request) {
	exps, err := s.db.Experiments(r.Context(), store.ListOptions{})
	if err != nil {
		s.fail(w, err)
		return
	}
	state, _ := listState(exps)
	status, rows, _ := strings.Cut(state, ":")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{"status": status, "rows": rows}) //nolint:errcheck // the client went away
}
