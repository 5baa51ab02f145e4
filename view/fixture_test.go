package view

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/store"
	_ "github.com/caliperhq/caliper/store/sqlite" // the store the tests use
)

// fixture is a store on disk with the experiments the tests look at.
type fixture struct {
	db      store.Store
	base    *store.Experiment // qa/main: 20 cases, no errors
	cur     *store.Experiment // qa/feature: 3 errors, 2 regressions, spans, trials
	hostile *store.Experiment // hostile/attack: outputs that try to run script
}

// hostileTexts are values a model might answer that must never run.
var hostileTexts = []string{
	`<script>window.__pwned = 1; alert("script")</script>`,
	`<img src=x onerror="window.__pwned = 2; alert('img')">`,
	`javascript:window.__pwned=3;alert('link')`,
	`</textarea><script>window.__pwned = 4</script><textarea>`,
	`"><svg onload="window.__pwned=5"></svg>`,
	`</pre><div id="injected">injected</div><pre>`,
}

func openTestStore(t testing.TB, path string) store.Store {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureOn(t, openTestStore(t, filepath.Join(t.TempDir(), "caliper.db")))
}

// newFixtureOn stores the fixture's experiments in db, which must be empty.
func newFixtureOn(t testing.TB, db store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db}
	created := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	f.base = f.experiment(t, &store.Experiment{Name: "main", Eval: "qa", Created: created,
		Git: store.Git{Branch: "main", Commit: "1111111111aaaaaaaaaa"}, Parameters: json.RawMessage(`{"model":"openai/gpt-4o-mini"}`)},
		func(i int) []*store.Row { return []*store.Row{qaRow(i, 0, 1, "")} })
	f.cur = f.experiment(t, &store.Experiment{Name: "feature", Eval: "qa", Created: created.Add(time.Hour), Base: f.base.ID,
		Git: store.Git{Branch: "feature/x", Commit: "2222222222bbbbbbbbbb", Author: "Ada"}, Parameters: json.RawMessage(`{"model":"openai/gpt-4o"}`)},
		func(i int) []*store.Row {
			switch i {
			case 3, 7:
				return []*store.Row{qaRow(i, 0, 0, "")} // regressed
			case 5, 6:
				return []*store.Row{qaRow(i, 0, 0, "task timed out after 30s")}
			case 9:
				return []*store.Row{qaRow(i, 0, 0, "connection refused")}
			case 2:
				return []*store.Row{qaRow(i, 0, 1, ""), qaRow(i, 1, 0.5, "")}
			}
			return []*store.Row{qaRow(i, 0, 1, "")}
		})
	f.hostile = f.experiment(t, &store.Experiment{Name: "attack", Eval: "hostile", Created: created.Add(2 * time.Hour)},
		func(i int) []*store.Row {
			if i >= len(hostileTexts) {
				return nil
			}
			h := hostileTexts[i]
			r := qaRow(i, 0, 0.5, "")
			r.CaseID = fmt.Sprintf("%02d-%s", i, h)
			r.Output, _ = json.Marshal(h)
			r.Expected, _ = json.Marshal(h + " expected")
			r.Input, _ = json.Marshal(map[string]string{"question": h})
			r.ScoreMeta = map[string]json.RawMessage{"factual": mustJSON(map[string]string{"choice": h, "rationale": h})}
			r.ScorerErrors = map[string]string{"policy": h}
			r.Spans, _ = json.Marshal([]map[string]any{{"name": h, "kind": "llm", "parent": "task",
				"input": map[string]any{"messages": []map[string]string{{"role": "user", "content": h}}}, "output": map[string]string{"content": h}}})
			if i == 2 {
				r.Error = h
				r.Output = nil
			}
			return []*store.Row{r}
		})
	_ = ctx
	return f
}

