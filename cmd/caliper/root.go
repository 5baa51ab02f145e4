package main

import (
	"fmt"

	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/project"
	"github.com/spf13/cobra"
)

// Exit codes of every command, as the README documents them.
const (
	ExitOK      = exitcode.OK      // passed
	ExitFailed  = exitcode.Failed  // a threshold or gate failed
	ExitInvalid = exitcode.Invalid // invalid spec or usage
	ExitRun     = exitcode.Run     // the run could not be carried out
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// Execute runs the command line args against st and returns the exit code:
// the one the error carries (exitcode.Of); an error of cobra's own (an
// unknown flag or command, a wrong number of arguments) is one of usage.
func Execute(st *State, args []string) int {
	st = withSerialStderr(st)
	root := newRootCommand(st)
	root.SetArgs(args)
	ctx, stop := interruptible(st)
	defer stop()
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return ExitOK
	case !exitcode.Has(err):
		fmt.Fprintf(st.Stderr, "caliper: %v\nRun 'caliper --help' for usage.\n", err)
		return ExitInvalid
	case !exitcode.Silent(err):
		fmt.Fprintf(st.Stderr, "caliper: %v\n", err)
	}
	return exitcode.Of(err)
}

func newRootCommand(st *State) *cobra.Command {
	root := &cobra.Command{
		Use:   "caliper",
		Short: "Declarative evaluation pipelines for LLM applications",
		Long: `Caliper runs evals described in YAML files (*.eval.yaml): a dataset, a task
that produces each output, and scorers. It logs every case as an experiment,
compares it with a baseline and exits non-zero when the eval's gates fail.

Exit codes: 0 passed, 1 a threshold or gate failed, 2 invalid spec or usage,
3 the run could not be carried out.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(st.Stdin)
	root.SetOut(st.Stdout)
	root.SetErr(st.Stderr)
	root.SetVersionTemplate("caliper {{.Version}}\n")
	storeFlag := root.PersistentFlags().String("store", "", "the experiment store: a SQLite file or a postgres:// URL (default: $"+project.StoreEnv+", else store: of caliper.yaml, else .caliper/caliper.db at the project root)")
	root.AddCommand(newValidateCommand(st), newSchemaCommand(st), newInitCommand(st),
		newRunCommand(st, storeFlag), newExperimentsCommand(st, storeFlag), newInvokeCommand(st), newPromptCommand(st),
		newDatasetsCommand(st, storeFlag), newCompareCommand(st, storeFlag), newBaselineCommand(st, storeFlag), newCacheCommand(st, storeFlag),
		newViewCommand(st, storeFlag), newFeedbackCommand(st, storeFlag), newStoreCommand(st, storeFlag))
	markRunErrors(root)
	return root
}

// markRunErrors gives every error a command returns without an exit code
// the code of a run that could not be carried out, so that only cobra's own
// errors are left unmarked (usage).
func markRunErrors(c *cobra.Command) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			err := run(cmd, args)
			if err != nil && !exitcode.Has(err) {
				return exitcode.With(ExitRun, err)
			}
			return err
		}
	}
	for _, sub := range c.Commands() {
		markRunErrors(sub)
	}
}
