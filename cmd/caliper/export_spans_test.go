package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// exportedLine is what the tests read of a line of experiments export and
// --jsonl.
type exportedLine struct {
	CaseID   string           `json:"case_id"`
	Spans    []map[string]any `json:"spans"`
	Feedback []struct {
		Name    string   `json:"name"`
		Score   *float64 `json:"score"`
		Comment string   `json:"comment"`
		Author  string   `json:"author"`
	} `json:"feedback"`
}

func exportedLines(t *testing.T, text string) map[string]exportedLine {
	t.Helper()
	out := map[string]exportedLine{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		var l exportedLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out[l.CaseID] = l
	}
	return out
}

func TestExportAndJSONLHoldSpansAndFeedback(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	srv := capitalsServer(t, &requests)
	defer srv.Close()
	dir := t.TempDir()
	writeLLMProject(t, dir, srv.URL)
	env := map[string]string{"LOCAL_KEY": "test-key", "USER": "ada"}
	runJSONL := filepath.Join(dir, "run.jsonl")
	code, out, errOut := runEnv(t, dir, env, "run", "--jsonl", runJSONL)
	if code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	exp := regexp.MustCompile(`as experiment (\S+)`).FindStringSubmatch(out)
	if exp == nil {
		t.Fatalf("no experiment name in %q", out)
	}
	written, err := os.ReadFile(runJSONL)
	if err != nil {
		t.Fatal(err)
	}
	if fr := exportedLines(t, string(written))["fr"]; len(fr.Spans) != 2 || fr.Spans[0]["kind"] != "llm" {
		t.Errorf("--jsonl: case fr has spans %v, want the task's and the judge's model calls", fr.Spans)
	}
	if code, out, errOut := runEnv(t, dir, env, "feedback", exp[1], "fr", "--score", "helpful=1", "--comment", "right", "--author", "ada"); code != ExitOK {
		t.Fatalf("feedback: exit %d\n%s%s", code, out, errOut)
	}

	check := func(name, text string) {
		t.Helper()
		lines := exportedLines(t, text)
		fr, jp := lines["fr"], lines["jp"]
		if len(fr.Spans) != 2 || fr.Spans[1]["kind"] != "llm" || fr.Spans[1]["parent"] != "closed_qa" {
			t.Errorf("%s: case fr has spans %v", name, fr.Spans)
		}
		if len(fr.Feedback) != 1 || fr.Feedback[0].Name != "helpful" || fr.Feedback[0].Score == nil || *fr.Feedback[0].Score != 1 ||
			fr.Feedback[0].Comment != "right" || fr.Feedback[0].Author != "ada" {
			t.Errorf("%s: case fr has feedback %+v, want helpful=1 by ada", name, fr.Feedback)
		}
		if len(jp.Feedback) != 0 {
			t.Errorf("%s: case jp has feedback %+v given on fr", name, jp.Feedback)
		}
	}
	code, out, errOut = runEnv(t, dir, env, "experiments", "export", exp[1])
	if code != ExitOK {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	check("experiments export", out)
	compared := filepath.Join(dir, "compare.jsonl")
	if code, out, errOut := runEnv(t, dir, env, "compare", exp[1], exp[1], "--report", "jsonl="+compared); code != ExitOK {
		t.Fatalf("compare: exit %d\n%s%s", code, out, errOut)
	}
	written, err = os.ReadFile(compared)
	if err != nil {
		t.Fatal(err)
	}
	check("compare --report jsonl", string(written))
}
