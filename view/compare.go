package view

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/store"
)

// compareData is the page comparing experiment A with experiment B, its base.
type compareData struct {
	A, B     *store.Experiment
	Choices  []store.Experiment // the eval's experiments, for the pickers
	Summary  *report.Summary
	Scores   []scoreLine
	Kind     string // the cases shown: "", regressed, improved, changed
	Counts   map[string]int
	Cases    []comparedCase
	Total    int
	Page     int
	Pages    int
	Prev     string
	Next     string
	ScoreSet []string
}

// comparedCase is one case on both sides (or on one only).
type comparedCase struct {
	ID      string
	Kind    string // regressed, improved, same, only-a, only-b
	Scores  []scoreChange
	Change  float64
	OutputA string
	OutputB string
	ErrorA  string
	ErrorB  string
	Diff    []diffOp // B's output against A's
}

type scoreChange struct {
	Name          string
	Before, After float64 // NaN when absent
	Diff          float64
}

const comparePerPage = 50

func (s *Server) handleCompare(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a, ok := s.experiment(w, r, q.Get("a"))
	if !ok {
		return
	}
	d := compareData{A: a, Kind: q.Get("kind"), Counts: map[string]int{}}
	bRef := q.Get("b")
	if bRef == "" {
		bRef = a.Base
	}
	exps, err := s.db.Experiments(r.Context(), store.ListOptions{Eval: a.Eval})
	if err != nil {
		s.fail(w, err)
		return
	}
	d.Choices = exps
	if bRef == "" {
		s.render(w, "compare.html", page{Title: "Compare " + a.Name, Data: d})
		return
	}
	if d.B, ok = s.experiment(w, r, bRef); !ok {
		return
	}
	ax, err := s.indexes.get(r.Context(), a)
	if err != nil {
		s.fail(w, err)
		return
	}
	bx, err := s.indexes.get(r.Context(), d.B)
	if err != nil {
		s.fail(w, err)
		return
	}
	if d.Summary, err = s.comparison(r.Context(), a, d.B, ax, bx); err != nil {
		s.fail(w, err)
		return
	}
	d.Scores, _ = scoreLines(d.Summary)
	d.ScoreSet = ax.scores
	all := compareAll(ax, bx)
	for _, c := range all {
		d.Counts[c.Kind]++
	}
	shown := slices.DeleteFunc(all, func(c comparedCase) bool {
		switch d.Kind {
		case "regressed", "improved":
			return c.Kind != d.Kind
		case "changed":
			return c.Kind == "same"
		}
		return false
	})
	d.Total = len(shown)
	d.Pages = max(1, (d.Total+comparePerPage-1)/comparePerPage)
	d.Page = 1
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 0 {
		d.Page = min(p, d.Pages)
	}
	link := func(p int) string {
		return "/compare?a=" + urlQuery(a.ID) + "&b=" + urlQuery(d.B.ID) + "&kind=" + urlQuery(d.Kind) + "&page=" + strconv.Itoa(p)
	}
	if d.Page > 1 {
		d.Prev = link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.Next = link(d.Page + 1)
	}
	d.Cases = shown[min((d.Page-1)*comparePerPage, len(shown)):min(d.Page*comparePerPage, len(shown))]
	for i := range d.Cases {
		c := &d.Cases[i]
		if c.ErrorA == "" && c.ErrorB == "" && c.Kind != "only-a" && c.Kind != "only-b" {
			c.Diff = diffText(c.OutputB, c.OutputA)
		}
	}
	s.render(w, "compare.html", page{Title: a.Name + " against " + d.B.Name, Data: d})
}

// comparison is a's stored summary when it was compared with b, else a
// comparison computed from the two indexes.
func (s *Server) comparison(ctx context.Context, a, b *store.Experiment, ax, bx *index) (*report.Summary, error) {
	if a.Base == b.ID {
		if sum, err := s.summary(ctx, a, ax, b); err == nil && sum.Comparison != nil {
			return sum, nil
		}
	}
	return report.Compare(ax.rowSource(), bx.rowSource(), report.CompareOptions{
		SummaryOptions: report.SummaryOptions{Eval: a.Eval, Experiment: a.Name, Status: a.Status}, Base: b.Name})
}

// compareAll joins the cases of a and b: regressed first, the largest drop
// first, then improved, then the same, then cases of one side only.
func compareAll(a, b *index) []comparedCase {
	changes := compareCases(a, b)
	am, bm := a.caseMeans(), b.caseMeans()
	af, bf := a.firstRows(), b.firstRows()
	var out []comparedCase
	for id, ai := range af {
		it := &a.items[ai]
		c := comparedCase{ID: id, OutputA: it.output, ErrorA: it.err, Kind: "only-a", Change: math.NaN()}
		if bi, ok := bf[id]; ok {
			bt := &b.items[bi]
			c.OutputB, c.ErrorB = bt.output, bt.err
			ch := changes[id]
			c.Change = ch.sum
			switch {
			case ch.regressed:
				c.Kind = "regressed"
			case ch.improved:
				c.Kind = "improved"
			default:
				c.Kind = "same"
			}
		}
		for si, name := range a.scores {
			sc := scoreChange{Name: name, After: am[id][si], Before: math.NaN()}
			if bs := b.scoreIndex(name); bs >= 0 && bm[id] != nil && bs < len(bm[id]) {
				sc.Before = bm[id][bs]
			}
			sc.Diff = sc.After - sc.Before
			c.Scores = append(c.Scores, sc)
		}
		out = append(out, c)
	}
	for id, bi := range bf {
		if _, ok := af[id]; !ok {
			bt := &b.items[bi]
			out = append(out, comparedCase{ID: id, Kind: "only-b", OutputB: bt.output, ErrorB: bt.err, Change: math.NaN()})
		}
	}
	rank := map[string]int{"regressed": 0, "improved": 1, "same": 2, "only-a": 3, "only-b": 4}
	slices.SortFunc(out, func(x, y comparedCase) int {
		if rank[x.Kind] != rank[y.Kind] {
			return rank[x.Kind] - rank[y.Kind]
		}
		switch x.Kind {
		case "regressed":
			if x.Change != y.Change {
				return cmpFloat(x.Change, y.Change)
			}
		case "improved":
			if x.Change != y.Change {
				return cmpFloat(y.Change, x.Change)
			}
		}
		return cmpString(x.ID, y.ID)
	})
	return out
}

// firstRows maps each case id to the position of its first row.
func (ix *index) firstRows() map[string]int {
	m := make(map[string]int, ix.cases)
	for i := range ix.items {
		if _, ok := m[ix.items[i].caseID]; !ok {
			m[ix.items[i].caseID] = i
		}
	}
	return m
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
