package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/store"
)

// Shard says which part of a sharded run (caliper run --shard K/N) this
// process runs, and which run it belongs to.
type Shard struct {
	Index int    // K, from 1 to Of
	Of    int    // N
	RunID string // the run the N shards share; names one experiment per eval
	Host  string // where this shard runs; os.Hostname when empty
	// Wait makes a shard that is not the last to finish wait for the others
	// and report the whole experiment.
	Wait bool
	// Poll is how often a waiting shard looks at the others; 200ms when 0.
	Poll time.Duration
}

// ParseShard reads K/N, 1 <= K <= N.
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, exitcode.Invalidf("--shard %q: write K/N with 1 <= K <= N, e.g. --shard 2/4", s)
	}
	return Shard{Index: ki, Of: ni}, nil
}

// String is K/N.
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Of) }

// Owns reports whether case id belongs to this shard: FNV-1a of the id,
// modulo N, is K-1. It depends on the id alone, so every machine and every
// run splits a dataset the same way.
func (s Shard) Owns(caseID string) bool { return ShardOf(caseID, s.Of) == s.Index }

// ShardOf is the shard, from 1 to n, that case id belongs to.
func ShardOf(caseID string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(caseID)) //nolint:errcheck // hashes never fail
	return int(h.Sum64()%uint64(n)) + 1
}

