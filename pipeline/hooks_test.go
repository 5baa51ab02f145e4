package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/internal/mask"
	"github.com/caliperhq/caliper/store"
)

// hookTask answers, for each case, the output upper-cased with metadata,
// metrics, tags and a span with a child: as a worker, or a one-shot.
const hookTask = `import json, sys

def answer(req):
    text = req["input"]["q"]
    return {"output": text.upper(), "metadata": {"model": "v2", "lang": "fr"},
            "metrics": {"retrieved_docs": len(text)}, "tags": ["rag"],
            "spans": [{"name": "retrieve", "type": "tool", "input": text, "output": ["d1"],
                       "start": 1796200000, "end": 1796200001.5, "attributes": {"index": "main"},
                       "children": [{"name": "embed", "duration": 0.5}]}]}

if "--worker" in sys.argv:
    for line in sys.stdin:
        req = json.loads(line)
        print(json.dumps(dict(answer(req), id=req["id"])), flush=True)
else:
    json.dump(answer(json.load(sys.stdin)), sys.stdout)
`

// hookScorer scores 1 and reports a metric and a span.
const hookScorer = `import json, sys
req = json.load(sys.stdin)
json.dump({"score": 1, "metadata": {"why": "fine"}, "metrics": {"rules_checked": 2},
           "spans": [{"name": "rule", "type": "score", "output": True}]}, sys.stdout)
`

// TestTaskHooksEndToEnd runs an eval whose task reports metadata, metrics,
// tags and spans (a Python worker, a one-shot, an http endpoint) and whose
// scorer reports a metric and a span, and reads the rows back from SQLite:
// the task's metadata is merged over the case's (the task's keys win), its
// tags are added, the metrics join the row's and a gate sees them, the spans
// are children of the task and of the scorer.
func TestTaskHooksEndToEnd(t *testing.T) {
	t.Parallel()
	needPython(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input struct{ Q string } `json:"input"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &req)
		fmt.Fprintf(w, `{"answer": {"output": %q, "metadata": {"model": "v2", "lang": "fr"}, "metrics": {"retrieved_docs": %d}, "tags": ["rag"],
			"spans": [{"name": "retrieve", "type": "tool", "input": %q, "output": ["d1"], "start": 1796200000, "end": 1796200001.5,
			"attributes": {"index": "main"}, "children": [{"name": "embed", "duration": 0.5}]}]}}`, strings.ToUpper(req.Input.Q), len(req.Input.Q), req.Input.Q)
	}))
	t.Cleanup(srv.Close)
	for name, task := range map[string]string{
		"worker":   `{exec: {command: [python3, task.py, --worker], worker: true}}`,
		"one-shot": `{exec: {command: [python3, task.py]}}`,
		"http":     `{http: {url: "` + srv.URL + `", hooks: true, output: body.answer}}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ev := loadEval(t, `name: hooks
data:
  inline:
    - {id: a, input: {q: abc}, expected: ABC, metadata: {lang: en, team: x}, tags: [smoke]}
    - {id: b, input: {q: hello}, expected: HELLO}
task: `+task+`
scorers:
  - {name: correct, expr: output == expected}
  - {name: policy, exec: {command: [python3, scorer.py]}}
  - {name: sees, expr: 'metrics.retrieved_docs > 0 && metadata.model == "v2"'}
gates:
  - metrics.retrieved_docs.sum == 8
  - metrics.rules_checked.mean == 2
`, map[string]string{"task.py": hookTask, "scorer.py": hookScorer})
			out, rows := runEval(t, context.Background(), ev, Options{})
			if !out.Passed || out.Summary.Errors != 0 {
				t.Fatalf("run did not pass: %+v %v", out.Summary, out.Summary.Failed())
			}
			if len(rows) != 2 {
				t.Fatalf("%d rows", len(rows))
			}
			slices.SortFunc(rows, func(a, b *store.Row) int { return strings.Compare(a.CaseID, b.CaseID) })
			a := rows[0]
			if string(a.Output) != `"ABC"` || a.Scores["correct"] != 1 || a.Scores["sees"] != 1 || a.Scores["policy"] != 1 {
				t.Errorf("row a: output %s scores %v", a.Output, a.Scores)
			}
			var md map[string]any
			if err := json.Unmarshal(a.Metadata, &md); err != nil || md["lang"] != "fr" || md["team"] != "x" || md["model"] != "v2" {
				t.Errorf("row a metadata %s, want the task's over the case's", a.Metadata)
			}
			if !slices.Equal(a.Tags, []string{"smoke", "rag"}) || !slices.Equal(rows[1].Tags, []string{"rag"}) {
				t.Errorf("tags %v and %v", a.Tags, rows[1].Tags)
			}
			if a.Metrics["retrieved_docs"] != 3 || a.Metrics["rules_checked"] != 2 || a.Metrics["duration"] <= 0 {
				t.Errorf("row a metrics %v", a.Metrics)
			}
			var spans []functions.Span
			if err := json.Unmarshal(a.Spans, &spans); err != nil {
				t.Fatal(err)
			}
			got := map[string]functions.Span{}
			for _, s := range spans {
				got[s.Parent+">"+s.Name] = s
			}
			r, ok := got["task>retrieve"]
			if !ok || r.Kind != "tool" || r.Duration.Seconds() != 1.5 || r.Attributes["index"] != "main" || string(r.Input) != `"abc"` {
				t.Errorf("task span %+v in %v", r, got)
			}
			if _, ok := got["task/retrieve>embed"]; !ok {
				t.Errorf("no child span task/retrieve>embed in %v", got)
			}
			if s, ok := got["policy>rule"]; !ok || s.Kind != "score" {
				t.Errorf("no scorer span policy>rule in %v", got)
			}
		})
	}
}

