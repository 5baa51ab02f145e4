package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

// heavyEvals are evals whose in-process work takes minutes: levenshtein on two
// 200,000-character strings, as a built-in scorer, in an expression scorer and
// in an expr task.
var heavyEvals = map[string]string{
	"builtin": `task: {expr: 'repeat("a", 200000)'}
scorers:
  - {name: similar, use: levenshtein, with: {expected: 'repeat("b", 200000)'}}
`,
	"scorer_expr": `task: {expr: 'repeat("a", 200000)'}
scorers:
  - {name: similar, expr: 'levenshtein(output, repeat("b", 200000))'}
`,
	"task_expr": `task: {expr: 'levenshtein(repeat("a", 200000), repeat("b", 200000))'}
scorers:
  - {name: ran, expr: "true"}
`,
}

func writeHeavyEval(t *testing.T, dir, kind, timeout string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, kind+".eval.yaml"), "name: "+kind+`
data: {inline: [{id: a, input: 1}, {id: b, input: 2}]}
`+heavyEvals[kind]+"max_concurrency: 2\ntimeout: "+timeout+"\n")
}

// TestInProcessWorkIsBoundedByTimeout runs each heavy eval with a 1 s timeout:
// every call that runs past it is an error saying so, and the run ends long
// before the work would.
func TestInProcessWorkIsBoundedByTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := buildCaliper(t, dir)
	for kind := range heavyEvals {
		t.Run(kind, func(t *testing.T) {
			sub := filepath.Join(dir, kind)
			writeHeavyEval(t, sub, kind, "1s")
			db := filepath.Join(sub, "s.db")
			cmd := trustCmd(bin, sub, nil, "run", "--store", db)
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waitExit(t, cmd, 45*time.Second, "a run whose calls time out after 1s")
			_, _, rows := trustExperiment(t, db, kind)
			if len(rows) != 2 {
				t.Fatalf("%d rows stored, want 2\n%s", len(rows), out.String())
			}
			for _, r := range rows {
				if !strings.Contains(r.Error+fmt.Sprint(r.ScorerErrors), "timed out after 1s") {
					t.Errorf("case %s: error %q, scorer errors %v; want a timeout after 1s", r.CaseID, r.Error, r.ScorerErrors)
				}
			}
		})
	}
}

// TestInProcessWorkStopsOnAbort runs each heavy eval with no useful timeout and
// sends two SIGINTs: the process exits at once with code 3, its experiment
// interrupted and nothing stored.
func TestInProcessWorkStopsOnAbort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := buildCaliper(t, dir)
	for kind := range heavyEvals {
		t.Run(kind, func(t *testing.T) {
			sub := filepath.Join(dir, kind)
			writeHeavyEval(t, sub, kind, "1h")
			db := filepath.Join(sub, "s.db")
			cmd := trustCmd(bin, sub, nil, "run", "--store", db)
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waitForExperiment(t, db, kind, 30*time.Second)
			time.Sleep(200 * time.Millisecond)
			for range 2 {
				if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
					t.Fatal(err)
				}
				time.Sleep(200 * time.Millisecond)
			}
			code := waitExit(t, cmd, 20*time.Second, "a run after two SIGINTs")
			exp, _, rows := trustExperiment(t, db, kind)
			if code != ExitRun || exp.Status != store.StatusInterrupted || len(rows) != 0 {
				t.Errorf("after two SIGINTs: exit %d, %s, %d rows; want exit 3, interrupted, no rows\n%s", code, exp.Status, len(rows), out.String())
			}
		})
	}
}
