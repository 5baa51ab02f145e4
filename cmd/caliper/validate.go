package main

import (
	"encoding/json"
	"fmt"
	"github.com/caliperhq/caliper/internal/exitcode"

	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/spec"
	"github.com/spf13/cobra"
)

func newValidateCommand(st *State) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check eval files and the prompt, function and project files they use",
		Long: `Check every *.eval.yaml under the given paths (default: the current directory),
with the prompt, function and project files they use, and print every problem as
file:line:col: message. Exits 2 when any problem is found.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return exitcode.With(ExitInvalid, fmt.Errorf("unknown --format %q: use text or json", format))
			}
			res := spec.NewValidator(st.FS, st.Dir, pipeline.DefaultCatalog()).Validate(args)
			if format == "json" {
				return printValidationJSON(st, res)
			}
			for _, d := range res.Diagnostics {
				fmt.Fprintln(st.Stdout, d.String())
			}
			if n := len(res.Diagnostics); n > 0 {
				fmt.Fprintf(st.Stdout, "%d %s in %d %s checked\n", n, plural(n, "problem", "problems"), len(res.Files), plural(len(res.Files), "file", "files"))
				return exitcode.With(ExitInvalid, nil)
			}
			fmt.Fprintf(st.Stdout, "%d %s valid\n", len(res.Files), plural(len(res.Files), "file", "files"))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

func printValidationJSON(st *State, res *spec.Result) error {
	out := struct {
		Valid       bool              `json:"valid"`
		Files       []string          `json:"files"`
		Diagnostics []spec.Diagnostic `json:"diagnostics"`
	}{Valid: len(res.Diagnostics) == 0, Files: res.Files, Diagnostics: res.Diagnostics}
	if out.Files == nil {
		out.Files = []string{}
	}
	if out.Diagnostics == nil {
		out.Diagnostics = []spec.Diagnostic{}
	}
	enc := json.NewEncoder(st.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	if !out.Valid {
		return exitcode.With(ExitInvalid, nil)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
