package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

// These tests run the real caliper binary against a real SQLite store and
// real Python programs: the strictness of datasets and the life of the
// processes a task starts (issue 9).

// inputsBinary builds caliper into dir.
func inputsBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "caliper")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// inputsRun runs bin in dir and returns its exit code, stdout and stderr.
func inputsRun(t *testing.T, bin, dir string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("running caliper: %v", err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// inputsFiles writes files (path relative to dir -> content).
func inputsFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// storedCaseIDs exports the only experiment of eval and returns the case id of
// every stored row.
func storedCaseIDs(t *testing.T, bin, dir, eval string) []string {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(dir, "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	exps, err := db.Experiments(context.Background(), store.ListOptions{Eval: eval})
	db.Close()
	if err != nil || len(exps) != 1 {
		t.Fatalf("want one experiment of %s, got %d (%v)", eval, len(exps), err)
	}
	code, out, errOut := inputsRun(t, bin, dir, "experiments", "export", "--store", "db.sqlite", exps[0].ID)
	if code != 0 {
		t.Fatalf("experiments export: exit %d: %s", code, errOut)
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var row struct {
			CaseID string `json:"case_id"`
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("exported row %q: %v", line, err)
		}
		ids = append(ids, row.CaseID)
	}
	return ids
}

const inputsEval = `name: %s
data: {file: %s%s}
task: {expr: input}
scorers:
  - {name: exact, expr: output == expected}
`

func TestTrustInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := inputsBinary(t, t.TempDir())

	t.Run("a repeated case id is an error naming both rows", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name, rows, want string
		}{
			{"same id", `{"id": "a", "input": 1, "expected": 1}` + "\n" + `{"id": "b", "input": 2, "expected": 2}` + "\n" + `{"id": "a", "input": 3, "expected": 3}` + "\n",
				`data.jsonl:3: case id "a" is also the id of the row at data.jsonl:1`},
			{"same input, no id", `{"input": "q", "expected": 1}` + "\n" + `{"input": "q", "expected": 2}` + "\n",
				`data.jsonl:2: the row has no id and the same input as the row at data.jsonl:1`},
			{"inputs equal once invalid UTF-8 is replaced", `{"input": "caf` + "\xe9" + `", "expected": 1}` + "\n" + `{"input": "caf` + "\xe8" + `", "expected": 2}` + "\n",
				`data.jsonl:1: invalid UTF-8`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				inputsFiles(t, dir, map[string]string{"data.jsonl": tt.rows, "d.eval.yaml": fmt.Sprintf(inputsEval, "dup", "data.jsonl", "")})
				code, out, errOut := inputsRun(t, bin, dir, "run", "--store", "db.sqlite", "d.eval.yaml")
				if code == 0 || !strings.Contains(errOut, tt.want) {
					t.Fatalf("exit %d, stderr %q; want an error with %q\nstdout: %s", code, errOut, tt.want, out)
				}
				if !strings.Contains(errOut, "give each row an id") && !strings.Contains(errOut, "save the file as UTF-8") {
					t.Errorf("stderr %q does not say how to fix the file", errOut)
				}
				if !strings.Contains(out, "FAILED") {
					t.Errorf("the summary does not say the run failed: %s", out)
				}
				ids := storedCaseIDs(t, bin, dir, "dup")
				seen := map[string]bool{}
				for _, id := range ids {
					if seen[id] {
						t.Errorf("case %s stored twice: %v", id, ids)
					}
					seen[id] = true
				}
			})
		}
	})

	t.Run("on_error skip leaves the repeated row out", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		rows := `{"id": "a", "input": 1, "expected": 1}` + "\n" + `{"id": "a", "input": 2, "expected": 2}` + "\n" + `{"id": "b", "input": 3, "expected": 3}` + "\n"
		inputsFiles(t, dir, map[string]string{"data.jsonl": rows, "d.eval.yaml": fmt.Sprintf(inputsEval, "skip", "data.jsonl", ", on_error: skip")})
		code, out, errOut := inputsRun(t, bin, dir, "run", "--store", "db.sqlite", "d.eval.yaml")
		if code != 0 || !strings.Contains(errOut, `data.jsonl:2: case id "a" is also the id of the row at data.jsonl:1`) {
			t.Fatalf("exit %d, stderr %q, stdout %s", code, errOut, out)
		}
		if ids := storedCaseIDs(t, bin, dir, "skip"); strings.Join(ids, ",") != "a,b" {
			t.Errorf("stored cases %v, want [a b]", ids)
		}
	})

	t.Run("a misspelt row key is an error", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		inputsFiles(t, dir, map[string]string{"data.jsonl": `{"input": 1, "expectd": 1}` + "\n", "d.eval.yaml": fmt.Sprintf(inputsEval, "typo", "data.jsonl", "")})
		code, _, errOut := inputsRun(t, bin, dir, "run", "--store", "db.sqlite", "d.eval.yaml")
		if want := `data.jsonl:1: unknown key "expectd" in the row; did you mean "expected"?`; code == 0 || !strings.Contains(errOut, want) {
			t.Fatalf("exit %d, stderr %q; want %q", code, errOut, want)
		}
	})

	t.Run("a named pipe as the dataset is refused at once", func(t *testing.T) {
		t.Parallel()
		dir := namedPipeIn(t, "data.jsonl")
		inputsFiles(t, dir, map[string]string{"d.eval.yaml": fmt.Sprintf(inputsEval, "fifo", "data.jsonl", "")})
		refusedAtOnce(t, bin, dir, "is not a regular file (a named pipe)")
	})

	t.Run("a named pipe as an attachment is refused at once", func(t *testing.T) {
		t.Parallel()
		dir := namedPipeIn(t, "photo.png")
		inputsFiles(t, dir, map[string]string{
			"data.jsonl":  `{"id": "a", "input": {"type": "attachment", "path": "photo.png"}, "expected": 1}` + "\n",
			"d.eval.yaml": fmt.Sprintf(inputsEval, "fifo-attachment", "data.jsonl", ""),
		})
		refusedAtOnce(t, bin, dir, `attachment "photo.png" is not a regular file`)
	})

	t.Run("a worker that recycles itself costs no case an error", func(t *testing.T) {
		t.Parallel()
		if _, err := exec.LookPath("python3"); err != nil {
			t.Skip("python3 is not installed")
		}
		dir := t.TempDir()
		var rows strings.Builder
		for i := range 200 {
			fmt.Fprintf(&rows, `{"id": "c%d", "input": %d, "expected": %d}`+"\n", i, i, i)
		}
		inputsFiles(t, dir, map[string]string{
			"data.jsonl": rows.String(),
			"worker.py": `import json, sys
for _ in range(5):
    line = sys.stdin.readline()
    if not line:
        break
    req = json.loads(line)
    print(json.dumps({"id": req["id"], "output": req["input"]}), flush=True)
`,
			"d.eval.yaml": `name: recycle
data: {file: data.jsonl}
task: {exec: {command: [python3, worker.py], worker: true}}
scorers:
  - {name: exact, expr: output == expected}
max_concurrency: 2
gates: [errors == 0]
`,
		})
		code, out, errOut := inputsRun(t, bin, dir, "run", "--store", "db.sqlite", "d.eval.yaml")
		if code != 0 || !strings.Contains(out, "200 cases, 200 rows · 0 errors") {
			t.Fatalf("exit %d; want 200 cases and 0 errors\nstdout: %s\nstderr: %s", code, out, errOut)
		}
	})

	t.Run("nothing a task starts outlives a SIGKILLed caliper", func(t *testing.T) {
		t.Parallel()
		if runtime.GOOS != "linux" {
			t.Skip("the guard that ends a task's processes with caliper is Linux only")
		}
		if _, err := exec.LookPath("python3"); err != nil {
			t.Skip("python3 is not installed")
		}
		for _, worker := range []bool{false, true} {
			t.Run(fmt.Sprintf("worker=%v", worker), func(t *testing.T) {
				t.Parallel()
				killedRunLeavesNothing(t, bin, worker)
			})
		}
	})
}

