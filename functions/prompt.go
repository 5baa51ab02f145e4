package functions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/spec"
	"github.com/cbroglie/mustache"
)

// SpanKindLLM is the kind of the spans of model calls.
const SpanKindLLM = "llm"

// Prompt is a compiled prompt: its messages and model are mustache templates,
// parsed once; Render fills them in for one case.
//
// Templates see input, expected, metadata, tags, parameters and trial (and
// output, in a scorer), and, as the Braintrust SDK does, the fields of input
// when it is an object, spread at the top level ({{question}} for
// {{input.question}}); the named variables win over fields of the same name.
// Strings are inserted as they are (no HTML escaping), other values as JSON,
// null as nothing. In strict mode (the default), a variable outside sections
// that names nothing in the case is an error naming the variable and the
// prompt's file:line; a section over a missing name renders nothing, which is
// how a template makes a field optional ({{#metadata.hint}}Hint:
// {{metadata.hint}}{{/metadata.hint}}). With strict: false a missing
// variable renders empty.
type Prompt struct {
	spec       *spec.Prompt
	role       string
	model      *template // nil when Model has no tag
	messages   []promptMessage
	params     llm.Params
	tools      []llm.Tool
	toolChoice string
	format     *llm.ResponseFormat
	attach     AttachmentLoader // reads the attachments of image parts
}

type promptMessage struct {
	role  string
	spec  spec.Message
	t     *mustache.Template
	vars  []string     // variables outside sections
	parts []promptPart // the content as parts, when it is a list
}

// promptPart is one part of a message's content: a text template (t, with
// its vars) or an image (the path of an attachment value).
type promptPart struct {
	spec spec.Part
	t    *mustache.Template
	vars []string
}

// CompilePrompt compiles a prompt for a role (RoleTask or RoleScorer): its
// templates, params, tools and response format. It checks their shapes, not
// the model's provider: see llm.Client.Check.
func CompilePrompt(p *spec.Prompt, role string) (*Prompt, error) {
	if p == nil {
		return nil, errors.New("prompt body without a prompt")
	}
	if role == "" {
		role = RoleTask
	}
	c := &Prompt{spec: p, role: role, toolChoice: p.ToolChoice}
	where := promptName(p)
	if strings.TrimSpace(p.Model) == "" {
		return nil, fmt.Errorf("%s has no model: set model: provider/model, e.g. openai/gpt-4o-mini", where)
	}
	if strings.Contains(p.Model, "{{") {
		t, err := parseTemplate(where+": model", p.Model)
		if err != nil {
			return nil, err
		}
		c.model = t
	}
	if len(p.Messages) == 0 {
		return nil, fmt.Errorf("%s has no messages: add at least one {role, content}", where)
	}
	for i, m := range p.Messages {
		pm := promptMessage{role: m.Role, spec: m}
		if len(m.Parts) > 0 {
			for j, part := range m.Parts {
				pp := promptPart{spec: part}
				if part.Type == llm.PartText {
					t, vars, err := parseMessageTemplate(part.Text)
					if err != nil {
						return nil, fmt.Errorf("%s: messages[%d].content[%d]: invalid template: %w: check the {{ }} tags", posOf(p, part.Pos), i, j, err)
					}
					pp.t, pp.vars = t, vars
				}
				pm.parts = append(pm.parts, pp)
			}
			c.messages = append(c.messages, pm)
			continue
		}
		t, vars, err := parseMessageTemplate(m.Content)
		if err != nil {
			return nil, fmt.Errorf("%s: messages[%d]: invalid template: %w: check the {{ }} tags", posOf(p, m.Pos), i, err)
		}
		pm.t, pm.vars = t, vars
		c.messages = append(c.messages, pm)
	}
	var err error
	if c.params, err = ParamsFromMap(p.Params); err != nil {
		return nil, fmt.Errorf("%s: params: %w", where, err)
	}
	if c.tools, err = toolsFromSpec(p.Tools); err != nil {
		return nil, fmt.Errorf("%s: tools: %w", where, err)
	}
	if c.format, err = formatFromSpec(p.ResponseFormat); err != nil {
		return nil, fmt.Errorf("%s: response_format: %w", where, err)
	}
	return c, nil
}

