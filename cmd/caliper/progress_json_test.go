package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestProgressJSONWritesOneEventPerLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "e.eval.yaml"), `name: e
experiment: first
data: {inline: [{id: a, input: 1}, {id: b, input: 0}, {id: c, input: 2}]}
task: {expr: 'input == 0 ? int("boom") : input'}
scorers: [{name: pos, expr: output > 0}]
trials: 2
`)
	code, out, errOut := run(t, dir, "run", "--store", filepath.Join(dir, "s.db"), "--progress", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var events []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("a stderr line is not JSON: %q: %v", line, err)
		}
		events = append(events, ev)
	}
	count := map[string]int{}
	for _, ev := range events {
		count[ev["event"].(string)]++
	}
	if len(events) < 2 || events[0]["event"] != "start" || events[len(events)-1]["event"] != "summary" {
		t.Fatalf("events %v: want start first and summary last", events)
	}
	start := events[0]
	if start["experiment"] != "first" || start["experiment_id"] == "" || start["cases"] != 3.0 || start["rows"] != 6.0 || start["trials"] != 2.0 {
		t.Errorf("start event %v: want the experiment and 3 cases × 2 trials", start)
	}
	if count["row"] != 6 || count["error"] != 2 || count["start"] != 1 || count["summary"] != 1 {
		t.Errorf("event counts %v: want 6 rows, 2 errors (case b), one start and one summary", count)
	}
	sum := events[len(events)-1]["summary"].(map[string]any)
	if sum["rows"] != 6.0 || sum["errors"] != 2.0 {
		t.Errorf("summary event %v", sum)
	}
	code, _, errOut = run(t, dir, "run", "--store", filepath.Join(dir, "s.db"), "--progress", "xml")
	if code != ExitInvalid || !strings.Contains(errOut, "json") {
		t.Errorf("--progress xml: exit %d, %s", code, errOut)
	}
}