// spawnTask starts a child and a grandchild that calls setsid, writes their
// pids to $PIDS_FILE, and hangs.
const spawnTask = `import json, os, sys, time
def spawn():
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(r)
        grandchild = os.fork()
        if grandchild == 0:
            os.setsid()
            time.sleep(300)
            os._exit(0)
        os.write(w, str(grandchild).encode())
        time.sleep(300)
        os._exit(0)
    os.close(w)
    grandchild = os.read(r, 32).decode()
    path = os.environ["PIDS_FILE"]
    with open(path + ".tmp", "w") as f:
        f.write("%d %d %s" % (os.getpid(), child, grandchild))
    os.rename(path + ".tmp", path)
    time.sleep(300)
if len(sys.argv) > 1:
    for line in sys.stdin:
        spawn()
else:
    json.load(sys.stdin)
    spawn()
`

// killedRunLeavesNothing runs an eval whose task starts a child and a setsid
// grandchild and hangs, SIGKILLs caliper, and checks that the task, its child
// and its grandchild are all gone.
func killedRunLeavesNothing(t *testing.T, bin string, worker bool) {
	dir := t.TempDir()
	pidsFile := filepath.Join(dir, "pids")
	command := "[python3, task.py]"
	if worker {
		command = "[python3, task.py, worker], worker: true"
	}
	inputsFiles(t, dir, map[string]string{
		"task.py":    spawnTask,
		"data.jsonl": `{"input": 1}` + "\n",
		"k.eval.yaml": `name: killed
data: {file: data.jsonl}
task: {exec: {command: ` + command + `, env: {PIDS_FILE: "` + pidsFile + `"}}}
scorers:
  - {name: any, expr: "true"}
timeout: 10m
`,
	})
	cmd := exec.Command(bin, "run", "--store", "db.sqlite", "k.eval.yaml")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pids []int
	deadline := time.Now().Add(60 * time.Second)
	for len(pids) == 0 {
		if b, err := os.ReadFile(pidsFile); err == nil {
			for _, f := range strings.Fields(string(b)) {
				pid, _ := strconv.Atoi(f)
				pids = append(pids, pid)
			}
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the task did not start its processes within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	for i, what := range []string{"the task", "its child", "its setsid grandchild"} {
		inputsWaitGone(t, pids[i], what)
	}
}

// inputsWaitGone fails t unless pid exits (or is a zombie) within 10 seconds;
// it kills the process if not, so that the test leaves nothing behind.
func inputsWaitGone(t *testing.T, pid int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && (b[i+2] == 'Z' || b[i+2] == 'X') {
			return
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("%s (pid %d) is still running after caliper was killed", what, pid)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// namedPipeIn makes a named pipe called name, which nothing writes to, in a
// new directory, and returns the directory; it skips where there are none.
func namedPipeIn(t *testing.T, name string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no named pipes")
	}
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return dir
}

// refusedAtOnce runs the eval d.eval.yaml in dir, which must fail within a
// minute with want on stderr.
func refusedAtOnce(t *testing.T, bin, dir, want string) {
	t.Helper()
	cmd := exec.Command(bin, "run", "--store", "db.sqlite", "d.eval.yaml")
	cmd.Dir = dir
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("caliper is still waiting on the named pipe after a minute")
	}
	if cmd.ProcessState.ExitCode() == 0 || !strings.Contains(errOut.String(), want) {
		t.Fatalf("exit %d, stderr %q; want %q", cmd.ProcessState.ExitCode(), errOut.String(), want)
	}
}
