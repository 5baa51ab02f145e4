package llm

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func chat(c *Client, model string) (*ChatResponse, error) {
	return c.Chat(context.Background(), ChatRequest{Model: model, Messages: []Message{{Role: RoleUser, Content: "hi"}}})
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		header map[string]string
		min    time.Duration
	}{
		{"seconds", map[string]string{"Retry-After": "1"}, time.Second},
		{"milliseconds", map[string]string{"retry-after-ms": "300", "Retry-After": "9"}, 300 * time.Millisecond},
		{"date", map[string]string{"Retry-After": "DATE"}, 500 * time.Millisecond}, // written when the 429 is sent; the date has whole seconds
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(n int, _ received) reply {
				if n == 0 {
					return reply{Status: 429, Header: retryHeader(tc.header), Body: `{"error": {"message": "Rate limit reached for gpt-4o-mini", "type": "requests", "code": "rate_limit_exceeded"}}`}
				}
				return reply{Body: openaiAnswer("after the wait")}
			})
			// A backoff far longer than the Retry-After shows that the header decides.
			c := testClient(t, f.URL, func(c *Config, _ *ProviderConfig) { c.MinBackoff, c.MaxBackoff = time.Hour, time.Hour })
			start := time.Now()
			resp, err := chat(c, "test/gpt-4o-mini")
			if err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took < tc.min {
				t.Errorf("the retry came after %s, before the %s the server asked for", took, tc.min)
			}
			if resp.Content != "after the wait" || resp.Attempts != 2 || f.calls() != 2 {
				t.Errorf("content %q after %d attempts and %d calls, want the second answer", resp.Content, resp.Attempts, f.calls())
			}
		})
	}
}

// retryHeader returns header with a Retry-After of "DATE" replaced by the HTTP
// date two seconds from now, so the wait it asks for starts when it is sent.
func retryHeader(header map[string]string) map[string]string {
	if header["Retry-After"] != "DATE" {
		return header
	}
	return map[string]string{"Retry-After": time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)}
}

func TestServerErrorsThenSuccess(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(n int, _ received) reply {
		switch n {
		case 0:
			return reply{Status: 500, Body: `{"error": {"message": "The server had an error", "type": "server_error"}}`}
		case 1:
			return reply{Status: 502, Header: map[string]string{"Content-Type": "text/html"}, Body: "<html>Bad gateway</html>"}
		case 2:
			return reply{Status: 529, Body: `{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}`}
		}
		return reply{Body: openaiAnswer("fine")}
	})
	c := testClient(t, f.URL, nil)
	resp, err := chat(c, "test/gpt-4o-mini")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != "fine" || resp.Attempts != 4 {
		t.Errorf("got %q after %d attempts, want fine after 4", resp.Content, resp.Attempts)
	}
}

func TestLastRetryCarriesTheProvidersMessage(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(int, received) reply {
		return reply{Status: 503, Body: `{"error": {"message": "The engine is currently overloaded, please try again later", "type": "server_error"}}`}
	})
	c := testClient(t, f.URL, func(_ *Config, p *ProviderConfig) { p.MaxRetries = 2 })
	_, err := chat(c, "test/gpt-4o-mini")
	var aerr *APIError
	if !errors.As(err, &aerr) {
		t.Fatalf("error %v is not an *APIError", err)
	}
	if aerr.Status != 503 || aerr.Attempts != 3 || f.calls() != 3 {
		t.Errorf("status %d after %d attempts (%d calls), want 503 after 3", aerr.Status, aerr.Attempts, f.calls())
	}
	want := "test/gpt-4o-mini: 503 Service Unavailable: The engine is currently overloaded, please try again later (after 3 attempts)"
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q\nwant it to start with %q", err, want)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(int, received) reply {
		return reply{Status: 401, Body: `{"error": {"message": "Incorrect API key provided: sk-test-secret. You can find your API key at https://platform.openai.com/account/api-keys.", "type": "invalid_request_error", "code": "invalid_api_key"}}`}
	})
	c := testClient(t, f.URL, nil)
	_, err := chat(c, "test/gpt-4o-mini")
	if err == nil || f.calls() != 1 {
		t.Fatalf("err %v after %d calls, want an error after 1", err, f.calls())
	}
	if strings.Contains(err.Error(), "sk-test-secret") {
		t.Errorf("the error shows the key: %v", err)
	}
	if !strings.Contains(err.Error(), "401 Unauthorized: Incorrect API key provided: [redacted]") || !strings.Contains(err.Error(), "check the provider's API key") {
		t.Errorf("error %q should carry the provider's message and an action", err)
	}
}

