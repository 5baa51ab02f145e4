package functions

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/caliperhq/caliper/spec"
)

// answerTransports build a task that answers with its request's input, as
// a one-shot, a worker (the input's keys beside "id") and an http endpoint
// with hooks: true.
func answerTransports(t *testing.T) map[string]Function {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input json.RawMessage `json:"input"`
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(req.Input)
	}))
	t.Cleanup(srv.Close)
	return map[string]Function{
		"one-shot": mustNew(t, execBody(pyExec(t, "oneshot_answer.py", false)), Options{Concurrency: 1}),
		"worker":   mustNew(t, execBody(pyExec(t, "worker_keys.py", true)), Options{Concurrency: 1}),
		"http":     mustNew(t, spec.Body{Kind: spec.KindHTTP, HTTP: &spec.HTTP{URL: srv.URL, Hooks: true}}, Options{}),
	}
}

// TestTaskAnswerHooks checks that a task's answer object reaches the trace
// (metadata, metrics, tags, spans with their children) and its output is
// the task's output, through every transport.
func TestTaskAnswerHooks(t *testing.T) {
	t.Parallel()
	needPython(t)
	answer := map[string]any{
		"output":   "Paris",
		"metadata": map[string]any{"retriever": "bm25"},
		"metrics":  map[string]any{"retrieved_docs": 3},
		"tags":     []any{"rag", "rag"},
		"spans": []any{map[string]any{
			"name": "retrieve", "type": "tool", "input": "capital of France", "output": []any{"doc1"},
			"start": 1796200000.5, "end": 1796200001.0, "attributes": map[string]any{"k": 3},
			"children": []any{map[string]any{"name": "embed", "duration": 0.25}},
		}},
	}
	for name, f := range answerTransports(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tr := &Trace{}
			ctx := WithTrace(context.Background(), tr, "task")
			out, err := f.Call(ctx, &Request{Input: answer, Trace: tr})
			if err != nil {
				t.Fatal(err)
			}
			if out != "Paris" {
				t.Errorf("output %#v, want \"Paris\"", out)
			}
			if md := tr.ReportedMetadata(); !reflect.DeepEqual(md, map[string]any{"retriever": "bm25"}) {
				t.Errorf("metadata %v", md)
			}
			if tags := tr.ReportedTags(); !reflect.DeepEqual(tags, []string{"rag"}) {
				t.Errorf("tags %v", tags)
			}
			if m := tr.Metrics(); m["retrieved_docs"] != 3 {
				t.Errorf("metrics %v", m)
			}
			spans := tr.Spans()
			if len(spans) != 2 {
				t.Fatalf("%d spans, want 2: %+v", len(spans), spans)
			}
			s, kid := spans[0], spans[1]
			if s.Name != "retrieve" || s.Kind != "tool" || s.Parent != "task" || s.Duration != 500*time.Millisecond ||
				string(s.Input) != `"capital of France"` || string(s.Output) != `["doc1"]` || s.Attributes["k"] != float64(3) ||
				!s.Start.Equal(time.Unix(1796200000, 5e8)) {
				t.Errorf("span %+v", s)
			}
			if kid.Name != "embed" || kid.Kind != "function" || kid.Parent != "task/retrieve" || kid.Duration != 250*time.Millisecond || kid.Start.IsZero() {
				t.Errorf("child span %+v", kid)
			}
		})
	}
}

