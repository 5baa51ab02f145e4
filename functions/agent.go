package functions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/spec"
	"github.com/xeipuuv/gojsonschema"
)

// maxParallelTools bounds the tool calls of one turn that run at once.
const maxParallelTools = 4

// agentFunction is a prompt whose tools name functions: it runs the model,
// executes each tool call it makes through the tool's function, feeds the
// results back and repeats, until the model answers without a tool call or
// one of the prompt's limits is reached.
type agentFunction struct {
	*promptFunction
	limits spec.AgentLimits
	tools  map[string]*agentTool
	user   Function // the user simulator; nil when there is none (agent_user.go)
}

// agentTool is one function a model may call.
type agentTool struct {
	slug   string
	fn     Function
	schema *gojsonschema.Schema
}

// newAgent builds the tool functions of an agent prompt, from the functions
// of opts.Functions its tools name, and adds them to the prompt's tools.
func newAgent(pf *promptFunction, b *spec.Prompt, opts Options) (*agentFunction, error) {
	a := &agentFunction{promptFunction: pf, limits: b.Agent, tools: map[string]*agentTool{}}
	if a.limits.MaxTurns <= 0 {
		a.limits.MaxTurns = spec.DefaultMaxTurns
	}
	for _, ref := range b.FunctionTools {
		t, tool, err := buildTool(ref, opts)
		if err != nil {
			_ = a.Close()
			return nil, fmt.Errorf("%s: %w", posOf(b, ref.Pos), err)
		}
		a.tools[ref.Slug] = t
		pf.p.tools = append(pf.p.tools, tool)
	}
	if u := b.Agent.User; u != nil {
		fn, err := buildUser(u, opts)
		if err != nil {
			_ = a.Close()
			return nil, fmt.Errorf("%s: %w", posOf(b, u.Pos), err)
		}
		a.user = fn
	}
	return a, nil
}

// buildTool builds the function a tool names and the tool the model sees.
func buildTool(ref spec.ToolRef, opts Options) (*agentTool, llm.Tool, error) {
	f, ok := opts.Functions[ref.Slug]
	if !ok || f == nil {
		return nil, llm.Tool{}, fmt.Errorf("tool %q names no function: define it in functions/*.yaml with an input_schema", ref.Slug)
	}
	if f.InputSchema == nil {
		return nil, llm.Tool{}, fmt.Errorf("tool %q: function has no input_schema: declare its arguments", ref.Slug)
	}
	params, err := encodeJSON(f.InputSchema)
	if err != nil {
		return nil, llm.Tool{}, fmt.Errorf("tool %q: input_schema: %w", ref.Slug, err)
	}
	schema, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(params))
	if err != nil {
		return nil, llm.Tool{}, fmt.Errorf("tool %q: input_schema is not a valid JSON Schema: %w", ref.Slug, err)
	}
	topts := opts
	topts.Role, topts.Functions = RoleTask, nil
	if opts.kinds == nil {
		return nil, llm.Tool{}, errors.New("tools are built by a Kinds registry: build the prompt with New or Kinds.New")
	}
	fn, err := opts.kinds.New(f.Body, topts)
	if err != nil {
		return nil, llm.Tool{}, fmt.Errorf("tool %q: %w", ref.Slug, err)
	}
	return &agentTool{slug: ref.Slug, fn: fn, schema: schema}, llm.Tool{Name: ref.Slug, Description: f.Description, Parameters: params}, nil
}

// Close stops the tools' processes and connections.
func (a *agentFunction) Close() error {
	var errs []error
	for _, t := range a.tools {
		errs = append(errs, t.fn.Close())
	}
	if a.user != nil {
		errs = append(errs, a.user.Close())
	}
	return errors.Join(errs...)
}

// agentLoop is the state of one case's tool loop.
type agentLoop struct {
	a      *agentFunction
	req    *Request
	trace  *Trace
	parent string
	cr     llm.ChatRequest
	calls  []spec.ToolCall
	turns  int
	tokens int
	cost   float64
	said   int // messages the user simulator wrote
}

