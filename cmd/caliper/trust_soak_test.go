package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

// TestSoakKilledRunsResume is opt-in (CALIPER_SOAK=1): ten times, a run of
// 20,000 cases and 2 trials is SIGKILLed at a random moment and resumed; each
// resumed experiment must hold every (case, trial) once and give the summary
// of an uninterrupted run.
func TestSoakKilledRunsResume(t *testing.T) {
	if os.Getenv("CALIPER_SOAK") == "" {
		t.Skip("a soak of ten killed and resumed runs of 40,000 rows: set CALIPER_SOAK=1 to run it")
	}
	began := time.Now()
	dir := t.TempDir()
	bin := buildCaliper(t, dir)
	const n, trials = 20_000, 2
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id": "c%05d", "input": %d, "expected": %d}`+"\n", i, i, i%7)
	}
	writeFile(t, filepath.Join(dir, "soak", "data.jsonl"), b.String())
	writeFile(t, filepath.Join(dir, "soak", "soak.eval.yaml"), `name: soak
data: {file: data.jsonl}
task: {expr: 'input % 7 + (input % 11 == 0 && trial == 1 ? 1 : 0)'}
scorers:
  - {name: right, expr: output == expected}
  - {name: close, use: numeric_diff}
trials: 2
`)
	whole := filepath.Join(dir, "whole.db")
	start := time.Now()
	if out, err := trustCmd(bin, dir, nil, "run", "--store", whole, "soak").CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	full := time.Since(start)
	_, want, _ := trustExperiment(t, whole, "soak")

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("uninterrupted run: %s; kill times seeded with %d", full.Round(time.Millisecond), seed)
	equal := 0
	for i := range 10 {
		db := filepath.Join(dir, fmt.Sprintf("killed-%d.db", i))
		cmd := trustCmd(bin, dir, nil, "run", "--store", db, "soak")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		after := time.Duration(float64(full) * (0.1 + 0.5*rng.Float64()))
		time.Sleep(after)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		args := []string{"run", "--store", db, "--resume", "soak"}
		stored := 0
		if _, err := os.Stat(db); err == nil {
			exp, _, rows := trustExperiment(t, db, "soak")
			stored = len(rows)
			if exp.Status == store.StatusCompleted {
				t.Logf("kill %d after %s came too late: the run had completed", i, after.Round(time.Millisecond))
				args = nil
			}
		} else {
			args = []string{"run", "--store", db, "soak"}
		}
		if args != nil {
			if out, err := trustCmd(bin, dir, nil, args...).CombinedOutput(); err != nil {
				t.Fatalf("resume %d: %v\n%s", i, err, out)
			}
		}
		exp, got, rows := trustExperiment(t, db, "soak")
		keys := map[string]bool{}
		for _, r := range rows {
			k := store.Key(r.CaseID, r.Trial)
			if keys[k] {
				t.Errorf("kill %d: (case %s, trial %d) stored twice", i, r.CaseID, r.Trial)
			}
			keys[k] = true
		}
		err := sameSummary(got, want)
		if err == nil && exp.Status == store.StatusCompleted && len(keys) == n*trials {
			equal++
		} else {
			t.Errorf("kill %d after %s (%d rows stored): %s with %d distinct rows; summary: %v", i, after.Round(time.Millisecond), stored, exp.Status, len(keys), err)
		}
		t.Logf("kill %d after %s: %d rows stored before the kill, resumed to %d rows, summary equal: %v", i, after.Round(time.Millisecond), stored, len(keys), err == nil)
	}
	t.Logf("soak: %d of 10 killed and resumed runs gave the uninterrupted summary, in %s", equal, time.Since(began).Round(time.Second))
}
