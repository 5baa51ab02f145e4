package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// W2 is the latency-bound workload of the throughput issue: w2Cases prompt
// cases, each answered after w2Latency, at w2Concurrency.
const (
	w2Cases       = 5000
	w2Latency     = 50 * time.Millisecond
	w2Concurrency = 64
)

// TestLLMThroughput is the performance check, run by hand (or by
// scripts/bench-llm.sh, which runs the built binary):
//
//	CALIPER_PERF=1 [CALIPER_BIN=bin/caliper] go test ./cmd/caliper -run TestLLMThroughput -v
//
// 5,000 prompt cases at max_concurrency 64 against a local OpenAI-compatible
// server that answers after 50 ms: ideally N·L/C = 5000 × 50 ms / 64 = 3.9 s.
// Then the same with one request in ten refused at once with a 429
// (Retry-After: 0), as a provider does: every case must still be scored. With
// CALIPER_BIN the run is that binary in its own process, so its start, the
// validation and the store are timed too; without it, the run is in this
// process. It logs the time, its ratio to the ideal, and where the rest went
// (before the first request, between the requests, after the last answer); it
// asserts no timing, only that nothing is lost.
func TestLLMThroughput(t *testing.T) {
	if os.Getenv("CALIPER_PERF") == "" {
		t.Skip("set CALIPER_PERF=1 to measure the LLM throughput")
	}
	floor, floorCPU, floorStalls := w2Floor(t)
	t.Logf("W2 floor: a plain net/http client in its own process, %d requests at %d in flight: %v from the first request to the last answer; %.0fµs of CPU a request; %s",
		w2Cases, w2Concurrency, floor.Round(time.Millisecond), float64(floorCPU.Microseconds())/w2Cases, floorStalls)
	for _, rejectEvery := range []int64{0, 10} {
		s := &w2Server{rejectEvery: rejectEvery}
		srv := httptest.NewServer(s)
		dir := t.TempDir()
		var rows strings.Builder
		for i := range w2Cases {
			fmt.Fprintf(&rows, `{"id": "c%d", "input": "q%d", "expected": "ok"}`+"\n", i, i)
		}
		writeFile(t, filepath.Join(dir, "cases.jsonl"), rows.String())
		writeFile(t, filepath.Join(dir, "caliper.yaml"), fmt.Sprintf("store: s.db\nproviders:\n  local: {type: openai, base_url: %q}\n", srv.URL+"/v1"))
		writeFile(t, filepath.Join(dir, "load.eval.yaml"), fmt.Sprintf(`name: load
data: {file: cases.jsonl}
task:
  prompt:
    model: local/m
    messages: [{role: user, content: "{{input}}"}]
scorers: [{name: ok, expr: output == expected}]
max_concurrency: %d
gates: ["errors == 0", "scores.ok.count == %d"]
`, w2Concurrency, w2Cases))
		start := time.Now()
		code, out, errOut, cpu := runW2(t, dir)
		took := time.Since(start)
		srv.Close()
		if code != ExitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		ideal := w2Cases * w2Latency / w2Concurrency
		first, last := time.Unix(0, s.first.Load()), time.Unix(0, s.last.Load())
		t.Logf("W2 429 every %d: %v for %d cases, ideal N·L/C %v, ratio %.3f; %d requests, %d refused",
			rejectEvery, took.Round(time.Millisecond), w2Cases, ideal, took.Seconds()/ideal.Seconds(), s.requests.Load(), s.refused.Load())
		t.Logf("W2 429 every %d: %v before the first request, %v from it to the last answer, %v after; %.1f answers in flight on average (of %d)",
			rejectEvery, first.Sub(start).Round(time.Millisecond), last.Sub(first).Round(time.Millisecond), start.Add(took).Sub(last).Round(time.Millisecond),
			float64(s.busy.Load())/float64(last.Sub(first)), w2Concurrency)
		t.Logf("W2 429 every %d: %s", rejectEvery, s.stalls())
		// The server's answers still end a little late (w2Sleep), which no
		// client can make up: the ratio at the latency the answers actually
		// had says what is left to caliper.
		latency := time.Duration(s.answered.Load() / max(s.requests.Load()-s.refused.Load(), 1))
		t.Logf("W2 429 every %d: the server's answers took %v on average, not %v: at that latency the ideal is %v, ratio %.3f",
			rejectEvery, latency.Round(10*time.Microsecond), w2Latency, (w2Cases * latency / w2Concurrency).Round(time.Millisecond),
			took.Seconds()/(w2Cases*latency/w2Concurrency).Seconds())
		if cpu > 0 {
			// The process's CPU time, which its share of the 2 cores bounds.
			t.Logf("W2 429 every %d: caliper used %v of CPU, %.0fµs a request", rejectEvery, cpu.Round(time.Millisecond),
				float64(cpu.Microseconds())/float64(s.requests.Load()))
		}
	}
}