// qaRow is case i of the qa eval, with a correct score and an error.
func qaRow(i, trial int, correct float64, errMsg string) *store.Row {
	id := fmt.Sprintf("case-%02d", i)
	r := &store.Row{CaseID: id, Trial: trial, Created: time.Now().UTC(),
		Input:    json.RawMessage(fmt.Sprintf(`{"question":"What is %d + %d?"}`, i, i)),
		Expected: json.RawMessage(fmt.Sprintf(`"%d"`, 2*i)),
		Output:   json.RawMessage(fmt.Sprintf(`"The answer is %d"`, 2*i)),
		Scores:   map[string]float64{"correct": correct, "similar": 0.2 + 0.8*correct*float64(i%5)/4},
		Metrics:  map[string]float64{"duration": 0.1 + float64(i)/100, "tokens": float64(100 + i)},
		Error:    errMsg,
	}
	if errMsg != "" {
		r.Output = nil
		r.Scores = map[string]float64{"correct": 0, "similar": 0}
	}
	if correct == 0 && errMsg == "" {
		r.Output = json.RawMessage(fmt.Sprintf(`"I think it is %d"`, 2*i+1))
	}
	if i == 1 {
		r.ScoreMeta = map[string]json.RawMessage{"factual": json.RawMessage(`{"choice":"C","rationale":"The answer matches the expert answer exactly."}`)}
		r.ScorerErrors = map[string]string{"policy": "policy.py exited with status 1: no rules file"}
		r.Scores["factual"] = 1
		r.Spans = json.RawMessage(`[{"name":"openai/gpt-4o","kind":"llm","parent":"task","duration":412000000,
			"input":{"model":"gpt-4o","messages":[{"role":"system","content":"You add numbers."},{"role":"user","content":"What is 1 + 1?"}]},
			"output":{"content":"The answer is 2","usage":{"prompt_tokens":21,"completion_tokens":5}},
			"metrics":{"prompt_tokens":21,"completion_tokens":5,"tokens":26,"estimated_cost":0.00011,"llm_calls":1}},
			{"name":"openai/gpt-4o-mini","kind":"llm","parent":"factual","duration":803000000,
			"input":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Compare the submission with the expert answer."}]},
			"output":{"content":"","tool_calls":[{"name":"select_choice","arguments":{"reasons":"matches","choice":"C"}}]},
			"metrics":{"prompt_tokens":180,"completion_tokens":20,"tokens":200,"estimated_cost":0.00004,"llm_calls":1}}]`)
	}
	return r
}

// experiment stores an experiment whose case i has the rows of rowsOf(i),
// for i from 0 until rowsOf returns none (at most 20), and its summary.
func (f *fixture) experiment(t testing.TB, e *store.Experiment, rowsOf func(i int) []*store.Row) *store.Experiment {
	t.Helper()
	ctx := context.Background()
	if err := f.db.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	w := f.db.NewWriter(e.ID, store.WriterOptions{})
	for i := 0; i < 20; i++ {
		rows := rowsOf(i)
		if rows == nil {
			break
		}
		for _, r := range rows {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.finish(t, e, store.StatusCompleted)
	got, err := f.db.Experiment(ctx, "", e.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// finish stores the summary of e, compared with its base, as caliper run does.
func (f *fixture) finish(t testing.TB, e *store.Experiment, status string) {
	t.Helper()
	ctx := context.Background()
	opts := report.SummaryOptions{Eval: e.Eval, Experiment: e.Name, Status: status, Duration: 12.5}
	var sum *report.Summary
	var err error
	if e.Base != "" {
		b, _ := f.db.Experiment(ctx, "", e.Base)
		sum, err = report.Compare(report.StoreRows(ctx, f.db, e.ID), report.StoreRows(ctx, f.db, b.ID),
			report.CompareOptions{SummaryOptions: opts, Base: b.Name})
	} else {
		sum, err = report.Summarize(report.StoreRows(ctx, f.db, e.ID), opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(sum)
	if err := f.db.UpdateExperiment(ctx, e.ID, status, raw); err != nil {
		t.Fatal(err)
	}
}

// server is a viewer of the fixture's store.
func (f *fixture) server(t testing.TB, opts Options) *Server {
	t.Helper()
	opts.Store = f.db
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
