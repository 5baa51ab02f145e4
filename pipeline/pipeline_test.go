package pipeline

import (
	"context"
	"fmt"
	_ "github.com/caliperhq/caliper/store/sqlite" // the store the tests run against
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// loadEval writes an eval (and extra files) into a temporary directory and loads it.
func loadEval(t *testing.T, eval string, files map[string]string) *spec.Eval {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	return loadEvalIn(t, dir, eval)
}

// loadEvalIn writes an eval into dir and loads it.
func loadEvalIn(t testing.TB, dir, eval string) *spec.Eval {
	t.Helper()
	writeFiles(t, dir, map[string]string{"x.eval.yaml": eval})
	ev, diags := spec.NewValidator(spec.OSFS{}, dir, scorers.Default()).LoadEval("x.eval.yaml")
	if len(diags) > 0 {
		t.Fatalf("eval does not validate:\n%v", diags)
	}
	return ev
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func testdataPath(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed: the exec tests need it")
	}
}

// runEval compiles and runs ev as an experiment in a fresh store, returning the
// outcome and every stored row.
func runEval(t *testing.T, ctx context.Context, ev *spec.Eval, opts Options) (*Outcome, []*store.Row) {
	t.Helper()
	p, err := Compile(ev, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	out, err := p.RunExperiment(ctx, ExperimentOptions{Store: db, Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var rows []*store.Row
	if err := db.Rows(context.Background(), out.Experiment.ID, func(r *store.Row) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	got, err := db.Experiment(context.Background(), ev.Name, out.Experiment.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != out.Summary.Status {
		t.Errorf("stored status %q, summary status %q", got.Status, out.Summary.Status)
	}
	return out, rows
}

func score(t *testing.T, s *report.Summary, name string) report.ScoreSummary {
	t.Helper()
	sc, ok := s.Score(name)
	if !ok {
		t.Fatalf("no score %q in %+v", name, s.Scores)
	}
	return sc
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestExprEvalEndToEnd(t *testing.T) {
	t.Parallel()
	ev := loadEval(t, `name: sums
data:
  inline:
    - {id: a, input: {x: 1, y: 2}, expected: 3}
    - {id: b, input: {x: 2, y: 2}, expected: 4}
    - {id: c, input: {x: 5, y: 5}, expected: 11}
    - {id: d, input: {x: 0, y: 0}, expected: 0}
task: {expr: input.x + input.y}
scorers:
  - {name: correct, expr: output == expected}
  - use: numeric_diff
  - use: exact_match
thresholds: {correct: 0.7}
gates: ["errors == 0", "scores.numeric_diff.mean > 0.99"]
`, map[string]string{})
	out, rows := runEval(t, context.Background(), ev, Options{})
	s := out.Summary
	if s.Status != store.StatusCompleted || s.Cases != 4 || s.Rows != 4 || s.Errors != 0 {
		t.Fatalf("summary %+v", s)
	}
	if got := score(t, s, "correct"); !near(got.Mean, 0.75) || got.Count != 4 {
		t.Errorf("correct = %+v, want mean 0.75 over 4", got)
	}
	// numeric_diff(10, 11) = 1 - 1/21; the three others are 1.
	if got := score(t, s, "numeric_diff"); !near(got.Mean, (3+1-1.0/21)/4) {
		t.Errorf("numeric_diff mean = %v", got.Mean)
	}
	if out.Passed {
		t.Error("the numeric_diff gate should fail")
	}
	var failed []string
	for _, c := range s.Failed() {
		failed = append(failed, c.Kind+" "+c.Name)
	}
	if strings.Join(failed, ";") != "gate scores.numeric_diff.mean > 0.99" {
		t.Errorf("failed checks %v", failed)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows stored, want 4", len(rows))
	}
	c := rows[2]
	if c.CaseID != "c" || string(c.Output) != "10" || string(c.Expected) != "11" || c.Scores["correct"] != 0 || c.Scores["exact_match"] != 0 {
		t.Errorf("row c = %+v", c)
	}
}

func TestTrialsAreRows(t *testing.T) {
	t.Parallel()
	ev := loadEval(t, `name: trials
data: {inline: [{input: 1}, {input: 2}]}
task: {expr: input * 10 + trial}
scorers: [{name: s, expr: "int(output) % 10 == trial"}]
trials: 3
`, map[string]string{})
	out, rows := runEval(t, context.Background(), ev, Options{})
	if out.Summary.Cases != 2 || out.Summary.Rows != 6 {
		t.Fatalf("cases %d rows %d, want 2 and 6", out.Summary.Cases, out.Summary.Rows)
	}
	trials := map[string][]int{}
	for _, r := range rows {
		trials[r.CaseID] = append(trials[r.CaseID], r.Trial)
		if r.Scores["s"] != 1 {
			t.Errorf("trial %d of %s did not see its trial index: %s", r.Trial, r.CaseID, r.Output)
		}
	}
	for id, ts := range trials {
		sort.Ints(ts)
		if len(ts) != 3 || ts[0] != 0 || ts[2] != 2 {
			t.Errorf("case %s has trials %v, want 0 1 2", id, ts)
		}
	}
	if out2, _ := runEval(t, context.Background(), ev, Options{Trials: 1}); out2.Summary.Rows != 2 {
		t.Errorf("--trials 1 ran %d rows", out2.Summary.Rows)
	}
}

func TestTimeoutAndErrorScore(t *testing.T) {
	t.Parallel()
	needPython(t)
	for _, policy := range []string{"zero", "skip"} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			ev := loadEval(t, `name: slow
data:
  inline:
    - {id: fast, input: {sleep: 0, value: ok}, expected: ok}
    - {id: slow, input: {sleep: 30, value: ok}, expected: ok}
task: {exec: {command: [python3, `+testdataPath(t, "sleepy.py")+`]}}
scorers: [{name: correct, expr: output == expected}]
timeout: 8s
error_score: `+policy+`
`, map[string]string{})
			start := time.Now()
			out, rows := runEval(t, context.Background(), ev, Options{})
			if took := time.Since(start); took > 25*time.Second {
				t.Errorf("the run took %v: the slow case was not cut at its timeout", took)
			}
			s := out.Summary
			if s.Errors != 1 || s.Rows != 2 {
				t.Fatalf("errors %d rows %d, want 1 and 2: %v", s.Errors, s.Rows, rowErrors(rows))
			}
			want := map[string]report.ScoreSummary{"zero": {Name: "correct", Mean: 0.5, Count: 2}, "skip": {Name: "correct", Mean: 1, Count: 1}}[policy]
			if got := score(t, s, "correct"); got != want {
				t.Errorf("correct = %+v, want %+v", got, want)
			}
			for _, r := range rows {
				if r.CaseID == "slow" && !strings.Contains(r.Error, "timed out") {
					t.Errorf("slow case error %q, want a timeout", r.Error)
				}
			}
		})
	}
}

func TestWorkerCrashIsAnErrorOnThatCase(t *testing.T) {
	t.Parallel()
	needPython(t)
	ev := loadEval(t, `name: crashy
data:
  inline: [{input: a, expected: A}, {input: crash, expected: CRASH}, {input: b, expected: B}, {input: c, expected: C}]
task: {exec: {command: [python3, `+testdataPath(t, "crashy_worker.py")+`], worker: true}}
scorers: [{use: exact_match}]
max_concurrency: 1
`, map[string]string{})
	out, rows := runEval(t, context.Background(), ev, Options{})
	if out.Summary.Errors != 1 || out.Summary.Rows != 4 {
		t.Fatalf("summary %+v", out.Summary)
	}
	for _, r := range rows {
		errored := r.Error != ""
		if errored != (string(r.Input) == `"crash"`) {
			t.Errorf("row %s: error %q", r.Input, r.Error)
		}
		if errored && !strings.Contains(r.Error, "boom") {
			t.Errorf("the crash error should carry the worker's stderr: %q", r.Error)
		}
	}
	if got := score(t, out.Summary, "exact_match"); !near(got.Mean, 0.75) {
		t.Errorf("exact_match mean %v, want 0.75 (the crashed case scores 0)", got.Mean)
	}
}

func TestScorerErrorsStayOnTheirScorer(t *testing.T) {
	t.Parallel()
	ev := loadEval(t, `name: bad-scorer
data: {inline: [{input: 1}, {input: 2}]}
task: {expr: input}
scorers:
  - {name: out_of_range, expr: "output * 0.75"}
  - {name: fine, expr: "true"}
  - {name: skipped, expr: "output == 1 ? nil : 1"}
`, map[string]string{})
	out, rows := runEval(t, context.Background(), ev, Options{})
	s := out.Summary
	if got := score(t, s, "out_of_range"); got.Errors != 1 || got.Count != 2 || !near(got.Mean, 0.375) {
		t.Errorf("out_of_range = %+v: want one error scored 0 and one 0.75", got)
	}
	if got := score(t, s, "fine"); got.Mean != 1 || got.Errors != 0 {
		t.Errorf("fine = %+v", got)
	}
	if got := score(t, s, "skipped"); got.Count != 1 {
		t.Errorf("skipped = %+v: a nil score leaves the mean", got)
	}
	if s.Errors != 0 {
		t.Errorf("a scorer error is not a task error: errors = %d", s.Errors)
	}
	var errs map[string]string
	for _, r := range rows {
		if r.CaseID != "" && len(r.ScorerErrors) > 0 {
			errs = r.ScorerErrors
		}
	}
	if msg := errs["out_of_range"]; !strings.Contains(msg, "1.5") {
		t.Errorf("the scorer error is kept in the row's scorer errors: %v", errs)
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	t.Parallel()
	var inFlight, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
		w.Write([]byte(`"ok"`))
	}))
	defer srv.Close()
	var inline []string
	for i := range 60 {
		inline = append(inline, fmt.Sprintf("{input: x%d}", i)) // distinct inputs, distinct case ids
	}
	ev := loadEval(t, `name: bounded
data: {inline: [`+strings.Join(inline, ", ")+`]}
task: {http: {url: "`+srv.URL+`"}}
scorers: [{name: ok, expr: output == "ok"}]
max_concurrency: 5
`, map[string]string{})
	out, _ := runEval(t, context.Background(), ev, Options{})
	if got := score(t, out.Summary, "ok"); got.Mean != 1 || got.Count != 60 {
		t.Fatalf("ok = %+v", got)
	}
	if p := peak.Load(); p > 5 || p < 2 {
		t.Errorf("peak of %d requests in flight, want at most max_concurrency 5 (and some concurrency)", p)
	}
}

// countingSink cancels the run after n results.
type countingSink struct {
	mu     sync.Mutex
	n      int
	after  int
	cancel func()
}

func (c *countingSink) Add(*Result) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	if c.n == c.after {
		c.cancel()
	}
	return nil
}

func TestCancelKeepsEveryFinishedRow(t *testing.T) {
	t.Parallel()
	var inline []string
	for i := range 2000 {
		inline = append(inline, fmt.Sprintf("{id: c%04d, input: 1}", i))
	}
	ev := loadEval(t, `name: cancel
data: {inline: [`+strings.Join(inline, ", ")+`]}
task: {expr: input}
scorers: [{name: one, expr: output == 1}]
max_concurrency: 4
`, map[string]string{})
	p, err := Compile(ev, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	sink := &countingSink{after: 100, cancel: cancel}
	out, err := p.RunExperiment(ctx, ExperimentOptions{Store: db, Name: "x", Progress: sink})
	if err != nil {
		t.Fatal(err)
	}
	if out.Summary.Status != store.StatusInterrupted {
		t.Fatalf("status %q, want interrupted", out.Summary.Status)
	}
	stored := 0
	if err := db.Rows(context.Background(), out.Experiment.ID, func(*store.Row) error { stored++; return nil }); err != nil {
		t.Fatal(err)
	}
	if stored != sink.n || stored != out.Summary.Rows || stored < 100 || stored >= 2000 {
		t.Errorf("stored %d rows, the sink saw %d and the summary %d: every finished row must be stored", stored, sink.n, out.Summary.Rows)
	}
	exp, _ := db.Experiment(context.Background(), "cancel", out.Experiment.ID)
	if exp.Status != store.StatusInterrupted {
		t.Errorf("stored status %q", exp.Status)
	}
}
