package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/caliperhq/caliper/store"
)

func testJoinRun(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	const joiners = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
		ids     = map[string]bool{}
	)
	for i := range joiners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := &store.Experiment{Eval: "support", Name: fmt.Sprintf("run-%d", i)}
			made, err := s.JoinRun(ctx, "ci-42", e)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ids[e.ID] = true
			if made {
				created++
			}
		}()
	}
	wg.Wait()
	if created != 1 || len(ids) != 1 {
		t.Fatalf("%d joiners of one run created %d experiments, with %d ids; want 1 and 1", joiners, created, len(ids))
	}
	other := &store.Experiment{Eval: "billing", Name: "run-0"}
	if made, err := s.JoinRun(ctx, "ci-42", other); err != nil || !made || ids[other.ID] {
		t.Errorf("the same run id in another eval: created %v, err %v, id %s; want a new experiment", made, err, other.ID)
	}
	taken := &store.Experiment{Eval: "billing", Name: "run-0"}
	if _, err := s.JoinRun(ctx, "ci-43", taken); !errors.Is(err, store.ErrNameTaken) {
		t.Errorf("a new run with a name taken: %v, want ErrNameTaken", err)
	}
	if _, err := s.JoinRun(ctx, "", &store.Experiment{Eval: "billing", Name: "x"}); err == nil {
		t.Error("an empty run id was accepted")
	}
}

func testShards(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	e := &store.Experiment{Eval: "support", Name: "sharded"}
	if _, err := s.JoinRun(ctx, "r1", e); err != nil {
		t.Fatal(err)
	}
	if list, err := s.Shards(ctx, e.ID); err != nil || len(list) != 0 {
		t.Fatalf("shards of a new experiment: %v, %v", list, err)
	}
	const n = 6
	for k := 1; k <= n; k++ {
		if err := s.StartShard(ctx, e.ID, store.Shard{Index: k, Of: n, Host: "ci"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.StartShard(ctx, e.ID, store.Shard{Index: n + 1, Of: n}); err == nil {
		t.Error("shard 7/6 was accepted")
	}
	if last, err := s.FinishShard(ctx, e.ID, 1, store.ShardFailed, 3); err != nil || last {
		t.Fatalf("failing shard 1: last %v, err %v", last, err)
	}
	if _, err := s.FinishShard(ctx, e.ID, 2, "done", 3); err == nil {
		t.Error("an unknown state was accepted")
	}
	if _, err := s.FinishShard(ctx, e.ID, 9, store.ShardFinished, 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("finishing a shard never started: %v, want ErrNotFound", err)
	}
	// Every shard but the failed one finishes at once: none is last.
	var wg sync.WaitGroup
	lasts := make(chan int, n)
	finish := func(k int) {
		defer wg.Done()
		last, err := s.FinishShard(ctx, e.ID, k, store.ShardFinished, 10*k)
		if err != nil {
			t.Error(err)
		}
		if last {
			lasts <- k
		}
	}
	for k := 2; k <= n; k++ {
		wg.Add(1)
		go finish(k)
	}
	wg.Wait()
	if len(lasts) != 0 {
		t.Fatalf("shard %d was last while shard 1 had failed", <-lasts)
	}
	// Shard 1 is resumed and finishes: it is last, once.
	if err := s.StartShard(ctx, e.ID, store.Shard{Index: 1, Of: n, Host: "laptop"}); err != nil {
		t.Fatal(err)
	}
	wg.Add(1)
	finish(1)
	if len(lasts) != 1 {
		t.Fatalf("%d shards were last, want 1", len(lasts))
	}
	if last, err := s.FinishShard(ctx, e.ID, 1, store.ShardFinished, 10); err != nil || last {
		t.Errorf("finishing a finished run again: last %v, err %v; want false", last, err)
	}
	list, err := s.Shards(ctx, e.ID)
	if err != nil || len(list) != n {
		t.Fatalf("shards: %d, %v; want %d", len(list), err, n)
	}
	for i, sh := range list {
		if sh.Index != i+1 || sh.Of != n || sh.State != store.ShardFinished || sh.Rows != 10*(i+1) || sh.Started.IsZero() || sh.Finished.Before(sh.Started) {
			t.Errorf("shard %d came back as %+v", i+1, sh)
		}
	}
	if list[0].Host != "laptop" {
		t.Errorf("the resumed shard's host is %q, want laptop", list[0].Host)
	}
	if err := s.DeleteExperiment(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if list, err := s.Shards(ctx, e.ID); err != nil || len(list) != 0 {
		t.Errorf("shards of a deleted experiment: %v, %v", list, err)
	}
}
