// Command fakemodel is a local stand-in for a model, for the offline agent
// example: an OpenAI-compatible chat completions server (POST
// /v1/chat/completions) that plays a support agent deterministically from
// the messages it is sent. It looks up every order number of the user's
// message with lookup_order (in parallel when there are several), refunds a
// found order with refund_order when the user asks for a refund, then
// answers from the tool results. It needs no key and calls nothing.
//
//	go run ./examples/agent/fakemodel 18766
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"regexp"
	"strings"
)

type message struct {
	Role       string     `json:"role"`
	Content    string     `json:"content"`
	ToolCallID string     `json:"tool_call_id"`
	ToolCalls  []toolCall `json:"tool_calls"`
}

type toolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

var orderNumber = regexp.MustCompile(`\b\d{4}\b`)

func main() {
	port := "18766"
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	http.HandleFunc("/v1/chat/completions", complete)
	log.Printf("fakemodel listening on 127.0.0.1:%s", port)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, nil))
}

func complete(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model    string    `json:"model"`
		Messages []message `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error": {"message": "the body is not a chat completions request"}}`, http.StatusBadRequest)
		return
	}
	calls, text := next(req.Messages)
	msg := map[string]any{"role": "assistant", "content": text}
	if len(calls) > 0 {
		msg["content"], msg["tool_calls"] = nil, calls
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": req.Model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish(calls)}},
		"usage":   map[string]any{"prompt_tokens": promptTokens(req.Messages), "completion_tokens": 12, "total_tokens": promptTokens(req.Messages) + 12},
	})
}

func finish(calls []toolCall) string {
	if len(calls) > 0 {
		return "tool_calls"
	}
	return "stop"
}

// promptTokens counts about four characters a token.
func promptTokens(msgs []message) int {
	n := 0
	for _, m := range msgs {
		n += len(m.Content)/4 + 4
	}
	return n
}

// next is the agent's next move: tool calls, or the final answer.
func next(msgs []message) ([]toolCall, string) {
	var user string
	results := map[string]string{} // tool call id -> result
	called := map[string]toolCall{}
	for _, m := range msgs {
		switch m.Role {
		case "user":
			user = m.Content
		case "tool":
			results[m.ToolCallID] = m.Content
		case "assistant":
			for _, c := range m.ToolCalls {
				called[c.ID] = c
			}
		}
	}
	orders := orderNumber.FindAllString(user, -1)
	if len(called) == 0 && len(orders) > 0 {
		var calls []toolCall
		for i, o := range orders {
			calls = append(calls, call(fmt.Sprintf("call_lookup_%d", i+1), "lookup_order", fmt.Sprintf(`{"order_id": %s}`, o)))
		}
		return calls, ""
	}
	if strings.Contains(strings.ToLower(user), "refund") && !hasCall(called, "refund_order") {
		for id, c := range called {
			if c.Function.Name == "lookup_order" && !strings.HasPrefix(results[id], "error") {
				var args struct {
					OrderID int `json:"order_id"`
				}
				_ = json.Unmarshal([]byte(c.Function.Arguments), &args)
				return []toolCall{call("call_refund_1", "refund_order", fmt.Sprintf(`{"order_id": %d, "reason": "damaged"}`, args.OrderID))}, ""
			}
		}
	}
	return nil, answer(msgs, results)
}

func hasCall(called map[string]toolCall, name string) bool {
	for _, c := range called {
		if c.Function.Name == name {
			return true
		}
	}
	return false
}

func call(id, name, args string) toolCall {
	c := toolCall{ID: id, Type: "function"}
	c.Function.Name, c.Function.Arguments = name, args
	return c
}

// answer writes one sentence per tool result, in the order of the calls.
func answer(msgs []message, results map[string]string) string {
	var parts []string
	for _, m := range msgs {
		for _, c := range m.ToolCalls {
			res := results[c.ID]
			var args struct {
				OrderID int `json:"order_id"`
			}
			_ = json.Unmarshal([]byte(c.Function.Arguments), &args)
			switch {
			case strings.HasPrefix(res, "error"):
				parts = append(parts, fmt.Sprintf("I could not find order %d.", args.OrderID))
			case c.Function.Name == "lookup_order":
				var o struct{ Status, Eta string }
				_ = json.Unmarshal([]byte(res), &o)
				s := fmt.Sprintf("Order %d is %s.", args.OrderID, o.Status)
				if o.Eta != "" {
					s = fmt.Sprintf("Order %d is %s and arrives on %s.", args.OrderID, o.Status, o.Eta)
				}
				parts = append(parts, s)
			case c.Function.Name == "refund_order":
				parts = append(parts, "I have refunded it: "+res+".")
			}
		}
	}
	if len(parts) == 0 {
		return "How can I help with your order?"
	}
	return strings.Join(parts, " ")
}
