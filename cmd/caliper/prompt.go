package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/spec"
	"github.com/spf13/cobra"
)

func newPromptCommand(st *State) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prompt",
		Short: "Work with prompt files",
	}
	cmd.AddCommand(newPromptRenderCommand(st))
	return cmd
}

func newPromptRenderCommand(st *State) *cobra.Command {
	var input, expected, output, metadata string
	var params []string
	var trial int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "render FILE",
		Short: "Print the messages a prompt would send for one case, sending nothing",
		Long: `Render a *.prompt.yaml file for one case, as a run would (the Braintrust
SDK's Prompt.build()): the model, the params and the messages with their
templates filled in. Nothing is sent. A judge prompt (with choice_scores) also
sees --output.`,
		Example: `  caliper prompt render prompts/answer.prompt.yaml --input '{"question": "What is 2+2?"}'
  caliper prompt render judge.prompt.yaml --input '"q"' --output '"4"' --expected '"4"' --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pr, diags := spec.NewValidator(st.FS, st.Dir, pipeline.DefaultCatalog()).LoadPrompt(args[0])
			for _, d := range diags {
				fmt.Fprintln(st.Stderr, d.String())
			}
			if len(diags) > 0 {
				return exitcode.With(ExitInvalid, fmt.Errorf("fix the prompt file first"))
			}
			req, err := requestFromFlags(input, expected, output, metadata, params, trial)
			if err != nil {
				return err
			}
			role := functions.RoleTask
			if len(pr.Choices) > 0 {
				role = functions.RoleScorer
			}
			compiled, err := functions.CompilePrompt(pr, role)
			if err != nil {
				return exitcode.With(ExitInvalid, err)
			}
			compiled.SetAttachments(func(_ context.Context, ref map[string]any) ([]byte, error) {
				path, _ := ref["path"].(string)
				if path == "" {
					return nil, fmt.Errorf("the attachment has no path")
				}
				if !filepath.IsAbs(path) {
					path = filepath.Join(st.Dir, path) // --input paths are relative to the current directory
				}
				return os.ReadFile(path)
			})
			cr, err := compiled.RenderContext(cmd.Context(), req, nil)
			if err != nil {
				return exitcode.With(ExitInvalid, err)
			}
			if asJSON {
				return printJSON(st, cr)
			}
			writeRendered(st.Stdout, cr)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&input, "input", "null", "the input, as JSON (a bare word is taken as a string)")
	fl.StringVar(&expected, "expected", "", "the expected output, as JSON")
	fl.StringVar(&output, "output", "", "judge prompts: the output to judge, as JSON")
	fl.StringVar(&metadata, "metadata", "", "the case metadata, as a JSON object")
	fl.StringArrayVar(&params, "param", nil, "a parameter NAME=VALUE (repeatable)")
	fl.IntVar(&trial, "trial", 0, "the trial index")
	fl.BoolVar(&asJSON, "json", false, "print the request as JSON: model, messages, params, tools, response_format")
	return cmd
}

// writeRendered prints a rendered request for people: the model and params,
// then each message under a "--- role" line.
func writeRendered(w io.Writer, cr llm.ChatRequest) {
	fmt.Fprintf(w, "model: %s\n", cr.Model)
	if b, err := json.Marshal(cr.Params); err == nil && string(b) != "{}" {
		fmt.Fprintf(w, "params: %s\n", b)
	}
	if len(cr.Tools) > 0 {
		names := make([]string, len(cr.Tools))
		for i, t := range cr.Tools {
			names[i] = t.Name
		}
		fmt.Fprintf(w, "tools: %s\n", strings.Join(names, ", "))
	}
	if cr.ResponseFormat != nil {
		fmt.Fprintf(w, "response_format: %s\n", cr.ResponseFormat.Type)
	}
	for _, m := range cr.Messages {
		if len(m.Parts) == 0 {
			fmt.Fprintf(w, "\n--- %s\n%s\n", m.Role, m.Content)
			continue
		}
		fmt.Fprintf(w, "\n--- %s\n", m.Role)
		for _, p := range m.Parts {
			if p.Type == llm.PartImage {
				fmt.Fprintf(w, "[image %s, %d bytes, sha256 %s]\n", p.MediaType, p.Size, p.SHA256)
				continue
			}
			fmt.Fprintln(w, p.Text)
		}
	}
}