// parseMessageTemplate parses a message template and lists the variables it
// names outside sections.
func parseMessageTemplate(src string) (*mustache.Template, []string, error) {
	t, err := mustache.ParseStringRaw(src, true)
	if err != nil {
		return nil, nil, err
	}
	var vars []string
	for _, tag := range t.Tags() {
		if tag.Type() == mustache.Variable && tag.Name() != "." {
			vars = append(vars, tag.Name())
		}
	}
	return t, vars, nil
}

// Spec returns the prompt compiled.
func (p *Prompt) Spec() *spec.Prompt { return p.spec }

// Model returns the model as written: "provider/model", or a template such
// as "{{parameters.model}}" that Render fills in.
func (p *Prompt) Model() string { return p.spec.Model }

// ModelFor returns the model a request is sent to: Model, with its template
// filled in for req.
func (p *Prompt) ModelFor(req *Request) (string, error) {
	if p.model == nil {
		return p.spec.Model, nil
	}
	return p.modelFrom(p.data(forRole(orEmpty(req), p.role), nil))
}

func (p *Prompt) modelFrom(data tmap) (string, error) {
	if p.model == nil {
		return p.spec.Model, nil
	}
	m, err := p.model.render(data)
	if err != nil {
		return "", err
	}
	if m = strings.TrimSpace(m); m == "" {
		return "", fmt.Errorf("%s: model %q renders empty: give the parameter a value", promptName(p.spec), p.spec.Model)
	}
	return m, nil
}

// Render fills in the prompt for one request. extra holds more top-level
// variables (a judge's criteria, with.vars): they win over the fields of
// input but not over the named variables.
func (p *Prompt) Render(req *Request, extra map[string]any) (llm.ChatRequest, error) {
	return p.RenderContext(context.Background(), req, extra)
}

// RenderContext is Render with the context attachments are read in.
func (p *Prompt) RenderContext(ctx context.Context, req *Request, extra map[string]any) (llm.ChatRequest, error) {
	req = forRole(req, p.role)
	data := p.data(req, extra)
	model, err := p.modelFrom(data)
	if err != nil {
		return llm.ChatRequest{}, err
	}
	out := llm.ChatRequest{Model: model, Params: p.params, Tools: p.tools, ToolChoice: p.toolChoice, ResponseFormat: p.format, Trial: req.Trial}
	out.Messages = make([]llm.Message, 0, len(p.messages))
	for _, m := range p.messages {
		if len(m.parts) > 0 {
			msg, err := p.renderParts(ctx, data, m)
			if err != nil {
				return llm.ChatRequest{}, err
			}
			out.Messages = append(out.Messages, msg)
			continue
		}
		text, err := p.renderText(data, m, m.t, m.vars, located{m.spec.Content, m.spec.Pos, m.spec.PosAt})
		if err != nil {
			return llm.ChatRequest{}, err
		}
		out.Messages = append(out.Messages, llm.Message{Role: m.role, Content: text})
	}
	if out.Messages, err = p.appendConversation(out.Messages, req); err != nil {
		return llm.ChatRequest{}, err
	}
	return out, nil
}

// renderText renders one template of message m, checking its variables in
// strict mode.
func (p *Prompt) renderText(data tmap, m promptMessage, t *mustache.Template, vars []string, src located) (string, error) {
	if p.spec.Strict {
		for _, name := range vars {
			if _, ok := lookupPath(data, name); !ok {
				return "", p.missing(m, src, name)
			}
		}
	}
	text, err := t.Render(data)
	if err != nil {
		return "", fmt.Errorf("%s: rendering the %s message: %w", posOf(p.spec, src.pos), m.role, err)
	}
	return text, nil
}

