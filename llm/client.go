package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caliperhq/caliper/internal/mask"
)

// backend speaks one provider's wire format through its SDK: one attempt,
// no retries. It records the HTTP status, headers and body start in at.
type backend interface {
	send(ctx context.Context, model string, req *ChatRequest, at *attempt) (*ChatResponse, error)
}

// split parses "provider/model" without checking the key.
func (c *Client) split(model string) (*provider, string, error) {
	name, m, ok := strings.Cut(model, "/")
	if !ok || name == "" || m == "" {
		return nil, "", fmt.Errorf("model %q: write it as provider/model, e.g. openai/gpt-4o-mini or anthropic/claude-sonnet-4-5", model)
	}
	p, ok := c.providers[name]
	if !ok {
		return nil, "", fmt.Errorf("model %q: unknown provider %q (providers: %s): add it to the providers of caliper.yaml (type: openai, base_url: ...) or fix the name", model, name, strings.Join(c.Providers(), ", "))
	}
	return p, m, nil
}

// Chat sends a chat request and returns the answer.
//
// The answer comes from the cache when the Client has one and holds the
// request's key; then nothing is sent, Cached is true and Latency, Attempts
// and Cost are zero. Otherwise the request waits for the provider's limits,
// is sent, and is retried on 429, 5xx, connection errors and timeouts of an
// attempt, up to the provider's MaxRetries, after the wait the provider asks
// for (Retry-After, retry-after-ms) or an exponential backoff with full
// jitter. Successful answers are put in the cache; errors never are.
//
// A failed call returns an *APIError with the provider's status and message
// (or a *MissingKeyError before anything is sent); a call whose ctx ends
// returns ctx's error (its cause, when it has one).
func (c *Client) Chat(ctx context.Context, req ChatRequest) (*ChatResponse, error) {
	start := time.Now()
	p, model, err := c.resolve(req.Model)
	if err != nil {
		return nil, err
	}
	if err := validate(&req); err != nil {
		return nil, fmt.Errorf("%s: %w", req.Model, err)
	}
	var key string
	if c.cache != nil {
		if key, err = cacheKey(p, model, req); err != nil {
			return nil, fmt.Errorf("%s: computing the cache key: %w", req.Model, err)
		}
		if v, ok, err := c.cache.Get(ctx, key); err == nil && ok {
			var resp ChatResponse
			if json.Unmarshal(v, &resp) == nil {
				resp.Cached = true
				_, resp.Priced = c.Price(req.Model)
				return &resp, nil
			}
		}
	}
	resp, err := c.send(ctx, p, model, &req)
	if err != nil {
		return nil, err
	}
	c.maskResponse(resp)
	resp.Latency = time.Since(start)
	price, ok := c.Price(req.Model)
	resp.Cost, resp.Priced = price.Cost(resp.Usage.PromptTokens, resp.Usage.CompletionTokens), ok
	if c.cache != nil {
		if v, err := json.Marshal(resp); err == nil {
			_ = c.cache.Put(ctx, key, v) // a cache that fails to store only costs a later call
		}
	}
	return resp, nil
}

// send makes the attempts of one call.
func (c *Client) send(ctx context.Context, p *provider, model string, req *ChatRequest) (*ChatResponse, error) {
	var resp *ChatResponse
	n, err := c.attempts(ctx, p, req.Model, func(actx context.Context, at *attempt) error {
		var err error
		resp, err = p.backend.send(actx, model, req, at)
		return err
	})
	if err != nil {
		return nil, err
	}
	resp.Attempts = n
	return resp, nil
}

// attempts calls do, one attempt each, until it succeeds, fails for good or
// ctx ends: each attempt waits for the provider's limits and is bounded by
// its timeout, and a retryable failure waits for the backoff before the next.
// It returns the number of attempts of a success; a failure is an *APIError,
// or ctx's cause.
func (c *Client) attempts(ctx context.Context, p *provider, model string, do func(ctx context.Context, at *attempt) error) (int, error) {
	for n := 0; ; n++ {
		release, err := p.limit.acquire(ctx)
		if err != nil {
			return 0, err
		}
		var at attempt
		actx, cancel := context.WithTimeout(ctx, p.timeout)
		err = do(actx, &at)
		// The attempt timed out, by our deadline or the SDK's own (Anthropic's
		// request timeout is set to the same), while the call's context lives.
		timedOut := ctx.Err() == nil && (errors.Is(actx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded))
		cancel()
		release()
		if err == nil {
			return n + 1, nil
		}
		if ctx.Err() != nil {
			return 0, context.Cause(ctx)
		}
		// A provider may echo the key: mask the body and the error before
		// any of it is cut for the message.
		at.body = c.mask.JSON(at.body)
		aerr := classify(model, c.mask.Error(err), &at, timedOut, p.timeout)
		aerr.Attempts = n + 1
		aerr.Message = c.mask.String(aerr.Message)
		if !aerr.Retryable || n >= p.maxRetries {
			return 0, aerr
		}
		if err := sleep(ctx, c.backoff.wait(n, at.header)); err != nil {
			return 0, err
		}
	}
}

