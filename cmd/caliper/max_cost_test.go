package main

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caliperhq/caliper/store"
)

func TestMaxCostReservesBeforeCallingAndMarksTheExperimentStopped(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	srv := capitalsServer(t, &requests)
	defer srv.Close()
	dir := t.TempDir()
	writeLLMProject(t, dir, srv.URL)
	env := map[string]string{"LOCAL_KEY": "test-key"}
	const limit = 0.05
	code, out, errOut := runEnv(t, dir, env, "run", "--no-cache", "--trials", "5", "-j", "8", "--max-cost", "0.05")
	if code != ExitRun || !strings.Contains(out, "stopped early: max cost") {
		t.Fatalf("--max-cost: exit %d\n%s%s", code, out, errOut)
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	exps, err := st.Experiments(context.Background(), store.ListOptions{})
	if err != nil || len(exps) != 1 {
		t.Fatalf("%d experiments (%v)", len(exps), err)
	}
	if exps[0].Status != store.StatusStopped {
		t.Errorf("status %q, want %q", exps[0].Status, store.StatusStopped)
	}
	spent := 0.0
	err = st.Rows(context.Background(), exps[0].ID, func(r *store.Row) error {
		spent += r.Metrics["estimated_cost"]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A case costs about $0.024 and is estimated (max_tokens counted) past
	// the limit: with 8 cases in flight and no reservation, the run would
	// start 8 of them (about $0.19) before the first cost was known; with
	// reservations it runs one at a time and passes the limit by at most one
	// case.
	if spent > limit+0.03 || spent == 0 {
		t.Errorf("spent $%.4f against --max-cost $%.2f (%d requests): more than one case past the limit", spent, limit, requests.Load())
	}
}
