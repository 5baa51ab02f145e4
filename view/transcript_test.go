package view

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

func TestCasePageShowsTheTranscript(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.experiment(t, &store.Experiment{Name: "agent", Eval: "agent", Created: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		func(i int) []*store.Row {
			if i > 0 {
				return nil
			}
			return []*store.Row{{CaseID: "orders", Input: json.RawMessage(`"where is 7?"`), Output: json.RawMessage(`"shipped"`),
				Created: time.Now().UTC(), StopReason: "max_turns",
				Messages: json.RawMessage(`[{"role":"user","content":"where is 7?"},
					{"role":"assistant","content":"","tool_calls":[{"id":"call_1","name":"lookup_order","arguments":{"id":7}}]},
					{"role":"tool","content":"<script>alert(1)</script>","tool_call_id":"call_1","is_error":true}]`)}}
		})
	code, body := get(t, f.server(t, Options{}).Handler(), "/e/"+url.PathEscape(e.ID)+"/cases/orders")
	if code != 200 {
		t.Fatalf("status %d\n%s", code, body)
	}
	for _, want := range []string{"Transcript", "stop: max_turns", "3 messages", "<b>lookup_order</b>", `{&#34;id&#34;:7}`, "call_1", "&lt;script&gt;alert(1)&lt;/script&gt;", `class="msg err"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>alert(1)") {
		t.Error("a tool result reached the page unescaped")
	}
}
