package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// countingSource yields n cases and counts how many were read.
type countingSource struct {
	n, read int
}

func (s *countingSource) Next() (datasets.Case, error) {
	if s.read == s.n {
		return datasets.Case{}, io.EOF
	}
	s.read++
	return datasets.Case{Case: spec.Case{ID: fmt.Sprintf("c%05d", s.read), Input: float64(s.read)}}, nil
}

// failingSink takes ok results, then fails every Add.
type failingSink struct {
	mu    sync.Mutex
	ok    int
	took  int
	tried int
}

var errSinkFull = errors.New("sink is full")

func (s *failingSink) Add(*Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tried++
	if s.took == s.ok {
		return errSinkFull
	}
	s.took++
	return nil
}

func TestSinkErrorStopsTheRun(t *testing.T) {
	t.Parallel()
	ev := loadEval(t, `name: sinkfail
data: {inline: [{input: 1}]}
task: {expr: input}
scorers: [{name: one, expr: "true"}]
max_concurrency: 4
`, nil)
	p, err := Compile(ev, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	src := &countingSource{n: 10_000}
	sink := &failingSink{ok: 10}
	st, err := p.Run(context.Background(), src, sink, RunOptions{})
	if !errors.Is(err, errSinkFull) {
		t.Fatalf("Run returned %v, want the sink's error", err)
	}
	if st.Rows != 10 || sink.took != 10 {
		t.Errorf("stats count %d rows and the sink took %d, want 10", st.Rows, sink.took)
	}
	// At most the failed result, the workers' cases and the queue's follow it.
	if limit := 10 + 1 + 2*p.Concurrency + 1; src.read > limit {
		t.Errorf("%d cases read after the sink failed at 11: a failing sink must stop issuing (at most %d)", src.read, limit)
	}
	if !st.Interrupted && st.Rows+st.Cancelled < src.read {
		t.Errorf("stats %+v: the cases not delivered must be counted as cancelled", st)
	}
}

// TestAbortDropsCancelledCalls aborts a run whose http calls block until
// cancelled: none of them reaches the sink, and the run is interrupted.
func TestAbortDropsCancelledCalls(t *testing.T) {
	t.Parallel()
	var started atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.RawQuery, "fast") {
			w.Write([]byte(`"ok"`))
			return
		}
		started.Add(1)
		<-r.Context().Done()
	}))
	defer srv.Close()
	ev := loadEval(t, `name: abort
data: {inline: [{input: 1}]}
task: {http: {url: "`+srv.URL+`?{{input}}", method: GET}}
scorers: [{name: one, expr: "true"}]
max_concurrency: 3
`, nil)
	p, err := Compile(ev, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	abort, cancel := context.WithCancel(context.Background())
	go func() {
		for started.Load() < 3 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	sink := &failingSink{ok: 1 << 30}
	st, err := p.Run(context.Background(), &countingSource{n: 20}, sink, RunOptions{Abort: abort})
	if err != nil {
		t.Fatal(err)
	}
	if sink.tried != 0 || st.Rows != 0 || !st.Interrupted || st.Cancelled == 0 {
		t.Errorf("after abort: the sink saw %d results, stats %+v; want none, interrupted, cancelled counted", sink.tried, st)
	}
}

func TestBoundedCall(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	stuck := func(context.Context) (int, error) { <-release; return 1, nil }
	aborted, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		timeout time.Duration
		call    func(context.Context) (int, error)
		want    int
		wantErr func(error) bool
	}{
		{"answers", context.Background(), time.Hour, func(context.Context) (int, error) { return 7, nil }, 7, func(err error) bool { return err == nil }},
		{"times out", context.Background(), 20 * time.Millisecond, stuck, 0, func(err error) bool {
			var te *functions.TimeoutError
			return errors.As(err, &te) && errors.Is(err, context.DeadlineExceeded)
		}},
		{"aborted", aborted, 0, stuck, 0, func(err error) bool { return errors.Is(err, context.Canceled) }},
		{"panics", context.Background(), 0, func(context.Context) (int, error) { panic("boom") }, 0, func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "internal error: boom")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := bounded(tt.ctx, tt.timeout, tt.call)
			if got != tt.want || !tt.wantErr(err) {
				t.Errorf("bounded = %d, %v", got, err)
			}
		})
	}
}

// TestInlineScorerOverrunIsATimeout gives a 200 ms timeout to a case whose
// middle scorer takes seconds of CPU: that scorer is a timeout error, the
// scorers around it still score, and the run does not wait for it. (20 ms
// was too little for the light calls around it on a loaded machine.)
func TestInlineScorerOverrunIsATimeout(t *testing.T) {
	t.Parallel()
	ev := loadEval(t, `name: overrun
data: {inline: [{id: a, input: 1}, {id: b, input: 2}, {id: c, input: 3}]}
task: {expr: 'repeat("a", 30000)'}
scorers:
  - {name: before, expr: "true"}
  - {name: heavy, use: levenshtein, with: {expected: 'repeat("b", 30000)'}}
  - {name: after, expr: "true"}
timeout: 200ms
max_concurrency: 2
`, nil)
	out, rows := runEval(t, context.Background(), ev, Options{})
	if len(rows) != 3 || out.Summary.Rows != 3 {
		t.Fatalf("%d rows stored, summary %d; want 3", len(rows), out.Summary.Rows)
	}
	for _, r := range rows {
		if r.Scores["before"] != 1 || r.Scores["after"] != 1 || !strings.Contains(fmt.Sprint(r.ScorerErrors), "timed out after 200ms") {
			t.Errorf("case %s: scores %v, scorer errors %v; want before and after 1 and heavy timed out", r.CaseID, r.Scores, r.ScorerErrors)
		}
	}
}