func TestSlowAnswerPastTheTimeout(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(n int, _ received) reply {
		if n == 0 {
			return reply{Delay: time.Minute, Body: openaiAnswer("too late")}
		}
		return reply{Body: openaiAnswer("in time")}
	})
	c := testClient(t, f.URL, func(_ *Config, p *ProviderConfig) { p.Timeout = 2 * time.Second })
	resp, err := chat(c, "test/gpt-4o-mini")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != "in time" || resp.Attempts != 2 {
		t.Errorf("got %q after %d attempts, want the retry's answer", resp.Content, resp.Attempts)
	}

	slow := newFake(t, func(int, received) reply { return reply{Delay: time.Minute} })
	c = testClient(t, slow.URL, func(_ *Config, p *ProviderConfig) { p.Timeout, p.MaxRetries = 100*time.Millisecond, 1 })
	_, err = chat(c, "test/gpt-4o-mini")
	if err == nil || !strings.Contains(err.Error(), "no answer within the timeout of 100ms (after 2 attempts)") {
		t.Errorf("error %v, want a timeout after 2 attempts", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a timeout should match context.DeadlineExceeded: %v", err)
	}
}

func TestCancelledContextStopsRetries(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(int, received) reply { return reply{Status: 429, Header: map[string]string{"Retry-After": "30"}} })
	c := testClient(t, f.URL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Chat(ctx, ChatRequest{Model: "test/gpt-4o-mini", Messages: []Message{{Role: RoleUser, Content: "hi"}}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the context's", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s: the wait should end with the context", took)
	}
}

func TestMalformedBodies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, want string
		anthropic        bool
	}{
		{"not json", "<html>hello</html>", "it starts with: <html>hello</html>", false},
		{"truncated", `{"id": "chatcmpl-1", "choices": [`, "not a valid response", false},
		{"no choices", `{"id": "chatcmpl-1", "object": "chat.completion", "choices": []}`, "the answer has no choices", false},
		{"anthropic not json", "oops", "it starts with: oops", true},
		{"anthropic wrong type", `{"type": "error", "error": {"type": "api_error", "message": "boom"}}`, "not a message", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(int, received) reply { return reply{Body: tc.body} })
			c := testClient(t, f.URL, func(_ *Config, p *ProviderConfig) {
				if tc.anthropic {
					p.Type, p.BaseURL = TypeAnthropic, f.URL
				}
			})
			_, err := chat(c, "test/m")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "check that the provider's base_url") {
				t.Errorf("error %v, want one with %q and an action", err, tc.want)
			}
			if f.calls() != 1 {
				t.Errorf("%d calls: a malformed answer is not retried", f.calls())
			}
		})
	}
}

func TestConnectionErrorsAreRetried(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok("x"))
	url := f.URL
	f.Close() // nothing listens there any more
	c := testClient(t, url, func(_ *Config, p *ProviderConfig) { p.MaxRetries = 2 })
	_, err := chat(c, "test/gpt-4o-mini")
	var aerr *APIError
	if !errors.As(err, &aerr) || aerr.Attempts != 3 || !strings.Contains(err.Error(), "connection failed") {
		t.Errorf("error %v, want a connection failure after 3 attempts", err)
	}
}

func TestMissingKeyFailsBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok("x"))
	c := testClient(t, f.URL, func(c *Config, _ *ProviderConfig) { c.Env = nil })
	want := `provider "test" needs an API key: set TEST_KEY in the environment`
	if err := c.Check("test/gpt-4o-mini"); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Check: %v, want %q", err, want)
	}
	_, err := chat(c, "test/gpt-4o-mini")
	var mk *MissingKeyError
	if !errors.As(err, &mk) || mk.Env != "TEST_KEY" {
		t.Errorf("Chat: %v, want a *MissingKeyError naming TEST_KEY", err)
	}
	if f.calls() != 0 {
		t.Errorf("%d requests sent without a key", f.calls())
	}
	builtin, err := NewClient(Config{Env: map[string]string{"OPENAI_API_KEY": "sk-x"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := builtin.Check("openai/gpt-4o"); err != nil {
		t.Errorf("openai with its key: %v", err)
	}
	if err := builtin.Check("anthropic/claude-haiku-4-5"); err == nil || !strings.Contains(err.Error(), "ANTHROPIC_API_KEY") {
		t.Errorf("anthropic without its key: %v", err)
	}
}

func TestCheckModelStrings(t *testing.T) {
	t.Parallel()
	c := testClient(t, "http://127.0.0.1:1", nil)
	for model, want := range map[string]string{
		"gpt-4o":        "write it as provider/model",
		"/gpt-4o":       "write it as provider/model",
		"test/":         "write it as provider/model",
		"azure/gpt-4o":  `unknown provider "azure" (providers: anthropic, openai, test)`,
		"test/a/b/c:7b": "",
	} {
		err := c.Check(model)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("Check(%q) = %v, want %q", model, err, want)
		}
	}
}

func TestNewClientErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pc   ProviderConfig
		want string
	}{
		{ProviderConfig{}, `provider "x" has no type`},
		{ProviderConfig{Type: "gemini"}, `unknown type "gemini"`},
		{ProviderConfig{Type: TypeOpenAI, BaseURL: "localhost:11434"}, `base_url "localhost:11434" is not an http(s) URL`},
	} {
		_, err := NewClient(Config{Providers: map[string]ProviderConfig{"x": tc.pc}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.pc, err, tc.want)
		}
	}
}