// maskResponse masks the run's secrets in an answer (a provider that echoes
// its key, a model that repeats a token it was shown) before it is cached or
// returned.
func (c *Client) maskResponse(resp *ChatResponse) {
	if !c.mask.Active() {
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return
	}
	masked := c.mask.JSON(b)
	if string(masked) == string(b) {
		return
	}
	var out ChatResponse
	if json.Unmarshal(masked, &out) == nil {
		resp.Content, resp.ToolCalls, resp.FinishReason, resp.Model = out.Content, out.ToolCalls, out.FinishReason, out.Model
	}
}

// Mask returns the masker of the client: the run's secrets and the keys of
// every provider.
func (c *Client) Mask() *mask.Masker { return c.mask }

// classify turns the error of one attempt into an *APIError.
func classify(model string, err error, at *attempt, timedOut bool, timeout time.Duration) *APIError {
	// The SDK's error is kept only when it is a transport error: the SDKs'
	// API errors hold the request, and so its headers and key.
	e := &APIError{Model: model, Status: at.status}
	switch {
	case timedOut:
		e.Status, e.Retryable, e.Err = 0, true, context.DeadlineExceeded
		e.Message = fmt.Sprintf("no answer within the timeout of %s", timeout)
	case at.status >= 400:
		e.Retryable = retryableStatus(at.status)
		e.Message = providerMessage(at.body)
	case at.status >= 200 && at.status < 300 && at.readErr == nil:
		var me *malformedError
		if errors.As(err, &me) {
			e.Message = me.msg
		} else {
			e.Message = fmt.Sprintf("the answer is not a valid response (%s); it starts with: %s", sdkMessage(err), snippet(at.body))
		}
		e.Message += ": check that the provider's base_url points at an API of its type"
	case connectionError(err) || at.readErr != nil:
		e.Status, e.Retryable, e.Err = 0, true, err
		e.Message = "connection failed: " + sdkMessage(err)
	default:
		e.Message = sdkMessage(err)
	}
	return e
}

// malformedError is an answer that decoded but is not usable (no choices).
type malformedError struct{ msg string }

func (e *malformedError) Error() string { return e.msg }

// sdkMessage is the text of an SDK error, shortened.
func sdkMessage(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// validate checks a request before it is sent.
func validate(req *ChatRequest) error {
	if len(req.Messages) == 0 {
		return errors.New("the request has no messages: give the prompt at least one message")
	}
	for i, m := range req.Messages {
		switch m.Role {
		case RoleSystem, RoleUser, RoleAssistant:
		case RoleTool:
			if m.ToolCallID == "" {
				return fmt.Errorf("messages[%d]: a tool message needs the id of the tool call it answers", i)
			}
		default:
			return fmt.Errorf("messages[%d]: unknown role %q: use system, user, assistant or tool", i, m.Role)
		}
		if err := validateParts(i, m); err != nil {
			return err
		}
	}
	names := map[string]bool{}
	for i, t := range req.Tools {
		if t.Name == "" {
			return fmt.Errorf("tools[%d] has no name: give each tool a name", i)
		}
		if names[t.Name] {
			return fmt.Errorf("tools[%d]: the name %q is used twice", i, t.Name)
		}
		names[t.Name] = true
		if len(t.Parameters) > 0 && !json.Valid(t.Parameters) {
			return fmt.Errorf("tool %q: parameters are not valid JSON", t.Name)
		}
	}
	switch tc := req.ToolChoice; tc {
	case "", ToolChoiceAuto, ToolChoiceNone, ToolChoiceRequired:
	default:
		if !names[tc] {
			return fmt.Errorf("tool_choice %q names no tool of the request: use auto, none, required or a tool's name", tc)
		}
	}
	if f := req.ResponseFormat; f != nil {
		switch f.Type {
		case FormatText, FormatJSONObject:
		case FormatJSONSchema:
			if f.Schema == nil {
				return errors.New("response_format of type json_schema needs a schema")
			}
		default:
			return fmt.Errorf("response_format type %q: use text, json_object or json_schema", f.Type)
		}
	}
	return nil
}

// reasoningModel reports the OpenAI reasoning models, which take
// max_completion_tokens instead of max_tokens and no temperature other than
// the default.
func reasoningModel(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if model == p || strings.HasPrefix(model, p+"-") {
			return true
		}
	}
	return false
}

// SupportsTemperature reports whether a model ("provider/model") accepts a
// temperature: not the OpenAI reasoning models (o1, o3, o4-mini, gpt-5...).
// Judges use it to ask for temperature 0 only where it is allowed.
func SupportsTemperature(model string) bool {
	_, m, _ := strings.Cut(model, "/")
	return !reasoningModel(m)
}

// resolve splits "provider/model" and checks the provider's key.
func (c *Client) resolve(model string) (*provider, string, error) {
	p, m, err := c.split(model)
	if err != nil {
		return nil, "", err
	}
	if p.keyEnv != "" && p.key == "" {
		return nil, "", &MissingKeyError{Provider: p.name, Env: p.keyEnv}
	}
	return p, m, nil
}
