package view

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/caliperhq/caliper/store"
)

// textCap is how many characters of each of a row's input, expected and
// output the index keeps for the cases table, its text search and the
// compare page; the case page always reads the full values.
const textCap = 500

// indexCacheSize is how many experiments' indexes the server keeps.
const indexCacheSize = 4

// index is what the experiment, cases and compare pages need of every row of
// an experiment, read once from the store and kept while the experiment
// does not change: scores, metrics and errors by row, and the start of each
// text. Sorting and filtering 100,000 rows in memory takes milliseconds,
// where streaming them from the store again would take most of a second.
type index struct {
	rows    int
	updated time.Time
	scores  []string // score names, in order of first appearance
	metrics []string
	items   []item
	cases   int

	meansOnce sync.Once
	means     map[string][]float64 // per case: the mean of each score over its trials
}

// item is one row of an experiment in the index.
type item struct {
	caseID   string
	trial    int
	scores   []float64 // by index.scores; NaN when absent
	metrics  []float64 // by index.metrics; NaN when absent
	err      string
	input    string
	expected string
	output   string
	search   string // lower-case input, output and expected, for text search
}

func (it *item) score(i int) float64 {
	if i < 0 || i >= len(it.scores) {
		return math.NaN()
	}
	return it.scores[i]
}

func (it *item) metric(i int) float64 {
	if i < 0 || i >= len(it.metrics) {
		return math.NaN()
	}
	return it.metrics[i]
}

// buildIndex reads every row of experiment e.
func buildIndex(ctx context.Context, db store.Store, e *store.Experiment) (*index, error) {
	ix := &index{updated: e.Updated, items: make([]item, 0, e.Rows)}
	scoreIdx, metricIdx := map[string]int{}, map[string]int{}
	last := ""
	err := db.Rows(ctx, e.ID, func(r *store.Row) error {
		it := item{caseID: r.CaseID, trial: r.Trial, err: r.Error,
			input: valueText(r.Input, textCap), expected: valueText(r.Expected, textCap), output: valueText(r.Output, textCap)}
		it.scores = fill(r.Scores, scoreIdx, &ix.scores)
		it.metrics = fill(r.Metrics, metricIdx, &ix.metrics)
		it.search = strings.ToLower(it.input + "\x00" + it.output + "\x00" + it.expected)
		if len(ix.items) == 0 || r.CaseID != last {
			ix.cases++
			last = r.CaseID
		}
		ix.items = append(ix.items, it)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the rows of experiment %s: %w", e.Name, err)
	}
	ix.rows = len(ix.items)
	return ix, nil
}

// fill places the values of m by their index in names, adding new names.
func fill(m map[string]float64, idx map[string]int, names *[]string) []float64 {
	if len(m) == 0 {
		return nil
	}
	for name := range m {
		if _, ok := idx[name]; !ok {
			idx[name] = len(*names)
			*names = append(*names, name)
		}
	}
	out := make([]float64, len(*names))
	for i := range out {
		out[i] = math.NaN()
	}
	for name, v := range m {
		out[idx[name]] = v
	}
	return out
}

// scoreIndex returns the position of a score name, or -1.
func (ix *index) scoreIndex(name string) int {
	for i, n := range ix.scores {
		if n == name {
			return i
		}
	}
	return -1
}

func (ix *index) metricIndex(name string) int {
	for i, n := range ix.metrics {
		if n == name {
			return i
		}
	}
	return -1
}

// caseMeans returns, per case id, each score's mean over the case's trials
// (NaN when no trial has it), by ix.scores.
func (ix *index) caseMeans() map[string][]float64 {
	ix.meansOnce.Do(func() {
		ix.means = make(map[string][]float64, ix.cases)
		for start := 0; start < len(ix.items); {
			end := start + 1
			for end < len(ix.items) && ix.items[end].caseID == ix.items[start].caseID {
				end++
			}
			means := make([]float64, len(ix.scores))
			for s := range ix.scores {
				sum, n := 0.0, 0
				for i := start; i < end; i++ {
					if v := ix.items[i].score(s); !math.IsNaN(v) {
						sum += v
						n++
					}
				}
				means[s] = math.NaN()
				if n > 0 {
					means[s] = sum / float64(n)
				}
			}
			ix.means[ix.items[start].caseID] = means
			start = end
		}
	})
	return ix.means
}

// errorGroup is one error message and the rows that failed with it.
type errorGroup struct {
	Message string
	Count   int
	Cases   []string // the first few case ids
}

// errorGroups groups the rows' task errors by message, most frequent first.
func (ix *index) errorGroups(maxCases int) []errorGroup {
	byMsg := map[string]*errorGroup{}
	var order []*errorGroup
	for i := range ix.items {
		it := &ix.items[i]
		if it.err == "" {
			continue
		}
		g := byMsg[it.err]
		if g == nil {
			g = &errorGroup{Message: it.err}
			byMsg[it.err] = g
			order = append(order, g)
		}
		g.Count++
		if len(g.Cases) < maxCases && (len(g.Cases) == 0 || g.Cases[len(g.Cases)-1] != it.caseID) {
			g.Cases = append(g.Cases, it.caseID)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return order[a].Count > order[b].Count })
	out := make([]errorGroup, len(order))
	for i, g := range order {
		out[i] = *g
	}
	return out
}

// valueText is the text of a JSON value: a string as itself, anything else
// as its JSON, cut to at most max characters.
func valueText(raw json.RawMessage, max int) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	text := string(raw)
	if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		text = s
	}
	return cut(text, max)
}

