package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/store"
)

func TestShardUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.eval.yaml"), "name: a\ndata: {inline: [{input: 1}]}\ntask: {expr: input}\nscorers: [{name: s, expr: \"1\"}]\n")
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--shard", "1/4"}, nil, "needs the run id"},
		{[]string{"--shard", "5/4", "--run-id", "r"}, nil, "1 <= K <= N"},
		{[]string{"--shard", "0/4", "--run-id", "r"}, nil, "1 <= K <= N"},
		{[]string{"--shard", "x"}, nil, "write K/N"},
		{[]string{"--wait"}, nil, "use it with --shard"},
		{[]string{"--shard", "1/2", "--run-id", "r", "--retry-errors", "x"}, nil, "cannot be used together"},
		{[]string{"--shard", "1/2", "--resume=old"}, map[string]string{"CALIPER_RUN_ID": "r"}, "resumes its run by run id"},
	} {
		env := tc.env
		if env == nil {
			env = map[string]string{}
		}
		code, _, errOut := runEnv(t, dir, env, append([]string{"run", "--store", filepath.Join(dir, "c.db")}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("run %v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

// shardStore is the store the shard processes share: the PostgreSQL server
// $CALIPER_TEST_POSTGRES names when set, else a SQLite file in dir.
func shardStore(dir string) string {
	if dsn := os.Getenv("CALIPER_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return filepath.Join(dir, "shared.db")
}

// shardExperiment returns the experiment of eval in the store at dsn, its
// summary, its rows and its shards.
func shardExperiment(t *testing.T, dsn, eval string) (*store.Experiment, *report.Summary, []*store.Row, []store.Shard) {
	t.Helper()
	e, sum, rows := trustExperiment(t, dsn, eval)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	shards, err := db.Shards(context.Background(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	return e, sum, rows, shards
}

// TestShardProcesses runs 4 shard processes of the real binary at once into
// one store, then kills one shard of a second run and resumes it. Each run
// must store every case exactly once, summarize like an unsharded run, and
// exit with the gates' code from its last shard only.
func TestShardProcesses(t *testing.T) {
	needPython3(t)
	t.Parallel()
	dir := t.TempDir()
	bin := buildCaliper(t, dir)
	dsn := shardStore(dir)
	suffix := fmt.Sprintf("%d", rand.Uint32())
	const cases = 120
	// One input in five is answered wrong: right's mean is 0.8 and the gate fails.
	extra := "trials: 2\nmax_concurrency: 2\ngates: [\"scores.right.mean >= 0.9\"]\n"
	for _, name := range []string{"whole", "together", "killed", "waited"} {
		writeTrustEval(t, dir, name, cases, extra)
	}
	rename := func(name string) string { return name + suffix }
	for _, name := range []string{"whole", "together", "killed", "waited"} {
		path := filepath.Join(dir, name, name+".eval.yaml")
		b, _ := os.ReadFile(path)
		writeFile(t, path, strings.Replace(string(b), "name: "+name, "name: "+rename(name), 1))
	}
	env := func(name, log string, sleep float64) []string {
		return []string{"CALIPER_TEST_LOG=" + filepath.Join(dir, log), fmt.Sprintf("CALIPER_TEST_SLEEP=%g", sleep)}
	}

	whole := trustCmd(bin, dir, env("whole", "whole.log", 0), "run", "--store", dsn, "whole")
	if out, err := whole.CombinedOutput(); whole.ProcessState.ExitCode() != 1 {
		t.Fatalf("the unsharded run: %v, want exit 1 (the gate fails)\n%s", err, out)
	}
	_, want, _, _ := shardExperiment(t, dsn, rename("whole"))

	t.Run("together", func(t *testing.T) {
		var procs []*exec.Cmd
		var outs []*strings.Builder
		for k := 1; k <= 4; k++ {
			cmd := trustCmd(bin, dir, env("together", fmt.Sprintf("together%d.log", k), 0.002),
				"run", "--store", dsn, "--shard", fmt.Sprintf("%d/4", k), "--run-id", "together-"+suffix, "together")
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			procs, outs = append(procs, cmd), append(outs, &out)
		}
		failed := 0
		for i, cmd := range procs {
			switch code := waitExit(t, cmd, 2*time.Minute, fmt.Sprintf("shard %d/4", i+1)); code {
			case 0:
				if !strings.Contains(outs[i].String(), "the last shard of run") {
					t.Errorf("shard %d/4 exited 0 without saying another shard summarizes:\n%s", i+1, outs[i])
				}
			case 1:
				failed++
				if !strings.Contains(outs[i].String(), "scores.right.mean >= 0.9") {
					t.Errorf("the last shard did not report the failed gate:\n%s", outs[i])
				}
			default:
				t.Errorf("shard %d/4 exited %d:\n%s", i+1, code, outs[i])
			}
		}
		if failed != 1 {
			t.Errorf("%d shards exited 1, want exactly the last one", failed)
		}
		checkShardedExperiment(t, dsn, rename("together"), cases, want)
	})

	t.Run("wait", func(t *testing.T) {
		var procs []*exec.Cmd
		var outs []*strings.Builder
		for k := 1; k <= 2; k++ {
			cmd := trustCmd(bin, dir, env("waited", fmt.Sprintf("waited%d.log", k), 0.002*float64(k)),
				"run", "--store", dsn, "--shard", fmt.Sprintf("%d/2", k), "--run-id", "waited-"+suffix, "--wait", "waited")
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			procs, outs = append(procs, cmd), append(outs, &out)
		}
		for i, cmd := range procs {
			code := waitExit(t, cmd, 2*time.Minute, fmt.Sprintf("shard %d/2", i+1))
			if code != 1 || !strings.Contains(outs[i].String(), fmt.Sprintf("%d cases, %d rows", cases, 2*cases)) {
				t.Errorf("shard %d/2 with --wait: exit %d, want 1 and the whole experiment:\n%s", i+1, code, outs[i])
			}
		}
	})

	t.Run("killed and resumed", func(t *testing.T) {
		runID := "killed-" + suffix
		args := func(k int) []string {
			return []string{"run", "--store", dsn, "--shard", fmt.Sprintf("%d/4", k), "--run-id", runID, "killed"}
		}
		victimLog := filepath.Join(dir, "killed2.log")
		victim := trustCmd(bin, dir, env("killed", "killed2.log", 0.2), args(2)...)
		if err := victim.Start(); err != nil {
			t.Fatal(err)
		}
		var others []*exec.Cmd
		for _, k := range []int{1, 3, 4} {
			cmd := trustCmd(bin, dir, env("killed", fmt.Sprintf("killed%d.log", k), 0.002), args(k)...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			others = append(others, cmd)
		}
		waitLogged(t, victimLog, 6, time.Minute)
		if err := victim.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = victim.Wait()
		for i, cmd := range others {
			if code := waitExit(t, cmd, 2*time.Minute, "shard"); code != 0 {
				t.Errorf("shard %d exited %d while shard 2 was unfinished, want 0", []int{1, 3, 4}[i], code)
			}
		}
		_, _, rows, shards := shardExperiment(t, dsn, rename("killed"))
		if len(rows) >= 2*cases || len(shards) != 4 || shards[1].State != store.ShardRunning {
			t.Fatalf("after the kill: %d rows, shards %+v; want fewer than %d rows and shard 2 running", len(rows), shards, 2*cases)
		}
		resume := trustCmd(bin, dir, env("killed", "killed2.log", 0.002), append([]string{"run", "--resume"}, args(2)[1:]...)...)
		out, _ := resume.CombinedOutput()
		if code := resume.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "scores.right.mean >= 0.9") {
			t.Fatalf("the resumed shard, last to finish, exited %d, want 1 from the gate:\n%s", code, out)
		}
		checkShardedExperiment(t, dsn, rename("killed"), cases, want)
		e, _, _, _ := shardExperiment(t, dsn, rename("killed"))
		code, stdout, stderr := run(t, dir, "experiments", "show", "--store", dsn, e.ID)
		if code != 0 || !strings.Contains(stdout, "shards: 4 of 4 finished") || !strings.Contains(stdout, "2/4  finished") {
			t.Errorf("experiments show: exit %d\n%s%s", code, stdout, stderr)
		}
	})
}

// checkShardedExperiment checks that the experiment of eval holds every
// (case, trial) once, is completed with 4 finished shards whose rows add up,
// and summarizes as want.
func checkShardedExperiment(t *testing.T, dsn, eval string, cases int, want *report.Summary) {
	t.Helper()
	e, sum, rows, shards := shardExperiment(t, dsn, eval)
	seen := map[string]int{}
	for _, r := range rows {
		seen[store.Key(r.CaseID, r.Trial)]++
	}
	for i := range cases {
		for trial := range 2 {
			if n := seen[store.Key(fmt.Sprintf("c%05d", i), trial)]; n != 1 {
				t.Errorf("case c%05d trial %d is stored %d times", i, trial, n)
			}
		}
	}
	if len(rows) != 2*cases {
		t.Errorf("%d rows, want %d", len(rows), 2*cases)
	}
	if e.Status != store.StatusCompleted {
		t.Errorf("status %s, want completed", e.Status)
	}
	total := 0
	for _, s := range shards {
		total += s.Rows
		if s.State != store.ShardFinished {
			t.Errorf("shard %d/%d is %s", s.Index, s.Of, s.State)
		}
	}
	if len(shards) != 4 || total != 2*cases {
		t.Errorf("%d shards holding %d rows, want 4 holding %d", len(shards), total, 2*cases)
	}
	if err := sameSummary(sum, want); err != nil {
		t.Errorf("the sharded summary differs from the unsharded one: %v", err)
	}
	if len(sum.Checks) != 1 || sum.Checks[0].Passed {
		t.Errorf("checks %+v, want the one failed gate", sum.Checks)
	}
}