// renderParts renders a message whose content is a list of parts.
func (p *Prompt) renderParts(ctx context.Context, data tmap, m promptMessage) (llm.Message, error) {
	msg := llm.Message{Role: m.role}
	for _, part := range m.parts {
		if part.spec.Type == llm.PartImage {
			img, err := p.imagePart(ctx, data, m, part)
			if err != nil {
				return llm.Message{}, err
			}
			msg.Parts = append(msg.Parts, img)
			continue
		}
		text, err := p.renderText(data, m, part.t, part.vars, located{part.spec.Text, part.spec.Pos, part.spec.PosAt})
		if err != nil {
			return llm.Message{}, err
		}
		msg.Parts = append(msg.Parts, llm.Part{Type: llm.PartText, Text: text})
	}
	return msg, nil
}

// data is what the templates see.
func (p *Prompt) data(req *Request, extra map[string]any) tmap {
	named := templateData(req, p.role)
	d := tmap{}
	if in, ok := named["input"].(tmap); ok {
		for k, v := range in {
			d[k] = v
		}
	}
	for k, v := range extra {
		d[k] = toTemplate(v)
	}
	for k, v := range named {
		d[k] = v
	}
	return d
}

// missing is the error of a strict template variable that names nothing.
func (p *Prompt) missing(m promptMessage, src located, name string) error {
	at := p.spec.File
	if pos := tagPos(src, name); pos.IsKnown() && at != "" {
		at = fmt.Sprintf("%s:%d:%d", at, pos.Line, pos.Col)
	} else {
		at = promptName(p.spec)
	}
	see := "input (and its fields), expected, metadata, tags, parameters and trial"
	if p.role == RoleScorer {
		see += ", and output"
	}
	return fmt.Errorf("%s: {{%s}} in the %s message names nothing in this case; the prompt sees %s: fix the name, make it optional with {{#%s}}...{{/%s}}, or set strict: false in the prompt",
		at, name, m.role, see, name, name)
}

// tagPos is the file position of the first tag naming name in the message,
// or the message's position when no tag names it.
func tagPos(src located, name string) spec.Pos {
	re := regexp.MustCompile(`\{\{[{&]?\s*` + regexp.QuoteMeta(name) + `\s*\}?\}\}`)
	loc := re.FindStringIndex(src.text)
	if loc == nil {
		return src.pos
	}
	return src.at(utf8.RuneCountInString(src.text[:loc[0]]))
}

// located is a template's text with its position in the file and the
// position of each of its runes: a message's content or a text part.
type located struct {
	text string
	pos  spec.Pos
	at   func(offset int) spec.Pos
}

// posOf is "file:line:col" of a position in a prompt, or the prompt's name.
func posOf(p *spec.Prompt, pos spec.Pos) string {
	name := promptName(p)
	if pos.IsKnown() && p.File != "" {
		return fmt.Sprintf("%s:%d:%d", p.File, pos.Line, pos.Col)
	}
	return name
}

func promptName(p *spec.Prompt) string {
	switch {
	case p.File != "" && p.Slug != "":
		return fmt.Sprintf("prompt %q (%s)", p.Slug, p.File)
	case p.File != "":
		return p.File
	case p.Slug != "":
		return fmt.Sprintf("prompt %q", p.Slug)
	}
	return "the prompt"
}