// Call runs the tool loop for one case. Its output is the final answer
// (text, or JSON when response_format asks for it); when a limit ends the
// loop, the last answer's text. Either way the transcript, the tool calls
// and the stop reason are left on the trace (see AgentRun), also when a
// model call fails or a tool fails with on_tool_error: fail, which make the
// case an error. Options.Timeout bounds each model call.
func (a *agentFunction) Call(ctx context.Context, req *Request) (any, error) {
	req = orEmpty(req)
	cr, err := a.p.RenderContext(ctx, req, nil)
	if err != nil {
		return nil, err
	}
	tr, parent := TraceFrom(ctx)
	if req.Trace != nil {
		tr = req.Trace
	}
	if parent == "" {
		parent = RoleTask
	}
	l := &agentLoop{a: a, req: req, trace: tr, parent: parent, cr: cr}
	out, stop, err := l.run(ctx)
	tr.SetAgentRun(AgentRun{Messages: transcriptOf(l.cr.Messages), ToolCalls: l.calls, StopReason: stop, Turns: l.turns})
	return out, err
}

// run loops until an answer without tool calls (and, with a user simulator,
// the end of the conversation) or a limit.
func (l *agentLoop) run(ctx context.Context) (any, string, error) {
	for {
		resp, err := l.turn(ctx)
		if err != nil {
			return nil, StopError, err
		}
		if len(resp.ToolCalls) == 0 {
			out, err := l.a.p.Output(resp)
			if err != nil {
				return nil, StopError, err
			}
			stop, err := l.userTurn(ctx)
			if err != nil {
				return nil, StopError, err
			}
			if stop == "" {
				stop = l.limitReached(0)
			}
			if stop != "" {
				return out, stop, nil
			}
			continue
		}
		if stop := l.limitReached(len(resp.ToolCalls)); stop != "" {
			return resp.Content, stop, nil
		}
		if err := l.runTools(ctx, resp.ToolCalls); err != nil {
			return nil, StopError, err
		}
	}
}

// limitReached is the limit that forbids another model turn, after one
// that asked for calls tool calls: "" when none does.
func (l *agentLoop) limitReached(calls int) string {
	lim := l.a.limits
	switch {
	case lim.MaxTokensTotal > 0 && l.tokens >= lim.MaxTokensTotal:
		return StopMaxTokensTotal
	case lim.MaxCostTotal > 0 && l.cost >= lim.MaxCostTotal:
		return StopMaxCostTotal
	case l.turns >= lim.MaxTurns:
		return StopMaxTurns
	case lim.MaxToolCalls > 0 && len(l.calls)+calls > lim.MaxToolCalls:
		return StopMaxToolCalls
	}
	return ""
}

// turn sends the transcript so far to the model and appends its answer.
func (l *agentLoop) turn(ctx context.Context) (*llm.ChatResponse, error) {
	f := l.a.promptFunction
	cctx, cancel := withTimeout(ctx, f.timeout)
	defer cancel()
	resp, err := CallLLM(cctx, f.client, l.trace, l.parent, l.cr)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && f.timeout > 0 && cctx.Err() != nil {
			return nil, context.Cause(cctx)
		}
		return nil, fmt.Errorf("turn %d: %w", l.turns+1, err)
	}
	l.turns++
	l.tokens += resp.Usage.Tokens()
	l.cost += resp.Cost
	l.cr.Messages = append(l.cr.Messages, llm.Message{Role: llm.RoleAssistant, Content: resp.Content, ToolCalls: resp.ToolCalls})
	return resp, nil
}

// toolResult is what one tool call gave.
type toolResult struct {
	value any
	err   error
}

