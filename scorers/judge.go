package scorers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr/vm"
)

// SelectChoiceTool is the name of the tool an LLM judge must call.
const SelectChoiceTool = "select_choice"

// DefaultJudgeModel judges when neither with.model nor Deps.JudgeModel says.
const DefaultJudgeModel = "openai/gpt-4o-mini"

// judge is an LLM classifier: it renders its prompt for a case, forces the
// model to answer through a select_choice tool call whose `choice` is one of
// its choices, and scores the case with that choice's score.
type judge struct {
	name         string
	prompt       *functions.Prompt
	client       *llm.Client
	scores       map[string]float64
	names        []string // the choices, in order
	useCot       bool
	tool         llm.Tool
	output       *vm.Program // with.output, or nil for the case's output
	expected     *vm.Program // with.expected, or nil for the case's expected
	needExpected bool
	temperature0 bool           // built-in judges ask for temperature 0 where the model allows it
	extra        map[string]any // more template variables: criteria, language, with.vars...
	// fromCase adds template variables that depend on the case (battle's
	// instructions default to the input).
	fromCase func(env *spec.ScorerEnv, vars map[string]any)
}

// BuildPromptJudge builds the scorer of a `prompt:` scorer: an LLM judge whose
// prompt has choice_scores. Its templates see input, output, expected,
// metadata, tags, parameters and trial (and the fields of input); the model
// must answer through a select_choice tool call, forced, whose one parameter
// `choice` is an enum of the choices, preceded by a `reasons` string when
// use_cot is on. The score is the chosen choice's score, and the score's
// metadata holds the choice and the rationale. An answer without that call
// or outside the choices is an error on that case.
func BuildPromptJudge(sc spec.Scorer, deps Deps) (Scorer, error) {
	if sc.Kind != spec.KindPrompt || sc.Prompt == nil {
		return nil, fmt.Errorf("building scorer %q: not a prompt scorer", sc.Name)
	}
	if deps.LLM == nil {
		return nil, fmt.Errorf("scorer %q %w: its prompt calls a model; configure the providers (caliper.yaml) of the pipeline", sc.Name, ErrNeedsProvider)
	}
	j, err := newJudge(sc.Name, sc.Prompt, deps.LLM)
	if err != nil {
		return nil, fmt.Errorf("building scorer %q: %w", sc.Name, err)
	}
	j.prompt.SetAttachments(deps.Attachments) // for the image parts of its messages
	return j, nil
}

func newJudge(name string, p *spec.Prompt, client *llm.Client) (*judge, error) {
	if len(p.Choices) < 2 {
		return nil, errors.New("an LLM judge needs at least two choices in choice_scores (e.g. {Y: 1, N: 0})")
	}
	j := &judge{name: name, client: client, scores: map[string]float64{}, useCot: p.UseCot, extra: map[string]any{}}
	for _, c := range p.Choices {
		if c.Score < 0 || c.Score > 1 {
			return nil, fmt.Errorf("choice %q scores %v: a score is in [0, 1]", c.Name, c.Score)
		}
		if _, dup := j.scores[c.Name]; dup {
			return nil, fmt.Errorf("choice %q is listed twice", c.Name)
		}
		j.scores[c.Name] = c.Score
		j.names = append(j.names, c.Name)
	}
	var err error
	if j.prompt, err = functions.CompilePrompt(p, functions.RoleScorer); err != nil {
		return nil, err
	}
	if j.tool, err = selectChoiceTool(j.names, j.useCot); err != nil {
		return nil, err
	}
	return j, nil
}

// selectChoiceTool is the tool a judge answers through. Its parameters keep
// `reasons` before `choice`, so that the model reasons before it decides.
func selectChoiceTool(choices []string, cot bool) (llm.Tool, error) {
	type prop struct {
		Type        string   `json:"type"`
		Description string   `json:"description"`
		Enum        []string `json:"enum,omitempty"`
	}
	choice := prop{Type: "string", Description: "Your verdict: exactly one of the choices.", Enum: choices}
	reasons := prop{Type: "string", Description: "Your reasoning, step by step, written before you settle on a choice."}
	var props, required []byte
	var err error
	c, _ := json.Marshal(choice)
	if cot {
		r, _ := json.Marshal(reasons)
		props = fmt.Appendf(nil, `{"reasons":%s,"choice":%s}`, r, c)
		required = []byte(`["reasons","choice"]`)
	} else {
		props = fmt.Appendf(nil, `{"choice":%s}`, c)
		required = []byte(`["choice"]`)
	}
	params := fmt.Appendf(nil, `{"type":"object","properties":%s,"required":%s,"additionalProperties":false}`, props, required)
	if !json.Valid(params) {
		err = errors.New("building the select_choice tool: invalid JSON")
	}
	return llm.Tool{Name: SelectChoiceTool, Description: "Give your verdict by selecting one of the choices.", Parameters: params}, err
}

// Name returns the name of the score.
func (j *judge) Name() string { return j.name }

