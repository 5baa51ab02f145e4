package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/project"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
	"github.com/spf13/cobra"
)

func newExperimentsCommand(st *State, storeFlag *string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "experiments",
		Short: "List and show the experiments in the store",
	}
	var eval string
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List experiments, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withReadOnlyStore(cmd, st, *storeFlag, func(db store.Store) error {
				exps, err := db.Experiments(cmd.Context(), store.ListOptions{Eval: eval, Limit: limit})
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(st.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "EVAL\tEXPERIMENT\tSTATUS\tROWS\tCREATED\tBRANCH\tID")
				for _, e := range exps {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", e.Eval, e.Name, e.Status, e.Rows, e.Created.Local().Format("2006-01-02 15:04:05"), e.Git.Branch, e.ID)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&eval, "eval", "", "only the experiments of this eval")
	list.Flags().IntVar(&limit, "limit", 50, "at most N experiments (0: all)")
	var showEval string
	var asJSON bool
	var cases casesFlags
	show := &cobra.Command{
		Use:   "show EXPERIMENT [--cases [--errors|--regressed]]",
		Short: "Show an experiment's summary (by name or id)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withReadOnlyStore(cmd, st, *storeFlag, func(db store.Store) error {
				e, err := findExperiment(cmd.Context(), db, showEval, args[0])
				if err != nil {
					return err
				}
				shards, err := db.Shards(cmd.Context(), e.ID)
				if err != nil {
					return err
				}
				if err := showExperiment(st, e, shards, asJSON); err != nil {
					return err
				}
				return cases.show(cmd.Context(), st, db, e)
			})
		},
	}
	cases.register(show)
	show.Flags().StringVar(&showEval, "eval", "", "the eval, when several have an experiment of that name")
	show.Flags().BoolVar(&asJSON, "json", false, "print the experiment as JSON")
	cmd.AddCommand(list, show, newExperimentsDeleteCommand(st, storeFlag), newExperimentsExportCommand(st, storeFlag))
	return cmd
}

// showExperiment prints an experiment's stored summary.
func showExperiment(st *State, e *store.Experiment, shards []store.Shard, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(st.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			*store.Experiment
			Shards []store.Shard `json:"shards,omitempty"`
		}{e, shards})
	}
	var sum report.Summary
	if len(e.Summary) > 0 {
		if err := json.Unmarshal(e.Summary, &sum); err != nil {
			return fmt.Errorf("reading the summary of %s: %w", e.Name, err)
		}
	} else {
		sum = report.Summary{Eval: e.Eval, Experiment: e.Name, Status: e.Status, Rows: e.Rows}
	}
	report.WriteText(st.Stdout, &sum)
	fmt.Fprintf(st.Stdout, "  id %s · created %s · git %s %s", e.ID, e.Created.Local().Format("2006-01-02 15:04:05"), e.Git.Branch, short(e.Git.Commit))
	if e.Git.Dirty {
		fmt.Fprint(st.Stdout, " (dirty)")
	}
	fmt.Fprintln(st.Stdout)
	writeAbout(st.Stdout, e)
	writeShards(st, shards)
	return nil
}

// writeShards lists the shards of a sharded experiment and their state.
func writeShards(st *State, shards []store.Shard) {
	if len(shards) == 0 {
		return
	}
	finished := 0
	for _, s := range shards {
		if s.State == store.ShardFinished {
			finished++
		}
	}
	fmt.Fprintf(st.Stdout, "  shards: %d of %d finished\n", finished, shards[0].Of)
	for _, s := range shards {
		fmt.Fprintf(st.Stdout, "    %d/%d  %-8s  %6d rows  %s  started %s", s.Index, s.Of, s.State, s.Rows, s.Host, s.Started.Local().Format("15:04:05"))
		if !s.Finished.IsZero() {
			fmt.Fprintf(st.Stdout, "  took %s", s.Finished.Sub(s.Started).Round(time.Millisecond))
		}
		fmt.Fprintln(st.Stdout)
	}
}

// writeAbout prints what the experiment records of its eval and origin.
func writeAbout(w io.Writer, e *store.Experiment) {
	if e.CommitMessage != "" {
		fmt.Fprintf(w, "  commit message: %s\n", e.CommitMessage)
	}
	if e.Description != "" {
		fmt.Fprintf(w, "  description: %s\n", e.Description)
	}
	if len(e.Tags) > 0 {
		fmt.Fprintf(w, "  tags: %s\n", strings.Join(e.Tags, ", "))
	}
	if o := e.OutputsFrom; o != nil {
		fmt.Fprintf(w, "  outputs from: experiment %s of %s (id %s), rescored without calling the task\n", o.Name, o.Eval, o.ID)
	}
}

