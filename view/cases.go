package view

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caliperhq/caliper/report"
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
	q := parseCasesQuery(r)
	var d casesData
	var err error
	if rq, ok := s.db.(store.RowQuerier); ok && e.Rows > s.inlineRows && !needsBase(q) && !s.indexes.fresh(e) {
		// The first look at an experiment is served by the store's own
		// query; the index is read meanwhile, for what needs every row.
		s.indexes.warm(context.WithoutCancel(r.Context()), e)
		d, err = s.casesFromStore(r.Context(), rq, e, q)
	} else {
		d, err = s.casesFromIndex(r.Context(), e, q)
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	d.Elapsed = time.Since(start).Round(10 * time.Microsecond)
	w.Header().Set("Server-Timing", "cases;dur="+strconv.FormatFloat(float64(d.Elapsed.Microseconds())/1000, 'f', 2, 64))
	s.render(w, "cases.html", page{Title: e.Name + " · cases", Live: e.Status == store.StatusRunning, State: stateOf(e), Data: d})
}

// needsBase says whether a query needs the base's rows, which only the
// index joins.
func needsBase(q casesQuery) bool {
	return q.Filter == "regressed" || q.Filter == "improved" || q.Sort == "change"
}

// newCasesData starts the cases page with its columns.
func newCasesData(e *store.Experiment, q casesQuery, scores, metrics []string) casesData {
	d := casesData{Exp: e, Query: q, CaseCol: q.column(e.ID, "case", "case"), Change: q.column(e.ID, "change", "change")}
	d.Sortable = append(d.Sortable, "case")
	for _, n := range scores {
		d.Scores = append(d.Scores, q.column(e.ID, n, "score:"+n))
		d.Sortable = append(d.Sortable, "score:"+n)
	}
	for _, n := range metrics {
		d.Sortable = append(d.Sortable, "metric:"+n)
	}
	return d
}

// paginate sets the page links for total matching rows and returns the
// page shown, from 1.
func (d *casesData) paginate(total int) int {
	q := d.Query
	d.Total = total
	d.Pages = max(1, (total+q.Per-1)/q.Per)
	pg := min(q.Page, d.Pages)
	if pg > 1 {
		d.Prev = q.url(d.Exp.ID, "page", strconv.Itoa(pg-1))
	}
	if pg < d.Pages {
		d.Next = q.url(d.Exp.ID, "page", strconv.Itoa(pg+1))
	}
	d.Query.Page = pg
	return pg
}

// casesFromIndex filters and sorts the experiment's index, joined with its
// base's when it has one.
func (s *Server) casesFromIndex(ctx context.Context, e *store.Experiment, q casesQuery) (casesData, error) {
	ix, err := s.indexes.get(ctx, e)
	if err != nil {
		return casesData{}, err
	}
	d := newCasesData(e, q, ix.scores, ix.metrics)
	d.All = len(ix.items)
	var changes map[string]caseChange
	if e.Base != "" {
		if b, err := s.db.Experiment(ctx, "", e.Base); err == nil {
			if bix, err := s.indexes.get(ctx, b); err == nil {
				d.Base = b
				changes = compareCases(ix, bix)
				d.Sortable = append(d.Sortable, "change")
			}
		}
	}
	picked := filterRows(ix, q, changes)
	sortRows(ix, picked, q, changes)
	pg := d.paginate(len(picked))
	metricCols := shownMetrics(ix.metrics)
	for _, m := range metricCols {
		d.Metrics = append(d.Metrics, q.column(e.ID, ix.metrics[m], "metric:"+ix.metrics[m]))
	}
	for _, i := range picked[min((pg-1)*q.Per, len(picked)):min(pg*q.Per, len(picked))] {
		d.Rows = append(d.Rows, lineOf(ix, &ix.items[i], metricCols, changes))
	}
	return d, nil
}

// casesFromStore has the store filter, sort and page the rows; the
// columns are the scores and metrics of the stored summary and of the page.
func (s *Server) casesFromStore(ctx context.Context, rq store.RowQuerier, e *store.Experiment, q casesQuery) (casesData, error) {
	sq := store.RowQuery{Errored: q.Filter == "errored", Text: q.Text, Desc: q.Desc, Limit: q.Per}
	if !math.IsNaN(q.Below) {
		sq.Score, sq.Below = q.Score, &q.Below
	}
	sq.SortScore, _ = strings.CutPrefix(q.Sort, "score:")
	sq.SortMetric, _ = strings.CutPrefix(q.Sort, "metric:")
	if !strings.HasPrefix(q.Sort, "score:") {
		sq.SortScore = ""
	}
	if !strings.HasPrefix(q.Sort, "metric:") {
		sq.SortMetric = ""
	}
	// The page number is only known once the total is: ask for the page
	// asked for, and again for the last one when it is past the end.
	sq.Offset = (q.Page - 1) * q.Per
	rows, total, err := rq.QueryRows(ctx, e.ID, sq)
	if err != nil {
		return casesData{}, err
	}
	if len(rows) == 0 && total > 0 && q.Page > 1 {
		sq.Offset = (max(1, (total+q.Per-1)/q.Per) - 1) * q.Per
		if rows, total, err = rq.QueryRows(ctx, e.ID, sq); err != nil {
			return casesData{}, err
		}
	}
	scores, metrics := namesOf(e, rows)
	ix := &index{scores: scores, metrics: metrics}
	scoreIdx, metricIdx := indexOf(scores), indexOf(metrics)
	d := newCasesData(e, q, scores, metrics)
	d.All = e.Rows
	d.paginate(total)
	metricCols := shownMetrics(metrics)
	for _, m := range metricCols {
		d.Metrics = append(d.Metrics, q.column(e.ID, metrics[m], "metric:"+metrics[m]))
	}
	for i := range rows {
		r := &rows[i]
		it := item{caseID: r.CaseID, trial: r.Trial, err: r.Error, input: valueText(r.Input, textCap),
			expected: valueText(r.Expected, textCap), output: valueText(r.Output, textCap),
			scores: fill(r.Scores, scoreIdx, &ix.scores), metrics: fill(r.Metrics, metricIdx, &ix.metrics)}
		d.Rows = append(d.Rows, lineOf(ix, &it, metricCols, nil))
	}
	return d, nil
}

// namesOf are the score and metric names of an experiment's stored summary,
// then those of rows it does not name.
func namesOf(e *store.Experiment, rows []store.Row) (scores, metrics []string) {
	var sum report.Summary
	if len(e.Summary) > 0 && json.Unmarshal(e.Summary, &sum) == nil {
		for _, sc := range sum.Scores {
			scores = append(scores, sc.Name)
		}
		for _, m := range sum.Metrics {
			metrics = append(metrics, m.Name)
		}
	}
	for _, r := range rows {
		for _, n := range sortedKeys(boolKeys(r.Scores)) {
			if !slices.Contains(scores, n) {
				scores = append(scores, n)
			}
		}
		for _, n := range sortedKeys(boolKeys(r.Metrics)) {
			if !slices.Contains(metrics, n) {
				metrics = append(metrics, n)
			}
		}
	}
	return scores, metrics
}

func boolKeys(m map[string]float64) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func indexOf(names []string) map[string]int {
	m := make(map[string]int, len(names))
	for i, n := range names {
		m[n] = i
	}
	return m
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