// request renders the judge's chat request for a case.
func (j *judge) request(ctx context.Context, env *spec.ScorerEnv) (llm.ChatRequest, error) {
	if env == nil {
		env = &spec.ScorerEnv{}
	}
	out, exp := env.Output, env.Expected
	var err error
	if j.output != nil {
		if out, err = runProgram(j.output, env); err != nil {
			return llm.ChatRequest{}, fmt.Errorf("evaluating with.output: %w", err)
		}
	}
	if j.expected != nil {
		if exp, err = runProgram(j.expected, env); err != nil {
			return llm.ChatRequest{}, fmt.Errorf("evaluating with.expected: %w", err)
		}
	}
	if j.needExpected && missingExpected(exp, env, j.expected != nil) {
		if j.expected != nil {
			return llm.ChatRequest{}, errors.New("with.expected gave nil: the judge has no reference answer to compare the output with")
		}
		return llm.ChatRequest{}, errors.New("the case has no expected value, which this judge compares the output with: give the case an `expected` or set `with.expected`")
	}
	vars := j.extra
	if j.fromCase != nil {
		vars = make(map[string]any, len(j.extra)+1)
		for k, v := range j.extra {
			vars[k] = v
		}
		j.fromCase(env, vars)
	}
	vars = withTranscript(vars, env, out)
	req := &functions.Request{Input: env.Input, Expected: exp, Metadata: env.Metadata, Tags: env.Tags,
		Parameters: env.Parameters, Trial: env.Trial, Output: out, Metrics: env.Metrics}
	cr, err := j.prompt.RenderContext(ctx, req, vars)
	if err != nil {
		return llm.ChatRequest{}, err
	}
	if j.temperature0 && cr.Params.Temperature == nil && llm.SupportsTemperature(cr.Model) {
		zero := 0.0
		cr.Params.Temperature = &zero
	}
	cr.Tools = []llm.Tool{j.tool}
	cr.ToolChoice = SelectChoiceTool
	return cr, nil
}

// Score asks the model for its verdict on the case. The call is recorded in
// the trace of ctx (functions.WithTrace), under the scorer's name unless ctx
// names another parent.
func (j *judge) Score(ctx context.Context, env *spec.ScorerEnv) ([]Score, error) {
	cr, err := j.request(ctx, env)
	if err != nil {
		return nil, err
	}
	tr, parent := functions.TraceFrom(ctx)
	if parent == "" {
		parent = j.name
	}
	resp, err := functions.CallLLM(ctx, j.client, tr, parent, cr)
	if err != nil {
		return nil, err
	}
	choice, reasons, err := j.verdict(resp)
	if err != nil {
		return nil, err
	}
	md := map[string]any{"choice": choice}
	if j.useCot && reasons != "" {
		md["rationale"] = reasons
	}
	return []Score{{Name: j.name, Value: j.scores[choice], Metadata: md}}, nil
}

// verdict reads the choice and reasons of the judge's select_choice call.
func (j *judge) verdict(resp *llm.ChatResponse) (choice, reasons string, err error) {
	i := slices.IndexFunc(resp.ToolCalls, func(tc llm.ToolCall) bool { return tc.Name == SelectChoiceTool })
	if i < 0 {
		if len(resp.ToolCalls) > 0 {
			return "", "", fmt.Errorf("the judge called %q instead of %s", resp.ToolCalls[0].Name, SelectChoiceTool)
		}
		return "", "", fmt.Errorf("the judge answered without calling %s: %q; use a model that supports tool calls", SelectChoiceTool, clip(resp.Content, 200))
	}
	var args struct {
		Choice  any `json:"choice"`
		Reasons any `json:"reasons"`
	}
	if err := json.Unmarshal(resp.ToolCalls[i].Arguments, &args); err != nil {
		return "", "", fmt.Errorf("the judge's %s arguments are not a JSON object: %s", SelectChoiceTool, clip(string(resp.ToolCalls[i].Arguments), 200))
	}
	c, ok := args.Choice.(string)
	if !ok {
		return "", "", fmt.Errorf("the judge gave no choice (%s): it must choose one of %s", describe(args.Choice), strings.Join(j.names, ", "))
	}
	c = strings.TrimSpace(c)
	if _, ok := j.scores[c]; !ok {
		return "", "", fmt.Errorf("the judge chose %q, which is not one of its choices %s", clip(c, 100), strings.Join(j.names, ", "))
	}
	reasons, _ = args.Reasons.(string)
	return c, reasons, nil
}

// Models returns the model the judge calls with these parameters.
func (j *judge) Models(parameters map[string]any) ([]string, error) {
	m, err := j.prompt.ModelFor(&functions.Request{Parameters: parameters})
	if err != nil {
		return nil, err
	}
	return []string{m}, nil
}

// Estimate renders the judge's request for a case and estimates its tokens
// and cost without calling anything, for --dry-run. The output of the case is
// not known before the run: pass an estimate of it in env.Output.
func (j *judge) Estimate(env *spec.ScorerEnv) ([]llm.Estimate, error) {
	cr, err := j.request(context.Background(), env)
	if err != nil {
		return nil, err
	}
	return []llm.Estimate{j.client.Estimate(cr)}, nil
}

// Estimator is implemented by the scorers that call models (LLM judges):
// Estimate says, without calling anything, which calls scoring a case would
// make and what they would cost.
type Estimator interface {
	Estimate(env *spec.ScorerEnv) ([]llm.Estimate, error)
}

var (
	_ Estimator             = (*judge)(nil)
	_ functions.ModelCaller = (*judge)(nil)
)

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