// TestTaskAnswerErrors checks that a bad answer object fails its call with
// an error naming the bad key or path, through every transport.
func TestTaskAnswerErrors(t *testing.T) {
	t.Parallel()
	needPython(t)
	tests := []struct {
		name   string
		answer map[string]any
		want   []string
	}{
		{"an unknown key", map[string]any{"output": 1, "metdata": map[string]any{}}, []string{`unknown key "metdata"`, `did you mean "metadata"?`}},
		{"metadata not an object", map[string]any{"output": 1, "metadata": "x"}, []string{`"metadata" must be an object, not the string "x"`}},
		{"a built-in metric", map[string]any{"output": 1, "metrics": map[string]any{"duration": 2}}, []string{`metrics.duration is a metric Caliper records itself`, `rename yours`}},
		{"an llm_ metric", map[string]any{"output": 1, "metrics": map[string]any{"llm_calls": 2}}, []string{`metrics.llm_calls is a metric Caliper records itself`}},
		{"a metric not a number", map[string]any{"output": 1, "metrics": map[string]any{"docs": "3"}}, []string{`metrics.docs must be a number, not the string "3"`}},
		{"a tag not a string", map[string]any{"output": 1, "tags": []any{"a", 2}}, []string{`tags[1] must be a non-empty string, not the number 2`}},
		{"spans not a list", map[string]any{"output": 1, "spans": map[string]any{}}, []string{`"spans" must be a list of span objects`}},
		{"a span without a name", map[string]any{"output": 1, "spans": []any{map[string]any{"type": "llm"}}}, []string{`spans[0].name must be a non-empty string, not null`}},
		{"a span's unknown key", map[string]any{"output": 1, "spans": []any{map[string]any{"name": "a", "inptu": 1}}}, []string{`unknown key "inptu" in spans[0]`, `did you mean "input"?`}},
		{"a child's bad start", map[string]any{"output": 1, "spans": []any{map[string]any{"name": "a", "children": []any{map[string]any{"name": "b", "start": "yesterday"}}}}}, []string{`spans[0].children[0].start: must be seconds since 1970`}},
		{"end before start", map[string]any{"output": 1, "spans": []any{map[string]any{"name": "a", "start": 10, "end": 5}}}, []string{`spans[0].end is before its start`}},
		{"end and duration", map[string]any{"output": 1, "spans": []any{map[string]any{"name": "a", "end": 5, "duration": 1}}}, []string{`spans[0]: give end or duration, not both`}},
		{"a duration too long", map[string]any{"output": 1, "spans": []any{map[string]any{"name": "a", "duration": 1e300}}}, []string{`spans[0].duration must be a number of seconds, from 0 to`}},
		{"a bad type", map[string]any{"output": 1, "spans": []any{map[string]any{"name": "a", "type": "LLM call"}}}, []string{`spans[0].type must be a lower-case word`}},
	}
	fs := answerTransports(t)
	for _, tt := range tests {
		for name, f := range fs {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				tr := &Trace{}
				_, err := f.Call(WithTrace(context.Background(), tr, "task"), &Request{Input: tt.answer, Trace: tr})
				wantErr(t, err, tt.want...)
				if len(tr.Spans()) != 0 || len(tr.Metrics()) != 0 || tr.ReportedMetadata() != nil {
					t.Errorf("a refused answer left a report in the trace")
				}
			})
		}
	}
}