// ParamsFromMap reads the `params` of a prompt: temperature, max_tokens,
// top_p, stop (a string or a list), seed, presence_penalty,
// frequency_penalty, reasoning_effort and extra (fields sent as they are).
func ParamsFromMap(m map[string]any) (llm.Params, error) {
	var p llm.Params
	for _, k := range sortedKeys(m) {
		v := m[k]
		var err error
		switch k {
		case "temperature":
			p.Temperature, err = floatParam(k, v)
		case "top_p":
			p.TopP, err = floatParam(k, v)
		case "presence_penalty":
			p.PresencePenalty, err = floatParam(k, v)
		case "frequency_penalty":
			p.FrequencyPenalty, err = floatParam(k, v)
		case "max_tokens":
			var f *float64
			if f, err = floatParam(k, v); err == nil {
				if *f != math.Trunc(*f) || *f < 1 {
					err = fmt.Errorf("max_tokens must be a positive whole number, not %v", v)
				} else {
					n := int(*f)
					p.MaxTokens = &n
				}
			}
		case "seed":
			var f *float64
			if f, err = floatParam(k, v); err == nil {
				if *f != math.Trunc(*f) {
					err = fmt.Errorf("seed must be a whole number, not %v", v)
				} else {
					n := int64(*f)
					p.Seed = &n
				}
			}
		case "stop":
			switch s := v.(type) {
			case string:
				p.Stop = []string{s}
			case []string:
				p.Stop = s
			case []any:
				for i, x := range s {
					str, ok := x.(string)
					if !ok {
						return p, fmt.Errorf("stop[%d] must be a string, not %T", i, x)
					}
					p.Stop = append(p.Stop, str)
				}
			default:
				err = fmt.Errorf("stop must be a string or a list of strings, not %T", v)
			}
		case "reasoning_effort":
			s, ok := v.(string)
			if !ok {
				err = fmt.Errorf("reasoning_effort must be a string such as low, medium or high, not %T", v)
			}
			p.ReasoningEffort = s
		case "extra":
			e, ok := v.(map[string]any)
			if !ok {
				err = fmt.Errorf("extra must be an object of request fields, not %T", v)
			}
			p.Extra = e
		default:
			err = fmt.Errorf("unknown parameter %q: use temperature, max_tokens, top_p, stop, seed, presence_penalty, frequency_penalty, reasoning_effort, or extra for provider-specific fields", k)
		}
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

func floatParam(k string, v any) (*float64, error) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case float32:
		f = float64(n)
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	case uint64:
		f = float64(n)
	case json.Number:
		var err error
		if f, err = n.Float64(); err != nil {
			return nil, fmt.Errorf("%s must be a number, not %q", k, n)
		}
	default:
		return nil, fmt.Errorf("%s must be a number, not %T", k, v)
	}
	return &f, nil
}

func toolsFromSpec(tools []map[string]any) ([]llm.Tool, error) {
	var out []llm.Tool
	for i, t := range tools {
		name, _ := t["name"].(string)
		if name == "" {
			return nil, fmt.Errorf("tools[%d] needs a name", i)
		}
		tool := llm.Tool{Name: name}
		tool.Description, _ = t["description"].(string)
		if params, ok := t["parameters"]; ok && params != nil {
			b, err := encodeJSON(params)
			if err != nil {
				return nil, fmt.Errorf("tool %q: parameters: %w", name, err)
			}
			tool.Parameters = b
		}
		out = append(out, tool)
	}
	return out, nil
}

func formatFromSpec(m map[string]any) (*llm.ResponseFormat, error) {
	if m == nil {
		return nil, nil
	}
	f := &llm.ResponseFormat{}
	f.Type, _ = m["type"].(string)
	f.Name, _ = m["name"].(string)
	if s, ok := m["schema"].(map[string]any); ok {
		f.Schema = s
	}
	if s, ok := m["strict"].(bool); ok {
		f.Strict = &s
	}
	switch f.Type {
	case llm.FormatText, llm.FormatJSONObject:
	case llm.FormatJSONSchema:
		if f.Schema == nil {
			return nil, errors.New("type json_schema needs a schema")
		}
	default:
		return nil, fmt.Errorf("unknown type %q: use text, json_object or json_schema", f.Type)
	}
	return f, nil
}