// TestInProcessTaskOverrunIsATimeout bounds an expression task by the timeout:
// 225 million steps of levenshtein never end within 100 ms (the expression
// helper, unlike the scorer, is not stopped when given up on, so it is not
// made heavier than that).
func TestInProcessTaskOverrunIsATimeout(t *testing.T) {
	t.Parallel()
	ev := loadEval(t, `name: overrun_task
data: {inline: [{id: a, input: 1}, {id: b, input: 2}]}
task: {expr: 'levenshtein(repeat("a", 15000), repeat("b", 15000))'}
scorers: [{name: ran, expr: "true"}]
timeout: 100ms
`, nil)
	_, rows := runEval(t, context.Background(), ev, Options{})
	if len(rows) != 2 {
		t.Fatalf("%d rows stored, want 2", len(rows))
	}
	for _, r := range rows {
		if r.Error != "timed out after 100ms" {
			t.Errorf("case %s: error %q, want the timeout", r.CaseID, r.Error)
		}
	}
}

// rowErrors lists the task errors of rows, for failure messages.
func rowErrors(rows []*store.Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.CaseID+": "+r.Error)
	}
	return out
}

// TestReusedCasesKeepTheirOwnAnswers runs many cases on two workers, some
// of whose inline scorers overrun the timeout and are taken over, and checks
// that every row holds its own case's answer, scores and metrics: a worker
// reuses a finished case's memory, never one a call given up on may still
// use. Under load any call may time out; none may give another case's data.
func TestReusedCasesKeepTheirOwnAnswers(t *testing.T) {
	t.Parallel()
	var data strings.Builder
	for i := range 40 {
		fmt.Fprintf(&data, `{"id": "c%d", "input": {"v": "v%d", "slow": %v}, "expected": "v%d"}`+"\n", i, i, i%8 == 3, i)
	}
	ev := loadEval(t, `name: reuse
data: {file: cases.jsonl}
task: {expr: 'input.slow ? repeat("a", 30000) : input.v'}
scorers:
  - {name: same, expr: output == expected}
  - {name: heavy, use: levenshtein, with: {expected: 'input.slow ? repeat("b", 30000) : output'}}
  - use: exact_match
timeout: 20ms
max_concurrency: 2
`, map[string]string{"cases.jsonl": data.String()})
	_, rows := runEval(t, context.Background(), ev, Options{})
	if len(rows) != 40 {
		t.Fatalf("%d rows stored, want 40", len(rows))
	}
	scored := 0
	for _, r := range rows {
		var i int
		if _, err := fmt.Sscanf(r.CaseID, "c%d", &i); err != nil {
			t.Fatal(err)
		}
		slow := i%8 == 3
		if want := fmt.Sprintf(`{"slow":%v,"v":"v%d"}`, slow, i); string(r.Input) != want {
			t.Errorf("case %s: input %s, want %s", r.CaseID, r.Input, want)
		}
		if len(r.Metrics) != 1 || r.Metrics["duration"] <= 0 {
			t.Errorf("case %s: metrics %v, want its duration alone", r.CaseID, r.Metrics)
		}
		if r.Error != "" {
			if r.Error != "timed out after 20ms" || r.Output != nil {
				t.Errorf("case %s: error %q, output %s; want a timeout, without output", r.CaseID, r.Error, r.Output)
			}
			continue
		}
		want, match := fmt.Sprintf(`"v%d"`, i), 1.0
		if slow {
			want, match = fmt.Sprintf("%q", strings.Repeat("a", 30000)), 0
		}
		if string(r.Output) != want {
			t.Errorf("case %s: output %.20s, want %.20s", r.CaseID, r.Output, want)
		}
		for _, name := range []string{"same", "exact_match"} {
			if msg, failed := r.ScorerErrors[name]; failed && msg != "timed out after 20ms" || !failed && r.Scores[name] != match {
				t.Errorf("case %s: %s %v, errors %v; want %v", r.CaseID, name, r.Scores, r.ScorerErrors, match)
			}
		}
		if slow && r.ScorerErrors["heavy"] != "timed out after 20ms" {
			t.Errorf("case %s: scores %v, errors %v; want heavy timed out", r.CaseID, r.Scores, r.ScorerErrors)
		}
		if !slow && len(r.ScorerErrors) == 0 {
			scored++
		}
	}
	if scored == 0 {
		t.Error("no fast case was scored")
	}
}