// cut shortens s to at most max characters, marking the cut with an ellipsis.
func cut(s string, max int) string {
	if len(s) <= max || utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// indexCache keeps the indexes of the experiments looked at last.
type indexCache struct {
	// reading, when not nil, holds back background reads until it is
	// closed (for measurements).
	reading chan struct{}
	db      store.Store
	size    int
	mu      sync.Mutex
	entries map[string]*indexEntry
}

type indexEntry struct {
	mu    sync.Mutex
	ix    *index
	used  time.Time
	built time.Time     // when ix was read
	took  time.Duration // how long reading it took
}

// staleFactor bounds the reading of a running experiment's rows: its index
// is read again only when the last read is older than this many times what
// it took, so a live page costs at most a fifth of a core however big the
// experiment.
const staleFactor = 5

func newIndexCache(db store.Store, size int) *indexCache {
	return &indexCache{db: db, size: size, entries: map[string]*indexEntry{}}
}

// get returns the index of e, reading it again when rows were added or the
// experiment changed since it was read.
func (c *indexCache) get(ctx context.Context, e *store.Experiment) (*index, error) {
	c.mu.Lock()
	en := c.entries[e.ID]
	if en == nil {
		en = &indexEntry{used: time.Now()}
		c.entries[e.ID] = en
		c.evict()
	}
	en.used = time.Now()
	c.mu.Unlock()

	en.mu.Lock()
	defer en.mu.Unlock()
	if en.ix != nil && en.ix.rows == e.Rows && en.ix.updated.Equal(e.Updated) {
		return en.ix, nil
	}
	if en.ix != nil && e.Status == store.StatusRunning && time.Since(en.built) < staleFactor*en.took {
		return en.ix, nil
	}
	start := time.Now()
	ix, err := buildIndex(ctx, c.db, e)
	if err != nil {
		return nil, err
	}
	en.ix, en.built, en.took = ix, time.Now(), time.Since(start)
	return ix, nil
}

// warm reads the index of e in the background.
func (c *indexCache) warm(ctx context.Context, e *store.Experiment) {
	go func() {
		if c.reading != nil {
			<-c.reading
		}
		c.get(ctx, e) //nolint:errcheck // logged when a page needs it
	}()
}

// fresh says whether the index of e is read and up to date, without
// waiting for one being read.
func (c *indexCache) fresh(e *store.Experiment) bool {
	c.mu.Lock()
	en := c.entries[e.ID]
	c.mu.Unlock()
	if en == nil || !en.mu.TryLock() {
		return false
	}
	defer en.mu.Unlock()
	return en.ix != nil && en.ix.rows == e.Rows && en.ix.updated.Equal(e.Updated)
}

// evict drops the least recently used entries beyond the cache's size.
func (c *indexCache) evict() {
	for len(c.entries) > c.size {
		oldest := ""
		var t time.Time
		for id, en := range c.entries {
			if oldest == "" || en.used.Before(t) {
				oldest, t = id, en.used
			}
		}
		delete(c.entries, oldest)
	}
}