func newExperimentsExportCommand(st *State, storeFlag *string) *cobra.Command {
	var eval, out string
	var asDataset bool
	cmd := &cobra.Command{
		Use:   "export EXPERIMENT [--out FILE] [--as-dataset]",
		Short: "Write every row of an experiment as JSON Lines (stdout by default)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withReadOnlyStore(cmd, st, *storeFlag, func(db store.Store) error {
				e, err := findExperiment(cmd.Context(), db, eval, args[0])
				if err != nil {
					return err
				}
				if asDataset {
					return exportCases(cmd.Context(), st, db, e, out)
				}
				return exportExperiment(cmd.Context(), st, db, e, out)
			})
		},
	}
	cmd.Flags().BoolVar(&asDataset, "as-dataset", false, "write the cases in the dataset format {id, input, expected, metadata, tags}, one per case, for datasets push or data.file")
	cmd.Flags().StringVar(&eval, "eval", "", "the eval, when several have an experiment of that name")
	cmd.Flags().StringVarP(&out, "out", "o", "", "the file to write (default stdout)")
	return cmd
}

// exportExperiment writes every row of e as JSON Lines to out ("" or "-": stdout).
func exportExperiment(ctx context.Context, st *State, db store.Store, e *store.Experiment, out string) error {
	rows := report.StoreRows(ctx, db, e.ID)
	feedback, err := db.Feedback(ctx, e.ID, "")
	if err != nil {
		return exitcode.With(ExitRun, fmt.Errorf("reading the feedback of %s: %w", e.Name, err))
	}
	if out == "" || out == "-" {
		return report.WriteJSONL(st.Stdout, e.Eval, e.Name, rows, feedback)
	}
	if err := st.WriteFile(out, func(w io.Writer) error { return report.WriteJSONL(w, e.Eval, e.Name, rows, feedback) }); err != nil {
		return err
	}
	fmt.Fprintf(st.Stdout, "wrote %d rows of %s to %s\n", e.Rows, e.Name, out)
	return nil
}

// exportCases writes the cases of e in the dataset format to out ("" or "-": stdout).
func exportCases(ctx context.Context, st *State, db store.Store, e *store.Experiment, out string) error {
	if out == "" || out == "-" {
		_, err := pipeline.WriteDatasetRows(ctx, db, e.ID, st.Stdout)
		return err
	}
	n := 0
	err := st.WriteFile(out, func(w io.Writer) (err error) {
		n, err = pipeline.WriteDatasetRows(ctx, db, e.ID, w)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(st.Stdout, "wrote the %d cases of %s to %s in the dataset format\n", n, e.Name, out)
	return nil
}

func newExperimentsDeleteCommand(st *State, storeFlag *string) *cobra.Command {
	var eval string
	cmd := &cobra.Command{
		Use:   "delete EXPERIMENT...",
		Short: "Delete experiments and their rows (by name or id)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd, st, *storeFlag, func(db store.Store) error {
				for _, name := range args {
					e, err := findExperiment(cmd.Context(), db, eval, name)
					if err != nil {
						return err
					}
					if err := db.DeleteExperiment(cmd.Context(), e.ID); err != nil {
						return err
					}
					fmt.Fprintf(st.Stdout, "deleted %s (%s, %d rows)\n", e.Name, e.Eval, e.Rows)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&eval, "eval", "", "the eval, when several have an experiment of that name")
	return cmd
}

// storeOverride is the store every command uses when set: --store, else
// $CALIPER_STORE.
func storeOverride(st *State, flag string) string {
	if flag != "" {
		return flag
	}
	return st.Env[project.StoreEnv]
}

// openProjectStore opens the store of the project of the working directory,
// found from caliper.yaml (not from its evals), or the one --store names.
func openProjectStore(ctx context.Context, st *State, flag string, opts store.OpenOptions) (store.Store, error) {
	proj, err := project.Find(spec.NewValidator(st.FS, st.Dir, pipeline.DefaultCatalog()), st.Dir)
	if err != nil {
		return nil, err
	}
	return project.OpenStore(ctx, proj.StoreDSN(storeOverride(st, flag), st.Dir), opts)
}

func short(commit string) string {
	if len(commit) > 10 {
		return commit[:10]
	}
	return commit
}

// withStore opens the project's store, runs fn with it and closes it.
func withStore(cmd *cobra.Command, st *State, storeFlag string, fn func(db store.Store) error) error {
	db, err := openProjectStore(cmd.Context(), st, storeFlag, store.OpenOptions{})
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

// withReadOnlyStore is withStore for the commands that only read: the store
// is opened read-only, so one on a read-only mount can be read, and a store
// that does not exist is an error rather than created.
func withReadOnlyStore(cmd *cobra.Command, st *State, storeFlag string, fn func(db store.Store) error) error {
	db, err := openProjectStore(cmd.Context(), st, storeFlag, store.OpenOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

// findExperiment looks an experiment up by name or id, with a way out when it
// is not there.
func findExperiment(ctx context.Context, db store.Store, eval, ref string) (*store.Experiment, error) {
	e, err := db.Experiment(ctx, eval, ref)
	if err != nil {
		hint := "caliper experiments list"
		if eval != "" {
			hint += " --eval " + eval
		}
		return nil, exitcode.With(ExitInvalid, fmt.Errorf("%s: %w: list them with %s", ref, err, hint))
	}
	return e, nil
}
