package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// Exit codes of every command, as the README documents them.
const (
	ExitOK      = 0 // passed
	ExitFailed  = 1 // a threshold or gate failed
	ExitInvalid = 2 // invalid spec or usage
	ExitRun     = 3 // the run could not be carried out
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// exitError carries an exit code out of a command; its message, if any, was not printed yet.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exitCode returns an error that makes Execute exit with code; err may be nil when
// the command already said why.
func exitCode(code int, err error) error { return &exitError{code: code, err: err} }

// Execute runs the command line args against st and returns the exit code.
func Execute(st *State, args []string) int {
	root := newRootCommand(st)
	root.SetArgs(args)
	ctx, stop := interruptible(st)
	defer stop()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(st.Stderr, "caliper: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(st.Stderr, "caliper: %v\nRun 'caliper --help' for usage.\n", err)
	return ExitInvalid
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
	storeFlag := root.PersistentFlags().String("store", "", "the experiment store: a SQLite file (default .caliper/caliper.db at the project root)")
	root.AddCommand(newValidateCommand(st), newSchemaCommand(st), newInitCommand(st),
		newRunCommand(st, storeFlag), newExperimentsCommand(st, storeFlag), newInvokeCommand(st),
		newDatasetsCommand(st, storeFlag), newCompareCommand(st, storeFlag), newBaselineCommand(st, storeFlag), newCacheCommand(st, storeFlag))
	return root
}