// Output is what a prompt's answer gives as the output: the tool calls when
// the model called tools (a list of {name, arguments}), the parsed JSON when
// the response format asks for JSON, else the text.
func (p *Prompt) Output(resp *llm.ChatResponse) (any, error) {
	if len(resp.ToolCalls) > 0 {
		calls := make([]any, len(resp.ToolCalls))
		for i, tc := range resp.ToolCalls {
			var args any
			if err := json.Unmarshal(tc.Arguments, &args); err != nil {
				args = string(tc.Arguments)
			}
			calls[i] = map[string]any{"name": tc.Name, "arguments": args}
		}
		return calls, nil
	}
	if p.format.IsJSON() {
		v, err := parseAnswerJSON(resp.Content)
		if err != nil {
			return nil, fmt.Errorf("the model's answer is not JSON, though response_format asks for it: %w; it starts with %q", err, clip(resp.Content, 200))
		}
		return v, nil
	}
	return resp.Content, nil
}

// parseAnswerJSON parses a JSON answer, allowing a ```json fence around it.
func parseAnswerJSON(s string) (any, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "```") && strings.HasSuffix(t, "```") && len(t) >= 6 {
		t = strings.TrimSpace(t[3 : len(t)-3])
		t = strings.TrimSpace(strings.TrimPrefix(t, "json"))
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("text follows the JSON value")
	}
	return normalizeNumbers(v), nil
}

// normalizeNumbers turns json.Numbers into float64, as encoding/json does.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	}
	return v
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// traceKey carries a Trace and the name of the step it records, for callers
// whose signature has no Request (scorers).
type traceKey struct{}

type traceValue struct {
	trace  *Trace
	parent string
}

// WithTrace returns a context that carries a case's trace and the step its
// spans belong to (a scorer's name). LLM judges record their calls there,
// and a prompt function whose Request has no Trace uses it.
func WithTrace(ctx context.Context, t *Trace, parent string) context.Context {
	return context.WithValue(ctx, traceKey{}, traceValue{trace: t, parent: parent})
}

// TraceFrom returns the trace and step of a context made by WithTrace.
func TraceFrom(ctx context.Context) (*Trace, string) {
	v, _ := ctx.Value(traceKey{}).(traceValue)
	return v.trace, v.parent
}

// CallLLM sends a chat request with client and records the call as a span in
// t (when not nil) under parent: kind "llm", named after the model, with the
// request (model, params, messages, tools, tool choice, response format,
// trial) as input, the answer as output, and the metrics prompt_tokens,
// completion_tokens, tokens, llm_duration (seconds), estimated_cost (USD),
// llm_calls, and llm_cached_calls or llm_errors. A failed call is recorded
// too, with its error.
func CallLLM(ctx context.Context, client *llm.Client, t *Trace, parent string, req llm.ChatRequest) (*llm.ChatResponse, error) {
	if client == nil {
		return nil, errors.New("no LLM client: model providers are not configured in this pipeline")
	}
	start := time.Now()
	resp, err := client.Chat(ctx, req)
	if t != nil {
		t.Add(LLMSpan(parent, req, resp, err, start, time.Since(start)))
	}
	return resp, err
}

// LLMSpan is the span of one model call (see CallLLM).
func LLMSpan(parent string, req llm.ChatRequest, resp *llm.ChatResponse, err error, start time.Time, took time.Duration) Span {
	s := Span{Name: req.Model, Kind: SpanKindLLM, Parent: parent, Start: start, Duration: took, Metrics: map[string]float64{"llm_calls": 1}}
	if b, e := encodeJSON(req); e == nil {
		s.Input = b
	}
	if err != nil {
		s.Error = err.Error()
		s.Metrics["llm_errors"] = 1
		s.Metrics["llm_duration"] = took.Seconds()
		return s
	}
	if b, e := encodeJSON(resp); e == nil {
		s.Output = b
	}
	s.Cached = resp.Cached
	u := resp.Usage
	s.Metrics["prompt_tokens"] = float64(u.PromptTokens)
	s.Metrics["completion_tokens"] = float64(u.CompletionTokens)
	s.Metrics["tokens"] = float64(u.Tokens())
	s.Metrics["llm_duration"] = resp.Latency.Seconds()
	s.Metrics["estimated_cost"] = resp.Cost
	if resp.Cached {
		s.Metrics["llm_cached_calls"] = 1
	}
	return s
}