// w2Floor sends the W2 requests to a W2 server from a plain net/http client
// in a process of its own, as caliper is (TestW2FloorClient: no SDK, pipeline
// or store), and returns the time from the first request to the last answer
// as the server saw them: what this machine allows, against which caliper's
// time between them is judged; the client's CPU time; and its stalls.
func w2Floor(t *testing.T) (time.Duration, time.Duration, string) {
	t.Helper()
	s := &w2Server{}
	srv := httptest.NewServer(s)
	defer srv.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestW2FloorClient$")
	cmd.Env = append(os.Environ(), "CALIPER_W2_FLOOR_URL="+srv.URL)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the floor client: %v\n%s", err, out)
	}
	return time.Duration(s.last.Load() - s.first.Load()), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), s.stalls()
}

// TestW2FloorClient is the client of w2Floor, run in its own process: the
// W2 requests, w2Concurrency at a time, to CALIPER_W2_FLOOR_URL.
func TestW2FloorClient(t *testing.T) {
	url := os.Getenv("CALIPER_W2_FLOOR_URL")
	if url == "" {
		t.Skip("the client process of TestLLMThroughput's floor")
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: w2Concurrency}}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range w2Concurrency {
		wg.Go(func() {
			for next.Add(1) <= w2Cases {
				res, err := hc.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"q"}]}`))
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
			}
		})
	}
	wg.Wait()
}

// runW2 runs the eval in dir: the binary CALIPER_BIN names, in a process of
// its own, or this package's command in this process. It returns the exit
// code, stdout and stderr, and the process's CPU time (0 in this process).
func runW2(t *testing.T, dir string) (int, string, string, time.Duration) {
	t.Helper()
	bin := os.Getenv("CALIPER_BIN")
	if bin == "" {
		code, out, errOut := run(t, dir, "run", "--no-cache")
		return code, out, errOut, 0
	}
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, "run", "--no-cache")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String(), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// w2Server answers chat completions after w2Latency, refusing every
// rejectEvery-th request at once with a 429, and records when the first
// request came, when the last answer went and how long answers were pending.
type w2Server struct {
	rejectEvery       int64
	requests, refused atomic.Int64
	first, last, busy atomic.Int64 // unix ns, unix ns, ns summed over the answers
	answered          atomic.Int64 // ns summed over the answers that were not refused

	mu     sync.Mutex
	events []w2Event // each request's begin and end
}

// w2Event is a request's begin (+1 in flight) or end (-1).
type w2Event struct {
	at    time.Time
	delta int
}

func (s *w2Server) event(at time.Time, delta int) {
	s.mu.Lock()
	s.events = append(s.events, w2Event{at, delta})
	s.mu.Unlock()
}

// stalls says how the requests in flight at the server were spread over the
// time from the first request to the last answer: the share of it with fewer
// than w2Concurrency-8 in flight, and the longest such stretch. A client that
// only loses its CPU time per call seldom falls that low; a stall of the
// process, or of the machine, does.
func (s *w2Server) stalls() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	slices.SortFunc(s.events, func(a, b w2Event) int { return a.at.Compare(b.at) })
	var low, longest, stretch time.Duration
	inFlight := 0
	for i, e := range s.events {
		inFlight += e.delta
		if i+1 == len(s.events) {
			break
		}
		if d := s.events[i+1].at.Sub(e.at); inFlight < w2Concurrency-8 {
			low += d
			stretch += d
			longest = max(longest, stretch)
		} else {
			stretch = 0
		}
	}
	total := s.events[len(s.events)-1].at.Sub(s.events[0].at)
	return fmt.Sprintf("fewer than %d in flight %.1f%% of the time, at most %v at a stretch", w2Concurrency-8,
		100*low.Seconds()/total.Seconds(), longest.Round(100*time.Microsecond))
}

func (s *w2Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	begin := time.Now()
	s.first.CompareAndSwap(0, begin.UnixNano())
	s.event(begin, 1)
	defer func() {
		end := time.Now()
		s.busy.Add(int64(end.Sub(begin)))
		s.last.Store(end.UnixNano())
		s.event(end, -1)
	}()
	if i := s.requests.Add(1); s.rejectEvery > 0 && i%s.rejectEvery == 0 {
		s.refused.Add(1)
		w.Header().Set("Retry-After", "0")
		http.Error(w, `{"error": {"message": "rate limited"}}`, http.StatusTooManyRequests)
		return
	}
	w2Sleep(w2Latency)
	w.Header().Set("Content-Type", "application/json")
	w.Write(w2Answer) //nolint:errcheck // the client reports a cut answer
	s.answered.Add(int64(time.Since(begin)))
}

// w2Answer is the chat completion the W2 server sends, encoded once: the
// server shares the 2 cores with caliper, and a provider's encoding of its
// answers is no part of the time caliper is judged by.
var w2Answer, _ = json.Marshal(map[string]any{"id": "x", "object": "chat.completion", "model": "m",
	"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": "ok"}, "finish_reason": "stop"}},
	"usage":   map[string]any{"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}})