// TestAnswerObjectNeedsOutput checks what is not an answer object: a
// one-shot's object without "output" is its output, whole; an http
// endpoint without hooks keeps its body as the output, "output" key or not,
// and with hooks refuses a body that is not an answer object.
func TestAnswerObjectNeedsOutput(t *testing.T) {
	t.Parallel()
	needPython(t)
	f := mustNew(t, execBody(pyExec(t, "oneshot_answer.py", false)), Options{Concurrency: 1})
	plain := map[string]any{"answer": 1.0, "metadata": map[string]any{"a": 1.0}}
	out, err := call(f, &Request{Input: plain})
	if err != nil || !reflect.DeepEqual(out, plain) {
		t.Errorf("one-shot without output: %v, %v", out, err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"output": "x", "extra": 1}`)
	}))
	t.Cleanup(srv.Close)
	plainHTTP := mustNew(t, spec.Body{Kind: spec.KindHTTP, HTTP: &spec.HTTP{URL: srv.URL}}, Options{})
	out, err = call(plainHTTP, &Request{})
	if err != nil || !reflect.DeepEqual(out, map[string]any{"output": "x", "extra": float64(1)}) {
		t.Errorf("http without hooks: %v, %v", out, err)
	}
	hooked := mustNew(t, spec.Body{Kind: spec.KindHTTP, HTTP: &spec.HTTP{URL: srv.URL, Hooks: true}}, Options{})
	_, err = call(hooked, &Request{})
	wantErr(t, err, `unknown key "extra" in an answer object`)
	srvText := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `plain text`)
	}))
	t.Cleanup(srvText.Close)
	hookedText := mustNew(t, spec.Body{Kind: spec.KindHTTP, HTTP: &spec.HTTP{URL: srvText.URL, Hooks: true}}, Options{})
	_, err = call(hookedText, &Request{})
	wantErr(t, err, `http.hooks is set, so the response body must be an answer object`, `not the string "plain text"`)
	_, err = New(spec.Body{Kind: spec.KindHTTP, HTTP: &spec.HTTP{URL: srv.URL, Hooks: true}}, Options{Role: RoleScorer})
	wantErr(t, err, "http.hooks is for tasks")
}

// TestScoreHooks checks a scorer result object's metrics and spans, and
// that its other keys are refused by name.
func TestScoreHooks(t *testing.T) {
	t.Parallel()
	tr := &Trace{}
	ctx := WithTrace(context.Background(), tr, "policy")
	v, err := TakeScoreHooks(ctx, tr, map[string]any{
		"score": 1.0, "metadata": map[string]any{"why": "ok"},
		"metrics": map[string]any{"rules_checked": 4}, "spans": []any{map[string]any{"name": "rule", "type": "score"}},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v, map[string]any{"score": 1.0, "metadata": map[string]any{"why": "ok"}}) {
		t.Errorf("result %v", v)
	}
	if tr.Metrics()["rules_checked"] != 4 {
		t.Errorf("metrics %v", tr.Metrics())
	}
	if sp := tr.Spans(); len(sp) != 1 || sp[0].Parent != "policy" || sp[0].Kind != "score" {
		t.Errorf("spans %+v", sp)
	}
	_, err = TakeScoreHooks(ctx, tr, map[string]any{"score": 1.0, "metrcs": map[string]any{}}, time.Now())
	wantErr(t, err, `unknown key "metrcs" in a scorer result; did you mean "metrics"?`)
	for _, v := range []any{0.5, []any{map[string]any{"name": "a", "score": 1}}, map[string]any{"not": "a score"}} {
		got, err := TakeScoreHooks(ctx, tr, v, time.Now())
		if err != nil || !reflect.DeepEqual(got, v) {
			t.Errorf("TakeScoreHooks(%v) = %v, %v; want it unchanged", v, got, err)
		}
	}
}

// FuzzAnswerObject checks that no answer object, however shaped, panics the
// parser, and that an accepted one leaves only well-formed spans.
func FuzzAnswerObject(f *testing.F) {
	f.Add(`{"output": 1, "metadata": {"a": 1}, "metrics": {"m": 2}, "tags": ["x"], "spans": [{"name": "s", "start": 1, "end": 2, "children": [{"name": "c", "duration": 1}]}]}`)
	f.Add(`{"output": null, "spans": [{"name": "s", "start": "2026-01-02T03:04:05Z", "attributes": {}}]}`)
	f.Add(`{"output": 1, "spans": [{"name": "", "type": 3}], "metrics": {"duration": 1}}`)
	f.Fuzz(func(t *testing.T, s string) {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) != nil || m == nil {
			return
		}
		if _, ok := m["output"]; !ok {
			return
		}
		tr := &Trace{}
		if _, err := takeAnswer(context.Background(), &Request{Trace: tr}, m, time.Unix(0, 0)); err != nil {
			return
		}
		for _, sp := range tr.Spans() {
			if sp.Name == "" || sp.Duration < 0 || !isWord(sp.Kind) {
				t.Fatalf("accepted a bad span %+v from %s", sp, s)
			}
		}
	})
}
