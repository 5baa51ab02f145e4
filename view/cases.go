package view

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caliperhq/caliper/store"
)

// Page sizes of the cases table.
const (
	defaultPerPage = 50
	maxPerPage     = 500
)

// casesQuery is the cases page's filters, sort order and page, from its URL.
type casesQuery struct {
	Filter string  // "", errored, regressed, improved
	Score  string  // with Below: only rows whose Score is below it
	Below  float64 // NaN when not filtering by score
	Text   string  // lower-case text to find in input, output or expected
	Sort   string  // case, score:NAME, metric:NAME, change
	Desc   bool
	Page   int // from 1
	Per    int
	Raw    map[string]string
}

func parseCasesQuery(r *http.Request) casesQuery {
	v := r.URL.Query()
	q := casesQuery{Filter: v.Get("filter"), Score: v.Get("score"), Below: math.NaN(), Text: v.Get("q"),
		Sort: v.Get("sort"), Desc: v.Get("dir") == "desc", Page: 1, Per: defaultPerPage, Raw: map[string]string{}}
	for _, k := range []string{"filter", "score", "below", "q", "sort", "dir", "per"} {
		q.Raw[k] = v.Get(k)
	}
	if b, err := strconv.ParseFloat(v.Get("below"), 64); err == nil && q.Score != "" {
		q.Below = b
	}
	if p, err := strconv.Atoi(v.Get("page")); err == nil && p > 0 {
		q.Page = p
	}
	if n, err := strconv.Atoi(v.Get("per")); err == nil && n > 0 {
		q.Per = min(n, maxPerPage)
	}
	return q
}

// URLWith is the cases page with this query changed by name, value pairs,
// from its first page.
func (q casesQuery) URLWith(expID string, kv ...string) string {
	return q.url(expID, append(kv, "page", "")...)
}

