package main

import (
	"github.com/caliperhq/caliper/internal/exitcode"
	"strings"

	"github.com/caliperhq/caliper/schema"
	"github.com/spf13/cobra"
)

func newSchemaCommand(st *State) *cobra.Command {
	return &cobra.Command{
		Use:   "schema [" + strings.Join(schema.Kinds, "|") + "]",
		Short: "Print the JSON Schema of a Caliper file (default: eval)",
		Long: `Print the JSON Schema of a kind of Caliper file, for editors and other tools:
  eval      *.eval.yaml
  prompt    *.prompt.yaml
  function  functions/*.yaml
  project   caliper.yaml

With the YAML extension of VS Code (or any yaml-language-server editor), add
  # yaml-language-server: $schema=PATH/TO/eval.schema.json
at the top of a file for completion and checking as you type.`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: schema.Kinds,
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := "eval"
			if len(args) == 1 {
				kind = args[0]
			}
			doc, err := schema.Document(kind)
			if err != nil {
				return exitcode.With(ExitInvalid, err)
			}
			_, err = st.Stdout.Write(doc)
			return err
		},
	}
}