func TestInvalidRequests(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok("x"))
	c := testClient(t, f.URL, nil)
	for _, tc := range []struct {
		req  ChatRequest
		want string
	}{
		{ChatRequest{Model: "test/m"}, "no messages"},
		{ChatRequest{Model: "test/m", Messages: []Message{{Role: "function", Content: "x"}}}, `unknown role "function"`},
		{ChatRequest{Model: "test/m", Messages: []Message{{Role: RoleUser, Content: "x"}}, ToolChoice: "pick"}, `tool_choice "pick" names no tool`},
		{ChatRequest{Model: "test/m", Messages: []Message{{Role: RoleUser, Content: "x"}}, ResponseFormat: &ResponseFormat{Type: "json_schema"}}, "needs a schema"},
	} {
		if _, err := c.Chat(context.Background(), tc.req); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.req, err, tc.want)
		}
	}
	if f.calls() != 0 {
		t.Errorf("%d invalid requests were sent", f.calls())
	}
}

func TestRetryAfterParsing(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    http.Header
		want time.Duration
		ok   bool
	}{
		{http.Header{}, 0, false},
		{http.Header{"Retry-After": {"0"}}, 0, true},
		{http.Header{"Retry-After": {"2"}}, 2 * time.Second, true},
		{http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond, true},
		{http.Header{"Retry-After": {"Sun, 01 Jun 2025 12:00:10 GMT"}}, 10 * time.Second, true},
		{http.Header{"Retry-After": {"Sun, 01 Jun 2025 11:00:00 GMT"}}, 0, true},
		{http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"3"}}, 250 * time.Millisecond, true},
		{http.Header{"Retry-After": {"soon"}}, 0, false},
	} {
		got, ok := retryAfter(tc.h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%v: %s %v, want %s %v", tc.h, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoffIsFullJitterWithinTheWindow(t *testing.T) {
	t.Parallel()
	b := backoff{min: 100 * time.Millisecond, max: time.Second}
	b.defaults()
	for n, window := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		window *= time.Millisecond
		var sum time.Duration
		const draws = 2000
		for range draws {
			d := b.wait(n, nil)
			if d < 0 || d >= window {
				t.Fatalf("retry %d waited %s, outside [0, %s)", n, d, window)
			}
			sum += d
		}
		if mean := sum / draws; mean < window/3 || mean > 2*window/3 {
			t.Errorf("retry %d: mean wait %s, want about %s (uniform)", n, mean, window/2)
		}
	}
	if d := b.wait(3, http.Header{"Retry-After": {"100000"}}); d != b.maxRetryAfter {
		t.Errorf("a huge Retry-After waits %s, want the cap %s", d, b.maxRetryAfter)
	}
}

func TestAnthropicFaults(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(n int, _ received) reply {
		switch n {
		case 0:
			return reply{Status: 429, Header: map[string]string{"retry-after": "0"}, Body: `{"type": "error", "error": {"type": "rate_limit_error", "message": "Number of requests has exceeded your rate limit"}}`}
		case 1:
			return reply{Status: 529, Body: `{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}`}
		case 2:
			return reply{Delay: time.Minute}
		case 3:
			return reply{Body: anthropicAnswer(`[{"type": "text", "text": "done"}]`)}
		}
		return reply{Status: 400, Body: `{"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: must be at most 64000"}}`}
	})
	c := testClient(t, f.URL, func(_ *Config, p *ProviderConfig) {
		p.Type, p.BaseURL, p.Timeout = TypeAnthropic, f.URL, 200*time.Millisecond
	})
	resp, err := chat(c, "test/claude-haiku-4-5")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != "done" || resp.Attempts != 4 {
		t.Errorf("got %q after %d attempts, want done after a 429, a 529 and a timeout", resp.Content, resp.Attempts)
	}
	_, err = chat(c, "test/claude-haiku-4-5")
	if err == nil || err.Error() != "test/claude-haiku-4-5: 400 Bad Request: max_tokens: must be at most 64000" {
		t.Errorf("error %v", err)
	}
}
