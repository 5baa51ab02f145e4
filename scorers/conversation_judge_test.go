package scorers

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// agentTranscript is the transcript of an agent task in the shape the agent
// loop records: OpenAI-style tool calls with ids, tool messages that answer
// them.
var agentTranscript = []map[string]any{
	{"role": "system", "content": "You are the Acme support agent."},
	{"role": "user", "content": "Where is order 42?"},
	{"role": "assistant", "content": "", "tool_calls": []any{
		map[string]any{"id": "call_1", "type": "function", "function": map[string]any{"name": "lookup_order", "arguments": `{"id":42}`}},
		map[string]any{"id": "call_2", "name": "track", "arguments": map[string]any{"carrier": "ups"}},
	}},
	{"role": "tool", "tool_call_id": "call_1", "content": `{"status":"shipped"}`},
	{"role": "tool", "tool_call_id": "call_2", "content": map[string]any{"eta": "Monday"}},
	{"role": "assistant", "content": "It shipped and arrives Monday."},
}

const agentTranscriptText = `system: You are the Acme support agent.

user: Where is order 42?

assistant called lookup_order {"id":42}
assistant called track {"carrier":"ups"}

tool lookup_order: {"status":"shipped"}

tool track: {"eta":"Monday"}

assistant: It shipped and arrives Monday.`

