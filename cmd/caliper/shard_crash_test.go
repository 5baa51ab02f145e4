package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/store"
)

// crashLastShard plays shard 2/2 of run runID of eval in the store at dsn up
// to its crash: it joins the experiment shard 1 made, stores a row for each
// of its cases (0..cases-1, ids c00000...), marks itself finished, which
// makes it the last shard, and dies before the summary is stored.
func crashLastShard(t *testing.T, dsn, eval, runID string, cases int) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := &store.Experiment{Eval: eval, Name: "unused"}
	if created, err := db.JoinRun(ctx, runID, e); err != nil || created {
		t.Fatalf("joining the run of shard 1: created %v, %v", created, err)
	}
	if err := db.StartShard(ctx, e.ID, store.Shard{Index: 2, Of: 2, Host: "crashed"}); err != nil {
		t.Fatal(err)
	}
	w := db.NewWriter(e.ID, store.WriterOptions{})
	n := 0
	for i := range cases {
		id := fmt.Sprintf("c%05d", i)
		if pipeline.ShardOf(id, 2) != 2 {
			continue
		}
		n++
		out, _ := json.Marshal(map[string]any{"n": 2 * i, "pad": ""})
		if err := w.Write(&store.Row{CaseID: id, Input: json.RawMessage(fmt.Sprint(i)), Expected: json.RawMessage(fmt.Sprint(2 * i)),
			Output: out, Scores: map[string]float64{"right": 1, "close": 1}, Metrics: map[string]float64{"duration": 0.001}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if last, err := db.FinishShard(ctx, e.ID, 2, store.ShardFinished, n); err != nil || !last {
		t.Fatalf("finishing shard 2: last %v, %v; want it last", last, err)
	}
}

// waitShardFinished waits until shard k of the only experiment of eval is
// finished.
func waitShardFinished(t *testing.T, dsn, eval string, k int, within time.Duration) {
	t.Helper()
	waitForExperiment(t, dsn, eval, within)
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		_, _, _, shards := shardExperiment(t, dsn, eval)
		for _, s := range shards {
			if s.Index == k && s.State == store.ShardFinished {
				return
			}
		}
	}
	t.Fatalf("shard %d of %s did not finish within %s", k, eval, within)
}

// TestLastShardCrashAfterFinishing: the last shard of a run crashes after
// marking itself finished and before it stores the summary. A shard waiting
// for the run (--wait) summarizes the experiment itself instead of waiting
// forever; without one, the experiment is left running until a --resume of
// any shard completes it.
func TestLastShardCrashAfterFinishing(t *testing.T) {
	needPython3(t)
	t.Parallel()
	dir := t.TempDir()
	bin := buildCaliper(t, dir)
	const cases = 40
	env := []string{"CALIPER_TEST_LOG=" + filepath.Join(dir, "calls.log")}
	checkCompleted := func(t *testing.T, dsn, eval string) {
		t.Helper()
		e, sum, rows, shards := shardExperiment(t, dsn, eval)
		if e.Status != store.StatusCompleted || sum.Rows != cases || len(rows) != cases || len(shards) != 2 {
			t.Errorf("experiment %s, %d rows, summary of %d, %d shards; want completed with %d", e.Status, len(rows), sum.Rows, len(shards), cases)
		}
	}

	t.Run("a waiting shard summarizes", func(t *testing.T) {
		t.Parallel()
		dsn := filepath.Join(dir, "waited.db")
		writeTrustEval(t, dir, "waited", cases, "")
		waiter := trustCmd(bin, dir, env, "run", "--store", dsn, "--shard", "1/2", "--run-id", "w", "--wait", "waited")
		var out strings.Builder
		waiter.Stdout, waiter.Stderr = &out, &out
		if err := waiter.Start(); err != nil {
			t.Fatal(err)
		}
		waitShardFinished(t, dsn, "waited", 1, time.Minute)
		crashLastShard(t, dsn, "waited", "w", cases)
		code := waitExit(t, waiter, time.Minute, "shard 1/2 waiting for a run whose last shard crashed")
		if code != ExitOK || !strings.Contains(out.String(), fmt.Sprintf("%d cases, %d rows", cases, cases)) {
			t.Errorf("the waiting shard exited %d, want 0 (no gate) and the whole experiment:\n%s", code, out.String())
		}
		checkCompleted(t, dsn, "waited")
	})

	t.Run("a resumed shard summarizes", func(t *testing.T) {
		t.Parallel()
		dsn := filepath.Join(dir, "resumed.db")
		writeTrustEval(t, dir, "resumed", cases, "")
		first := trustCmd(bin, dir, env, "run", "--store", dsn, "--shard", "1/2", "--run-id", "r", "resumed")
		if out, err := first.CombinedOutput(); err != nil {
			t.Fatalf("shard 1/2: %v\n%s", err, out)
		}
		crashLastShard(t, dsn, "resumed", "r", cases)
		e, _, _, _ := shardExperiment(t, dsn, "resumed")
		if e.Status != store.StatusRunning {
			t.Fatalf("after the crash the experiment is %s", e.Status)
		}
		resume := trustCmd(bin, dir, env, "run", "--store", dsn, "--resume", "--shard", "2/2", "--run-id", "r", "resumed")
		out, _ := resume.CombinedOutput()
		if !strings.Contains(string(out), fmt.Sprintf("%d cases, %d rows", cases, cases)) {
			t.Errorf("the resumed shard did not summarize the whole experiment:\n%s", out)
		}
		checkCompleted(t, dsn, "resumed")
	})
}