// url is the cases page with this query, changed by name, value pairs.
func (q casesQuery) url(expID string, kv ...string) string {
	m := map[string]string{}
	for k, v := range q.Raw {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	var pairs []string
	for _, k := range []string{"filter", "score", "below", "q", "sort", "dir", "per", "page"} {
		pairs = append(pairs, k, m[k])
	}
	return casesURL(expID, pairs...)
}

// column is a sortable column of the cases table: its header links to the
// table sorted by it, and again to the reverse order.
type column struct {
	Name  string
	URL   string
	Arrow string
}

func (q casesQuery) column(expID, name, key string) column {
	c := column{Name: name}
	on := q.Sort == key || key == "case" && q.Sort == ""
	dir := "desc"
	if key == "case" {
		dir = ""
	}
	if on {
		c.Arrow = "↑"
		if q.Desc {
			c.Arrow = "↓"
		}
		if q.Desc == (dir == "desc") {
			dir = map[string]string{"desc": "", "": "desc"}[dir]
		}
	}
	c.URL = q.url(expID, "sort", key, "dir", dir, "page", "")
	return c
}

// casesData is the cases page.
type casesData struct {
	Exp      *store.Experiment
	Base     *store.Experiment
	Query    casesQuery
	Scores   []column
	Metrics  []column // the metric columns shown
	CaseCol  column
	Change   column
	Sortable []string // every sort key
	Rows     []caseLine
	Total    int // rows matching the filters
	All      int // rows of the experiment
	Pages    int
	Prev     string
	Next     string
	Elapsed  time.Duration
}

// caseLine is one row of the cases table.
type caseLine struct {
	CaseID   string
	Trial    int
	Input    string
	Output   string
	Expected string
	Error    string
	Scores   []float64
	Metrics  []float64
	Change   float64 // the sum of the case's score changes against the base; NaN without one
}

// snippetCap is how many characters of each text the table shows.
const snippetCap = 120

func (s *Server) handleCases(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	e, ok := s.experiment(w, r, r.PathValue("id"))
	if !ok {
		return
	}
	ix, err := s.indexes.get(r.Context(), e)
	if err != nil {
		s.fail(w, err)
		return
	}
	q := parseCasesQuery(r)
	d := casesData{Exp: e, Query: q, All: len(ix.items), CaseCol: q.column(e.ID, "case", "case"), Change: q.column(e.ID, "change", "change")}
	for _, n := range ix.scores {
		d.Scores = append(d.Scores, q.column(e.ID, n, "score:"+n))
	}
	var changes map[string]caseChange
	if e.Base != "" {
		if b, err := s.db.Experiment(r.Context(), "", e.Base); err == nil {
			if bix, err := s.indexes.get(r.Context(), b); err == nil {
				d.Base = b
				changes = compareCases(ix, bix)
			}
		}
	}
	picked := filterRows(ix, q, changes)
	sortRows(ix, picked, q, changes)
	d.Total = len(picked)
	d.Pages = max(1, (d.Total+q.Per-1)/q.Per)
	pg := min(q.Page, d.Pages)
	if pg > 1 {
		d.Prev = q.url(e.ID, "page", strconv.Itoa(pg-1))
	}
	if pg < d.Pages {
		d.Next = q.url(e.ID, "page", strconv.Itoa(pg+1))
	}
	d.Query.Page = pg
	metricCols := shownMetrics(ix.metrics)
	for _, m := range metricCols {
		d.Metrics = append(d.Metrics, q.column(e.ID, ix.metrics[m], "metric:"+ix.metrics[m]))
	}
	for _, i := range picked[min((pg-1)*q.Per, len(picked)):min(pg*q.Per, len(picked))] {
		d.Rows = append(d.Rows, lineOf(ix, &ix.items[i], metricCols, changes))
	}
	d.Sortable = append(d.Sortable, "case")
	for _, n := range ix.scores {
		d.Sortable = append(d.Sortable, "score:"+n)
	}
	for _, n := range ix.metrics {
		d.Sortable = append(d.Sortable, "metric:"+n)
	}
	if changes != nil {
		d.Sortable = append(d.Sortable, "change")
	}
	d.Elapsed = time.Since(start).Round(10 * time.Microsecond)
	w.Header().Set("Server-Timing", "cases;dur="+strconv.FormatFloat(float64(d.Elapsed.Microseconds())/1000, 'f', 2, 64))
	s.render(w, "cases.html", page{Title: e.Name + " · cases", Live: e.Status == store.StatusRunning, State: stateOf(e), Data: d})
}

func lineOf(ix *index, it *item, metricCols []int, changes map[string]caseChange) caseLine {
	l := caseLine{CaseID: it.caseID, Trial: it.trial, Error: it.err, Change: math.NaN(),
		Input: cut(it.input, snippetCap), Output: cut(it.output, snippetCap), Expected: cut(it.expected, snippetCap)}
	for i := range ix.scores {
		l.Scores = append(l.Scores, it.score(i))
	}
	for _, m := range metricCols {
		l.Metrics = append(l.Metrics, it.metric(m))
	}
	if c, ok := changes[it.caseID]; ok {
		l.Change = c.sum
	}
	return l
}

// shownMetrics picks the metric columns: duration, tokens and cost first.
func shownMetrics(names []string) []int {
	var out []int
	for _, want := range []string{"duration", "tokens", "estimated_cost"} {
		if i := slices.Index(names, want); i >= 0 {
			out = append(out, i)
		}
	}
	for i := 0; len(out) < 3 && i < len(names); i++ {
		if !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	return out
}

// caseChange is how a case's scores moved against the base.
type caseChange struct {
	sum       float64 // the sum of the changes of the scores both sides have
	regressed bool    // some score dropped
	improved  bool    // some score rose
}

// changeEpsilon is the smallest change counted as one.
const changeEpsilon = 1e-9

// compareCases joins the cases of cur and base on id and compares the
// means of their trials' scores.
func compareCases(cur, base *index) map[string]caseChange {
	cm, bm := cur.caseMeans(), base.caseMeans()
	baseIdx := make([]int, len(cur.scores))
	for i, n := range cur.scores {
		baseIdx[i] = base.scoreIndex(n)
	}
	out := make(map[string]caseChange, len(cm))
	for id, a := range cm {
		b, ok := bm[id]
		if !ok {
			continue
		}
		var c caseChange
		for i, av := range a {
			if baseIdx[i] < 0 || baseIdx[i] >= len(b) || math.IsNaN(av) || math.IsNaN(b[baseIdx[i]]) {
				continue
			}
			d := av - b[baseIdx[i]]
			c.sum += d
			c.regressed = c.regressed || d < -changeEpsilon
			c.improved = c.improved || d > changeEpsilon
		}
		out[id] = c
	}
	return out
}

// filterRows returns the positions of the rows that pass the query's filters.
func filterRows(ix *index, q casesQuery, changes map[string]caseChange) []int {
	score := -1
	if !math.IsNaN(q.Below) {
		score = ix.scoreIndex(q.Score)
	}
	text := strings.ToLower(strings.TrimSpace(q.Text))
	out := make([]int, 0, len(ix.items))
	for i := range ix.items {
		it := &ix.items[i]
		switch q.Filter {
		case "errored":
			if it.err == "" {
				continue
			}
		case "regressed":
			if !changes[it.caseID].regressed {
				continue
			}
		case "improved":
			if !changes[it.caseID].improved {
				continue
			}
		}
		if !math.IsNaN(q.Below) {
			if v := it.score(score); math.IsNaN(v) || v >= q.Below {
				continue
			}
		}
		if text != "" && !strings.Contains(it.search, text) && !strings.Contains(strings.ToLower(it.caseID), text) {
			continue
		}
		out = append(out, i)
	}
	return out
}

// sortRows orders the picked rows by the query's key; rows without a value
// come last either way, and ties keep the store's (case, trial) order.
func sortRows(ix *index, picked []int, q casesQuery, changes map[string]caseChange) {
	var key func(it *item) float64
	switch {
	case strings.HasPrefix(q.Sort, "score:"):
		i := ix.scoreIndex(strings.TrimPrefix(q.Sort, "score:"))
		key = func(it *item) float64 { return it.score(i) }
	case strings.HasPrefix(q.Sort, "metric:"):
		i := ix.metricIndex(strings.TrimPrefix(q.Sort, "metric:"))
		key = func(it *item) float64 { return it.metric(i) }
	case q.Sort == "change":
		key = func(it *item) float64 {
			if c, ok := changes[it.caseID]; ok {
				return c.sum
			}
			return math.NaN()
		}
	default:
		if q.Desc {
			slices.Reverse(picked)
		}
		return
	}
	keys := make([]float64, len(ix.items))
	for _, p := range picked {
		keys[p] = key(&ix.items[p])
	}
	slices.SortStableFunc(picked, func(a, b int) int {
		ka, kb := keys[a], keys[b]
		switch na, nb := math.IsNaN(ka), math.IsNaN(kb); {
		case na && nb:
			return 0
		case na:
			return 1
		case nb:
			return -1
		}
		if q.Desc {
			ka, kb = kb, ka
		}
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
}
