package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caliperhq/caliper/store"
)

const okEval = `name: ok
data: {inline: [{id: a, input: 1, expected: 1}]}
task: {expr: input}
scorers: [{name: correct, expr: output == expected}]
`

// TestReadingCommandsUseTheProjectStoreDespiteABrokenEval: an invalid eval
// in the tree (here the only one) must not hide caliper.yaml from experiments
// list, which must neither create the default store nor print an empty list.
func TestReadingCommandsUseTheProjectStoreDespiteABrokenEval(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), "store: data/exp.db\n")
	writeFile(t, filepath.Join(dir, "evals", "ok.eval.yaml"), okEval)
	if code, out, errOut := run(t, dir, "run", "evals/ok.eval.yaml"); code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	writeFile(t, filepath.Join(dir, "evals", "ok.eval.yaml"), badEval)
	for _, wd := range []string{dir, filepath.Join(dir, "evals")} {
		code, out, errOut := run(t, wd, "experiments", "list")
		if code != ExitOK || !strings.Contains(out, "ok") || strings.Count(out, "\n") != 2 {
			t.Errorf("experiments list in %s: exit %d, want the experiment of ok in data/exp.db\n%s%s", wd, code, out, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".caliper", "caliper.db")); err == nil {
		t.Error("experiments list created .caliper/caliper.db instead of using store: of caliper.yaml")
	}
}

// TestReadingCommandsReportABrokenProjectFile: a caliper.yaml with a problem
// is an error at its line, not a silent fall-back to the default store.
func TestReadingCommandsReportABrokenProjectFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), "store: s.db\nstroe: x\n")
	code, _, errOut := run(t, dir, "experiments", "list")
	if code != ExitInvalid || !strings.Contains(errOut, "caliper.yaml:2:1") {
		t.Errorf("exit %d, %s; want exit 2 and the problem at caliper.yaml:2:1", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, ".caliper")); err == nil {
		t.Error("a broken caliper.yaml made a default store")
	}
}

// TestRunOfTwoProjectsUsesEachProjectsStoreAndProviders runs evals of two
// projects in one command: each eval's experiment goes to its own project's
// store and its model calls to its own project's provider.
func TestRunOfTwoProjectsUsesEachProjectsStoreAndProviders(t *testing.T) {
	t.Parallel()
	var reqA, reqB atomic.Int64
	srvA, srvB := capitalsServer(t, &reqA), capitalsServer(t, &reqB)
	defer srvA.Close()
	defer srvB.Close()
	dir := t.TempDir()
	writeLLMProject(t, filepath.Join(dir, "a"), srvA.URL)
	writeLLMProject(t, filepath.Join(dir, "b"), srvB.URL)
	env := map[string]string{"LOCAL_KEY": "test-key"}
	code, out, errOut := runEnv(t, dir, env, "run", "a", "b")
	if code != ExitOK {
		t.Fatalf("run a b: exit %d\n%s%s", code, out, errOut)
	}
	if reqA.Load() != 8 || reqB.Load() != 8 {
		t.Errorf("requests: a's server %d, b's %d; want 8 each (each eval calls its own project's provider)", reqA.Load(), reqB.Load())
	}
	for _, p := range []string{"a", "b"} {
		db, err := store.Open(context.Background(), filepath.Join(dir, p, "s.db"))
		if err != nil {
			t.Fatal(err)
		}
		exps, err := db.Experiments(context.Background(), store.ListOptions{})
		db.Close()
		if err != nil || len(exps) != 1 {
			t.Errorf("%s/s.db holds %d experiments (%v); want its own project's one", p, len(exps), err)
		}
	}
	if !strings.Contains(out, "stored in "+filepath.Join("a", "s.db")) || !strings.Contains(out, "stored in "+filepath.Join("b", "s.db")) {
		t.Errorf("the output should say where each experiment is stored:\n%s", out)
	}
}

// TestStoreFromTheEnvironment: $CALIPER_STORE names the store when --store
// does not, and --store wins over it.
func TestStoreFromTheEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ok.eval.yaml"), okEval)
	env := map[string]string{"CALIPER_STORE": "env.db"}
	for range 2 {
		if code, out, errOut := runEnv(t, dir, env, "run"); code != ExitOK || !strings.Contains(out, "stored in env.db") {
			t.Fatalf("run with $CALIPER_STORE: exit %d\n%s%s", code, out, errOut)
		}
	}
	if code, out, errOut := runEnv(t, dir, env, "run", "--store", "flag.db"); code != ExitOK || !strings.Contains(out, "stored in flag.db") {
		t.Fatalf("run with --store and $CALIPER_STORE: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runEnv(t, dir, env, "experiments", "list"); code != ExitOK || strings.Count(out, "\n") != 3 {
		t.Errorf("experiments list with $CALIPER_STORE: exit %d, want the two experiments of env.db\n%s", code, out)
	}
	if code, out, _ := runEnv(t, dir, env, "experiments", "list", "--store", "flag.db"); code != ExitOK || strings.Count(out, "\n") != 2 {
		t.Errorf("--store must win over $CALIPER_STORE: exit %d\n%s", code, out)
	}
}
