package main

import (
	"encoding/json"
	"fmt"
	"github.com/caliperhq/caliper/internal/exitcode"
	"sort"
	"strings"
	"time"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/internal/mask"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
	"github.com/spf13/cobra"
)

func newInvokeCommand(st *State) *cobra.Command {
	var input, expected, output, metadata string
	var params []string
	var trial int
	cmd := &cobra.Command{
		Use:   "invoke SLUG",
		Short: "Call a function by hand and print its result",
		Long: `Call a task or scorer function of functions/*.yaml (found from the current
directory up to the project root) once, and print what it returns as JSON. A
scorer function gets --output to score and prints its scores.`,
		Example: `  caliper invoke answer-bot --input '{"question": "What is 2+2?"}'
  caliper invoke grounded-judge --input '"q"' --output '"Paris"' --expected '"Paris"'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			validator := spec.NewValidator(st.FS, st.Dir, pipeline.DefaultCatalog())
			funcs, diags := validator.Functions(".")
			for _, d := range diags {
				fmt.Fprintln(st.Stderr, d.String())
			}
			if len(diags) > 0 {
				return exitcode.With(ExitInvalid, fmt.Errorf("fix the function files first"))
			}
			f, ok := funcs[args[0]]
			if !ok {
				return exitcode.With(ExitInvalid, fmt.Errorf("no function with slug %q here: known slugs are %s", args[0], strings.Join(slugs(funcs), ", ")))
			}
			req, err := requestFromFlags(input, expected, output, metadata, params, trial)
			if err != nil {
				return err
			}
			_, proj, _ := validator.Project(".") // its problems are the function files' own
			return invoke(cmd, st, f, req, proj, funcs)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&input, "input", "null", "the input, as JSON (a bare word is taken as a string)")
	fl.StringVar(&expected, "expected", "", "the expected output, as JSON")
	fl.StringVar(&output, "output", "", "scorers: the output to score, as JSON")
	fl.StringVar(&metadata, "metadata", "", "the case metadata, as a JSON object")
	fl.StringArrayVar(&params, "param", nil, "a parameter NAME=VALUE (repeatable)")
	fl.IntVar(&trial, "trial", 0, "the trial index")
	return cmd
}

func invoke(cmd *cobra.Command, st *State, f *spec.Function, req *functions.Request, proj *spec.Project, funcs map[string]*spec.Function) (err error) {
	ev := &spec.Eval{File: f.File, Project: proj}
	m := pipeline.NewMasker(proj, pipeline.RunSecrets([]*spec.Eval{ev}, st.Env))
	defer func() { err = m.Error(err) }()
	vars, err := pipeline.EnvVars(ev, st.Env)
	if err != nil {
		return err // exit 3: the environment is not ready
	}
	role := functions.RoleTask
	if f.Type == "scorer" {
		role = functions.RoleScorer
	}
	var client *llm.Client
	if f.Kind == spec.KindPrompt {
		if client, err = pipeline.NewLLMClient(proj, st.Env, nil, m); err != nil {
			return exitcode.With(ExitInvalid, fmt.Errorf("model providers: %w: check providers in caliper.yaml", err))
		}
		if f.Prompt != nil && len(f.Prompt.Choices) > 0 {
			return invokeJudge(cmd, st, client, f, req, m)
		}
	}
	fn, err := functions.New(f.Body, functions.Options{Role: role, Concurrency: 1, Timeout: spec.DefaultTimeout,
		Env: st.Environ(), ExprOptions: scorers.ExprFunctions(), Stderr: st.Stderr, Mask: m, Vars: vars, LLM: client, Functions: funcs})
	if err != nil {
		return err
	}
	defer fn.Close()
	if err := checkModels(client, fn, req.Parameters); err != nil {
		return fmt.Errorf("%s: %w", f.Slug, err)
	}
	out, err := fn.Call(cmd.Context(), req)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Slug, err)
	}
	var result any = out
	if role == functions.RoleScorer {
		if out, err = functions.TakeScoreHooks(cmd.Context(), nil, out, time.Now()); err != nil {
			return fmt.Errorf("%s: %w", f.Slug, err)
		}
		scores, err := scorers.ParseResult(strings.ReplaceAll(f.Slug, "-", "_"), out)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Slug, err)
		}
		result = scores
	}
	return printJSON(st, m.Value(result))
}

// invokeJudge scores req with a prompt function that is an LLM judge.
func invokeJudge(cmd *cobra.Command, st *State, client *llm.Client, f *spec.Function, req *functions.Request, m *mask.Masker) error {
	name := strings.ReplaceAll(f.Slug, "-", "_")
	s, err := scorers.BuildPromptJudge(spec.Scorer{Name: name, Body: f.Body}, scorers.Deps{LLM: client})
	if err != nil {
		return err
	}
	if err := checkModels(client, s, req.Parameters); err != nil {
		return fmt.Errorf("%s: %w", f.Slug, err)
	}
	scores, err := s.Score(cmd.Context(), &spec.ScorerEnv{Input: req.Input, Output: req.Output, Expected: req.Expected,
		Metadata: req.Metadata, Parameters: req.Parameters, Trial: req.Trial})
	if err != nil {
		return fmt.Errorf("%s: %w", f.Slug, err)
	}
	return printJSON(st, m.Value(scores))
}

// checkModels checks, before the call, that the models v calls have a
// provider and a key.
func checkModels(client *llm.Client, v any, parameters map[string]any) error {
	mc, ok := v.(functions.ModelCaller)
	if !ok || client == nil {
		return nil
	}
	models, err := mc.Models(parameters)
	if err != nil {
		return nil // chosen per case: checked when called
	}
	for _, model := range models {
		if err := client.Check(model); err != nil {
			return err
		}
	}
	return nil
}

func printJSON(st *State, v any) error {
	enc := json.NewEncoder(st.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// parseJSONFlag decodes a flag's JSON; a value that is not JSON is taken as a string.
func parseJSONFlag(flag, raw string, dst *any) error {
	if raw == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(raw), dst); err != nil {
		if strings.ContainsAny(strings.TrimSpace(raw)[:1], `{["`) {
			return fmt.Errorf("%s: invalid JSON: %w", flag, err)
		}
		*dst = raw
	}
	return nil
}

func slugs(funcs map[string]*spec.Function) []string {
	out := make([]string, 0, len(funcs))
	for s := range funcs {
		out = append(out, s)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return []string{"(none: add functions/*.yaml)"}
	}
	return out
}

// requestFromFlags builds the request of a function call from the JSON flags
// of invoke and prompt render; a flag that does not parse is a usage error.
func requestFromFlags(input, expected, output, metadata string, params []string, trial int) (*functions.Request, error) {
	req := &functions.Request{Trial: trial}
	for _, v := range []struct {
		flag, raw string
		dst       *any
	}{{"--input", input, &req.Input}, {"--expected", expected, &req.Expected}, {"--output", output, &req.Output}} {
		if err := parseJSONFlag(v.flag, v.raw, v.dst); err != nil {
			return nil, exitcode.With(ExitInvalid, err)
		}
	}
	if metadata != "" {
		if err := json.Unmarshal([]byte(metadata), &req.Metadata); err != nil {
			return nil, exitcode.With(ExitInvalid, fmt.Errorf("--metadata: want a JSON object: %w", err))
		}
	}
	p, err := parseParams(params)
	if err != nil {
		return nil, exitcode.With(ExitInvalid, err)
	}
	req.Parameters = map[string]any{}
	for k, v := range p {
		req.Parameters[k] = v
	}
	return req, nil
}
