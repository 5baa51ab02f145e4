package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/project"
	"github.com/caliperhq/caliper/store"
)

func newStoreCommand(st *State, storeFlag *string) *cobra.Command {
	cmd := &cobra.Command{Use: "store", Short: "The experiment store itself"}
	cmd.AddCommand(newStoreCopyCommand(st, storeFlag))
	return cmd
}

func newStoreCopyCommand(st *State, storeFlag *string) *cobra.Command {
	var from, to, eval string
	cmd := &cobra.Command{
		Use:   "copy --from DSN --to DSN [EXPERIMENT...]",
		Short: "Copy experiments with their rows, and datasets with every version, from one store to another",
		Long: `Copies experiments (by name or id; every experiment when none is named) with
their rows, feedback, shard records and the attachments their rows refer to, and
datasets with every version (the datasets the named experiments read, or every
dataset), from one store to another: a laptop's SQLite file to the team's
PostgreSQL and back. Copying again changes nothing; feedback the destination has
and the source lacks is kept. --from defaults to the project's store.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if to == "" {
				return exitcode.With(ExitInvalid, errors.New("--to is required: pass the store to copy into, a SQLite file or a postgres:// URL"))
			}
			if from == "" {
				from = *storeFlag
			}
			// Read-only: a source that does not exist is an error, not created.
			src, err := openProjectStore(cmd.Context(), st, from, store.OpenOptions{ReadOnly: true})
			if err != nil {
				return err
			}
			defer src.Close()
			// --to is resolved as --store is: a relative path against the
			// working directory.
			dst, err := project.OpenStore(cmd.Context(), (&project.Project{}).StoreDSN(to, st.Dir), store.OpenOptions{})
			if err != nil {
				return exitcode.With(ExitRun, err)
			}
			defer dst.Close()
			if src.String() == dst.String() {
				return exitcode.With(ExitInvalid, fmt.Errorf("--from and --to are the same store (%s): name another one with --to", dst))
			}
			res, err := store.Copy(cmd.Context(), src, dst, store.CopyOptions{Experiments: args, Eval: eval})
			if errors.Is(err, store.ErrNotFound) && len(args) > 0 {
				return exitcode.With(ExitInvalid, fmt.Errorf("%w: list them with caliper experiments list --store %s", err, src))
			}
			if err != nil {
				return exitcode.With(ExitRun, err)
			}
			printCopy(st, res, src, dst)
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the store to copy from: a SQLite file or a postgres:// URL (default the project's store)")
	cmd.Flags().StringVar(&to, "to", "", "the store to copy into: a SQLite file or a postgres:// URL")
	cmd.Flags().StringVar(&eval, "eval", "", "only this eval's experiments (and the datasets they read), or the eval of the names given")
	return cmd
}

// printCopy says what a copy did.
func printCopy(st *State, res store.CopyResult, src, dst store.Store) {
	fmt.Fprintf(st.Stdout, "copied %d %s (%d %s) and %d %s (%d %s) from %s to %s\n",
		res.Experiments, plural(res.Experiments, "experiment", "experiments"), res.Rows, plural(res.Rows, "row", "rows"),
		res.Datasets, plural(res.Datasets, "dataset", "datasets"), res.Versions, plural(res.Versions, "version", "versions"),
		src, dst)
	if res.Feedback+res.Attachments+res.Shards > 0 {
		fmt.Fprintf(st.Stdout, "with %d feedback %s, %d %s and %d shard %s\n",
			res.Feedback, plural(res.Feedback, "record", "records"), res.Attachments, plural(res.Attachments, "attachment", "attachments"),
			res.Shards, plural(res.Shards, "record", "records"))
	}
	if n := res.Unchanged + res.DatasetsUnchanged; n > 0 {
		fmt.Fprintf(st.Stdout, "already there, unchanged: %d %s, %d %s\n",
			res.Unchanged, plural(res.Unchanged, "experiment", "experiments"),
			res.DatasetsUnchanged, plural(res.DatasetsUnchanged, "dataset", "datasets"))
	}
}