// runTools runs one turn's tool calls, at most maxParallelTools at once, and
// appends their results to the transcript in the order the model made them.
func (l *agentLoop) runTools(ctx context.Context, calls []llm.ToolCall) error {
	results := make([]toolResult, len(calls))
	sem := make(chan struct{}, maxParallelTools)
	var wg sync.WaitGroup
	for i, tc := range calls {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = l.runTool(ctx, tc)
		}()
	}
	wg.Wait()
	var failed error
	for i, tc := range calls {
		res := results[i]
		call := spec.ToolCall{Name: tc.Name, Arguments: decodeArguments(tc.Arguments), Turn: l.turns}
		msg := llm.Message{Role: llm.RoleTool, ToolCallID: tc.ID}
		if res.err != nil {
			call.Error = res.err.Error()
			msg.Content, msg.IsError = "error: "+call.Error, true
			if failed == nil {
				failed = fmt.Errorf("turn %d: tool %q: %w: the prompt has on_tool_error: fail", l.turns, tc.Name, res.err)
			}
		} else {
			call.Result = res.value
			msg.Content = resultText(res.value)
		}
		l.calls = append(l.calls, call)
		l.cr.Messages = append(l.cr.Messages, msg)
	}
	if failed != nil && l.a.limits.OnToolError == spec.OnToolErrorFail {
		return failed
	}
	return nil
}

// runTool checks one call's arguments against its tool's input_schema and
// runs the tool's function with them as input, recording a span.
func (l *agentLoop) runTool(ctx context.Context, tc llm.ToolCall) toolResult {
	start := time.Now()
	args := decodeArguments(tc.Arguments)
	res := l.execute(ctx, tc.Name, args)
	s := Span{Name: tc.Name, Kind: SpanKindTool, Parent: l.parent, Start: start, Duration: time.Since(start), Input: tc.Arguments}
	if res.err != nil {
		s.Error = res.err.Error()
		s.Metrics = map[string]float64{"tool_errors": 1}
	} else if b, err := encodeJSON(res.value); err == nil {
		s.Output = b
	}
	l.trace.Add(s)
	return res
}

func (l *agentLoop) execute(ctx context.Context, name string, args any) toolResult {
	t, ok := l.a.tools[name]
	if !ok {
		return toolResult{err: fmt.Errorf("there is no tool %q: call one of %s", name, strings.Join(l.a.toolNames(), ", "))}
	}
	if err := checkArguments(t.schema, args); err != nil {
		return toolResult{err: err}
	}
	v, err := t.fn.Call(ctx, &Request{Input: args, Metadata: l.req.Metadata, Tags: l.req.Tags, Parameters: l.req.Parameters, Trial: l.req.Trial})
	return toolResult{value: v, err: err}
}

func (a *agentFunction) toolNames() []string {
	names := make([]string, 0, len(a.tools))
	for n := range a.tools {
		names = append(names, n)
	}
	return sortedNames(names)
}

// checkArguments validates a call's arguments against the tool's schema.
func checkArguments(schema *gojsonschema.Schema, args any) error {
	res, err := schema.Validate(gojsonschema.NewGoLoader(args))
	if err != nil {
		return fmt.Errorf("the arguments cannot be checked: %w", err)
	}
	if res.Valid() {
		return nil
	}
	msgs := make([]string, 0, len(res.Errors()))
	for _, e := range res.Errors() {
		msgs = append(msgs, e.String())
	}
	return fmt.Errorf("the arguments do not match the tool's input_schema: %s", strings.Join(msgs, "; "))
}

// decodeArguments decodes a call's arguments; a JSON string when they are
// not JSON.
func decodeArguments(raw json.RawMessage) any {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	return v
}

// resultText is a tool's result as the model reads it: a string as it is,
// anything else as JSON.
func resultText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := encodeJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Estimate estimates the first model turn only: how many turns an agent
// takes is not known before it runs.
func (a *agentFunction) Estimate(req *Request) ([]llm.Estimate, error) {
	return a.promptFunction.Estimate(req)
}

func sortedNames(names []string) []string {
	slices.Sort(names)
	return names
}