// TestTaskHooksBadAnswerIsACaseError checks that an answer reporting a
// built-in metric's name errors its case, with the metric named, and keeps
// the other cases.
func TestTaskHooksBadAnswerIsACaseError(t *testing.T) {
	t.Parallel()
	needPython(t)
	ev := loadEval(t, `name: hooks-bad
data:
  inline:
    - {id: a, input: {m: tokens}}
    - {id: b, input: {m: docs}}
task: {exec: {command: [python3, task.py], worker: true}}
scorers:
  - {name: ok, expr: "true"}
`, map[string]string{"task.py": `import json, sys
for line in sys.stdin:
    req = json.loads(line)
    print(json.dumps({"id": req["id"], "output": 1, "metrics": {req["input"]["m"]: 5}}), flush=True)
`})
	out, rows := runEval(t, context.Background(), ev, Options{})
	if out.Summary.Errors != 1 || len(rows) != 2 {
		t.Fatalf("summary %+v, %d rows", out.Summary, len(rows))
	}
	for _, r := range rows {
		switch r.CaseID {
		case "a":
			if !strings.Contains(r.Error, "metrics.tokens is a metric Caliper records itself") {
				t.Errorf("row a error %q", r.Error)
			}
		case "b":
			if r.Error != "" || r.Metrics["docs"] != 5 {
				t.Errorf("row b %+v", r)
			}
		}
	}
}

// TestTaskHooksAreMasked checks that a secret a task reports, in its
// metadata, tags or a span's input, output or attributes, never reaches the
// stored row.
func TestTaskHooksAreMasked(t *testing.T) {
	t.Parallel()
	needPython(t)
	const key = "sk-live-hooks-0123456789"
	ev := loadEval(t, `name: hooks-masked
data:
  inline: [{id: a, input: 1}]
task: {exec: {command: [python3, task.py], worker: true}}
scorers: [{name: ok, expr: "true"}]
`, map[string]string{"task.py": `import json, sys
k = "` + key + `"
for line in sys.stdin:
    req = json.loads(line)
    print(json.dumps({"id": req["id"], "output": 1, "metadata": {"auth": k}, "tags": ["t-" + k],
        "spans": [{"name": "call", "input": k, "output": {"k": k}, "attributes": {"header": "Bearer " + k}}]}), flush=True)
`})
	_, rows := runEval(t, context.Background(), ev, Options{Mask: mask.New([]string{key}, nil)})
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	b, _ := json.Marshal(rows[0])
	if strings.Contains(string(b), key) {
		t.Errorf("the stored row holds the secret: %s", b)
	}
	if !strings.Contains(string(b), `Bearer [redacted]`) || !strings.Contains(string(rows[0].Metadata), `[redacted]`) {
		t.Errorf("the row's reported values are not there, masked: %s", b)
	}
}