// promptFunction is a prompt sent to a model: a task, or a scorer function
// whose answer is a score (a judge with choices is built by package scorers).
type promptFunction struct {
	p       *Prompt
	client  *llm.Client
	timeout time.Duration
}

func newPromptFunction(b *spec.Prompt, opts Options) (*promptFunction, error) {
	if opts.LLM == nil {
		return nil, fmt.Errorf("%s needs a model provider, but there is no LLM client: the pipeline renders and sends prompts with package llm; give Options.LLM, built from the providers of caliper.yaml", promptName(b))
	}
	p, err := CompilePrompt(b, opts.Role)
	if err != nil {
		return nil, err
	}
	p.attach = opts.Attachments
	return &promptFunction{p: p, client: opts.LLM, timeout: opts.Timeout}, nil
}

// newPromptOrAgent builds a prompt function, or an agent when the prompt's
// tools name functions.
func newPromptOrAgent(b *spec.Prompt, opts Options) (Function, error) {
	pf, err := newPromptFunction(b, opts)
	if err != nil {
		return nil, err
	}
	if !b.IsAgent() {
		return pf, nil
	}
	if opts.Role == RoleScorer {
		return nil, fmt.Errorf("%s: a scorer prompt cannot call function tools or have a user_simulator: use it as the task", promptName(b))
	}
	return built(newAgent(pf, b, opts))
}

// Call renders the prompt for the request, sends it and returns the output
// (see Prompt.Output). The call is recorded in req.Trace, or in the trace of
// ctx (WithTrace); its span's parent is the one of ctx, else "task" for a
// task. Options.Timeout bounds the call, retries included.
func (f *promptFunction) Call(ctx context.Context, req *Request) (any, error) {
	req = orEmpty(req)
	cr, err := f.p.RenderContext(ctx, req, nil)
	if err != nil {
		return nil, err
	}
	tr, parent := TraceFrom(ctx)
	if req.Trace != nil {
		tr = req.Trace
	}
	if parent == "" && f.p.role == RoleTask {
		parent = RoleTask
	}
	ctx, cancel := withTimeout(ctx, f.timeout)
	defer cancel()
	resp, err := CallLLM(ctx, f.client, tr, parent, cr)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && f.timeout > 0 && ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, err
	}
	return f.p.Output(resp)
}

// Close releases nothing: the client is shared.
func (f *promptFunction) Close() error { return nil }

// Models returns the model the prompt calls with these parameters.
func (f *promptFunction) Models(parameters map[string]any) ([]string, error) {
	m, err := f.p.ModelFor(&Request{Parameters: parameters})
	if err != nil {
		return nil, err
	}
	return []string{m}, nil
}

// Estimate renders the prompt for a request and estimates its tokens and
// cost without calling anything, for --dry-run.
func (f *promptFunction) Estimate(req *Request) ([]llm.Estimate, error) {
	cr, err := f.p.Render(orEmpty(req), nil)
	if err != nil {
		return nil, err
	}
	return []llm.Estimate{f.client.Estimate(cr)}, nil
}

// ModelCaller is implemented by the functions and scorers that call models:
// Models lists the models ("provider/model") they call in a run with these
// parameters, so that a pipeline can check providers and keys (and count
// calls) before the run. An error means that a model depends on the case
// (a template over input or metadata): it is checked when it is called.
type ModelCaller interface {
	Models(parameters map[string]any) ([]string, error)
}

// Estimator is implemented by the functions that call models: Estimate says,
// without calling anything, which calls one request would make and what they
// would cost.
type Estimator interface {
	Estimate(req *Request) ([]llm.Estimate, error)
}

var (
	_ ModelCaller = (*promptFunction)(nil)
	_ Estimator   = (*promptFunction)(nil)
)

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