// RunIDFrom is the run id of a sharded run: flag, else $CALIPER_RUN_ID, else
// the CI's id of the pipeline run (GitHub Actions: GITHUB_RUN_ID and
// GITHUB_RUN_ATTEMPT; GitLab: CI_PIPELINE_ID; Buildkite: BUILDKITE_BUILD_ID);
// empty when there is none.
func RunIDFrom(flag string, env map[string]string) string {
	switch {
	case flag != "":
		return flag
	case env["CALIPER_RUN_ID"] != "":
		return env["CALIPER_RUN_ID"]
	case env["GITHUB_RUN_ID"] != "":
		return "github-" + env["GITHUB_RUN_ID"] + "-" + cmpOr(env["GITHUB_RUN_ATTEMPT"], "1")
	case env["CI_PIPELINE_ID"] != "":
		return "gitlab-" + env["CI_PIPELINE_ID"]
	case env["BUILDKITE_BUILD_ID"] != "":
		return "buildkite-" + env["BUILDKITE_BUILD_ID"]
	}
	return ""
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// joinShardRun finds or creates the experiment of the shard's run and
// records the shard as running. Joining an experiment made with other
// parameters or another eval file is refused: the rows would mix.
func (p *Pipeline) joinShardRun(ctx context.Context, o *ExperimentOptions, exp *store.Experiment) (*store.Experiment, error) {
	sh := o.Shard
	base := exp.Name
	for i := 2; ; i++ {
		created, err := o.Store.JoinRun(ctx, sh.RunID, exp)
		if errors.Is(err, store.ErrNameTaken) && i < 1000 {
			exp.Name = fmt.Sprintf("%s-%d", base, i)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("joining run %s: %w", sh.RunID, err)
		}
		if !created {
			if err := p.checkResumable(exp, o.Display); err != nil {
				return nil, fmt.Errorf("shard %s of run %s: %w", sh, sh.RunID, err)
			}
		}
		break
	}
	host := sh.Host
	if host == "" {
		host, _ = os.Hostname()
	}
	if err := o.Store.StartShard(ctx, exp.ID, store.Shard{Index: sh.Index, Of: sh.Of, Host: host}); err != nil {
		return nil, err
	}
	if err := o.Store.UpdateExperiment(ctx, exp.ID, store.StatusRunning, nil); err != nil {
		return nil, err
	}
	done, err := o.Store.DoneKeys(ctx, exp.ID)
	if err != nil {
		return nil, fmt.Errorf("shard %s: %w", sh, err)
	}
	if o.Done == nil {
		o.Done = map[string]struct{}{}
	}
	for k := range done {
		o.Done[k] = struct{}{}
	}
	return exp, nil
}

// shardSkip is the Skip of a shard: the cases of other shards, and the case
// trials already stored. It counts the stored ones of this shard in *held.
func shardSkip(sh *Shard, done map[string]struct{}, held *int) func(string, int) bool {
	return func(id string, trial int) bool {
		if !sh.Owns(id) {
			return true
		}
		if _, ok := done[store.Key(id, trial)]; ok {
			*held++
			return true
		}
		return false
	}
}

// finishShard records how the shard ended. The last shard to finish
// summarizes the whole experiment, compares it with the base and checks the
// gates; another one returns its own counts with Pending set, or with
// Shard.Wait waits for the last one and returns the whole.
func (p *Pipeline) finishShard(ctx context.Context, o ExperimentOptions, exp *store.Experiment, own *report.Summary, stats Stats, held int, runErr error) (*Outcome, error) {
	ctx = context.WithoutCancel(ctx)
	sh := o.Shard
	rows := stats.Rows + held
	state := store.ShardFinished
	if runErr != nil || stats.Interrupted || stats.OverBudget {
		state = store.ShardFailed
	}
	last, err := o.Store.FinishShard(ctx, exp.ID, sh.Index, state, rows)
	if err != nil {
		return nil, errors.Join(runErr, err)
	}
	own.Eval, own.Experiment, own.Rows = p.Eval.Name, exp.Name, rows
	if state == store.ShardFailed {
		status := store.StatusInterrupted
		if runErr != nil {
			status = store.StatusFailed
			runErr = fmt.Errorf("%w: the rows stored are kept; finish this shard with caliper run --resume --shard %s --run-id %s", runErr, sh, sh.RunID)
		}
		own.Status = status
		if runErr == nil {
			runErr = fmt.Errorf("shard %s stopped before its last case: its %d rows are stored; finish it with caliper run --resume --shard %s --run-id %s", sh, rows, sh, sh.RunID)
		}
		if err := o.Store.UpdateExperiment(ctx, exp.ID, status, nil); err != nil {
			runErr = errors.Join(runErr, err)
		}
		return &Outcome{Experiment: exp, Summary: own}, runErr
	}
	if last {
		out, err := p.summarizeRun(ctx, o, exp)
		if err != nil {
			// Every shard is finished and no summary is stored: the
			// experiment did not complete, and a resume of any shard
			// summarizes it.
			err = fmt.Errorf("%w: every row is stored; summarize the experiment with caliper run --resume --shard %s --run-id %s", err, sh, sh.RunID)
			if uerr := o.Store.UpdateExperiment(ctx, exp.ID, store.StatusFailed, nil); uerr != nil {
				err = errors.Join(err, uerr)
			}
		}
		return out, err
	}
	if sh.Wait {
		return p.waitForShards(ctx, o, exp)
	}
	own.Status = store.StatusRunning
	note := fmt.Sprintf("shard %s stored its %d rows; the last shard of run %s to finish summarizes the experiment and checks its gates", sh, rows, sh.RunID)
	return &Outcome{Experiment: exp, Summary: own, Passed: true, Pending: note}, nil
}

// summarizeRun summarizes every row of a sharded experiment, checks its
// thresholds and gates and stores the summary as completed.
func (p *Pipeline) summarizeRun(ctx context.Context, o ExperimentOptions, exp *store.Experiment) (*Outcome, error) {
	sum, err := p.summarize(ctx, o, exp, &report.Summary{}, true)
	if err != nil {
		return nil, err
	}
	sum.Eval, sum.Experiment, sum.Status = p.Eval.Name, exp.Name, store.StatusCompleted
	sum.Duration = time.Since(exp.Created).Seconds()
	passed := report.Evaluate(sum, p.Eval.Thresholds, p.Gates)
	if err := o.Store.UpdateExperiment(ctx, exp.ID, sum.Status, mustJSON(sum)); err != nil {
		return nil, fmt.Errorf("saving the summary: %w", err)
	}
	exp.Status = sum.Status
	return &Outcome{Experiment: exp, Summary: sum, Passed: passed}, nil
}

// waitForShards waits until the last shard has stored the experiment's
// summary, and returns it. A failed shard ends the wait with an error. When
// every shard is finished and, takeOver later, the summary is still not
// stored, the last shard died between marking itself finished and storing
// it: the waiting shard summarizes the experiment itself (summarizing is
// the same from any shard, so one that was only slow does no harm).
func (p *Pipeline) waitForShards(ctx context.Context, o ExperimentOptions, exp *store.Experiment) (*Outcome, error) {
	poll := o.Shard.Poll
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	var since time.Time // when the polls began to find every shard finished and no summary
	for {
		e, err := o.Store.Experiment(ctx, p.Eval.Name, exp.ID)
		if err != nil {
			return nil, err
		}
		if e.Status == store.StatusCompleted && len(e.Summary) > 0 {
			var sum report.Summary
			if err := json.Unmarshal(e.Summary, &sum); err != nil {
				return nil, fmt.Errorf("reading the summary of %s: %w", e.Name, err)
			}
			return &Outcome{Experiment: e, Summary: &sum, Passed: len(sum.Failed()) == 0}, nil
		}
		shards, err := o.Store.Shards(ctx, exp.ID)
		if err != nil {
			return nil, err
		}
		finished := 0
		for _, s := range shards {
			if s.State == store.ShardFailed {
				return nil, fmt.Errorf("waiting for run %s: shard %d/%d failed: resume it with caliper run --resume --shard %d/%d --run-id %s",
					o.Shard.RunID, s.Index, s.Of, s.Index, s.Of, o.Shard.RunID)
			}
			if s.State == store.ShardFinished {
				finished++
			}
		}
		switch {
		case finished < o.Shard.Of:
			since = time.Time{}
		case since.IsZero():
			since = time.Now()
		case time.Since(since) >= takeOver:
			return p.summarizeRun(ctx, o, exp)
		}
		select {
		case <-time.After(poll):
		case <-o.abortOrNever():
			return nil, fmt.Errorf("waiting for the other shards of run %s: interrupted; this shard's rows are stored", o.Shard.RunID)
		}
	}
}

// takeOver is how long a waiting shard lets the last shard store the summary
// after every shard is finished before it summarizes the experiment itself.
const takeOver = 2 * time.Second

func (o ExperimentOptions) abortOrNever() <-chan struct{} {
	if o.Abort == nil {
		return nil
	}
	return o.Abort.Done()
}