func TestTranscript(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msgs []map[string]any
		want string
	}{
		{"an agent's transcript", agentTranscript, agentTranscriptText},
		{"none", nil, ""},
		{"parts, an image, a named tool and text with tool calls", []map[string]any{
			{"role": "user", "content": []any{map[string]any{"type": "text", "text": "What is this?"}, map[string]any{"type": "image", "image": "a.png"}}},
			{"role": "assistant", "content": "Let me look.", "tool_calls": []any{map[string]any{"name": "ocr", "arguments": map[string]any{}}}},
			{"role": "tool", "name": "ocr", "content": "STOP"},
			{"content": "no role"},
		}, "user: What is this?\n[image]\n\nassistant: Let me look.\nassistant called ocr {}\n\ntool ocr: STOP\n\nunknown: no role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Transcript(tt.msgs); got != tt.want {
				t.Errorf("Transcript =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestTranscriptOfACaseWithoutAgent(t *testing.T) {
	t.Parallel()
	conv := map[string]any{"messages": []any{
		map[string]any{"role": "user", "content": "Hi"},
		map[string]any{"role": "assistant", "content": "Hello! How can I help?"},
		map[string]any{"role": "user", "content": "Refund order 7."},
	}}
	tests := []struct {
		name string
		env  spec.ScorerEnv
		want string
	}{
		{"a conversation case", spec.ScorerEnv{Input: conv, Output: "Done: refund issued."},
			"user: Hi\n\nassistant: Hello! How can I help?\n\nuser: Refund order 7.\n\nassistant: Done: refund issued."},
		{"a single question", spec.ScorerEnv{Input: map[string]any{"q": "2+2"}, Output: 4.0}, "user: {\"q\":\"2+2\"}\n\nassistant: 4"},
		{"a one-turn prompt that called tools", spec.ScorerEnv{Input: "Where is order 42?", Output: []any{map[string]any{"name": "lookup_order", "arguments": map[string]any{"id": 42.0}}}},
			"user: Where is order 42?\n\nassistant called lookup_order {\"id\":42}"},
		{"a list of objects that are not calls", spec.ScorerEnv{Input: "List them", Output: []any{map[string]any{"a": 1.0}}},
			"user: List them\n\nassistant: [{\"a\":1}]"},
		{"an agent's transcript wins", spec.ScorerEnv{Input: conv, Output: "x", Messages: agentTranscript}, agentTranscriptText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Transcript(transcriptOf(&tt.env, tt.env.Output)); got != tt.want {
				t.Errorf("transcript =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestConversationJudge scores a transcript with conversation_judge against
// a real server speaking the OpenAI wire format and checks the prompt it got.
func TestConversationJudge(t *testing.T) {
	t.Parallel()
	for choice, want := range map[string]float64{"Y": 1, "N": 0} {
		s := newJudgeServer(t, false, choose(choice, "It looked the order up first."))
		testConversationJudge(t, s, choice, want)
		if req := s.requests()[0]; req["model"] != "gpt-4o-mini" || req["temperature"] != 0.0 {
			t.Errorf("model %v temperature %v", req["model"], req["temperature"])
		}
	}
}

// TestConversationJudgeOnAnthropic: the same judge over Anthropic's
// messages API, answering with a tool_use block.
func TestConversationJudgeOnAnthropic(t *testing.T) {
	t.Parallel()
	s := newJudgeServer(t, true, choose("Y", "It looked the order up first."))
	testConversationJudge(t, s, "Y", 1)
}

func testConversationJudge(t *testing.T, s *judgeServer, choice string, want float64) {
	t.Helper()
	sc := buildJudge(t, s, "conversation_judge", map[string]any{"criteria": "The assistant checks the order before answering."})
	got, err := sc.Score(context.Background(), &spec.ScorerEnv{Input: "Where is order 42?", Output: "It shipped and arrives Monday.", Messages: agentTranscript})
	if err != nil {
		t.Fatal(err)
	}
	wantScores := []Score{{Name: "conversation_judge", Value: want, Metadata: map[string]any{"choice": choice, "rationale": "It looked the order up first."}}}
	if !reflect.DeepEqual(got, wantScores) {
		t.Errorf("scores %+v, want %+v", got, wantScores)
	}
	content := firstMessageText(s.requests()[0])
	for _, part := range []string{
		"[Conversation]\n" + agentTranscriptText + "\n\n[Criterion]\nThe assistant checks the order before answering.\n",
		"Choose Y if it does, N if it does not.",
		"set `choice` to one of: Y, N.",
	} {
		if !strings.Contains(content, part) {
			t.Errorf("the judge's prompt lacks %q:\n%s", part, content)
		}
	}
}

// firstMessageText is the text of the first message of a request in either
// wire format: a string (OpenAI) or text blocks (Anthropic).
func firstMessageText(req map[string]any) string {
	switch c := req["messages"].([]any)[0].(map[string]any)["content"].(type) {
	case string:
		return c
	case []any:
		var b strings.Builder
		for _, block := range c {
			text, _ := block.(map[string]any)["text"].(string)
			b.WriteString(text)
		}
		return b.String()
	}
	return ""
}

func TestConversationJudgeNeedsCriteria(t *testing.T) {
	t.Parallel()
	s := newJudgeServer(t, false, choose("Y", ""))
	_, err := Build(useSpec("c", "conversation_judge", nil), judgeRegistry(), Deps{LLM: judgeClient(t, s)})
	if err == nil || !strings.Contains(err.Error(), "conversation_judge needs with.criteria") {
		t.Errorf("error %v", err)
	}
}

// TestPromptJudgeRendersMessages: a judge prompt of the team's own (choice
// scores over {{messages}}) gets the transcript, not the input field of the
// same name.
func TestPromptJudgeRendersMessages(t *testing.T) {
	t.Parallel()
	s := newJudgeServer(t, false, choose("resolved", "Refund issued."))
	prompt := &spec.Prompt{
		File: "judges/resolved.prompt.yaml", Model: "test/gpt-4o-mini", Strict: true, UseCot: true,
		Messages: []spec.Message{{Role: "user", Content: "Was the issue resolved?\n\n{{messages}}"}},
		Choices:  []spec.Choice{{Name: "resolved", Score: 1}, {Name: "unresolved", Score: 0}},
	}
	sc, err := BuildPromptJudge(spec.Scorer{Name: "resolved", Body: spec.Body{Kind: spec.KindPrompt, Prompt: prompt}}, Deps{LLM: judgeClient(t, s)})
	if err != nil {
		t.Fatal(err)
	}
	input := map[string]any{"messages": []any{map[string]any{"role": "user", "content": "Refund order 7."}}}
	got, err := sc.Score(context.Background(), &spec.ScorerEnv{Input: input, Output: "Refund issued."})
	if err != nil || len(got) != 1 || got[0].Value != 1 {
		t.Fatalf("scores %+v %v", got, err)
	}
	content := s.requests()[0]["messages"].([]any)[0].(map[string]any)["content"]
	if want := "Was the issue resolved?\n\nuser: Refund order 7.\n\nassistant: Refund issued."; content != want {
		t.Errorf("the judge got\n%s\nwant\n%s", content, want)
	}
}
