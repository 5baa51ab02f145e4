package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/caliperhq/caliper/internal/exitcode"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
	"github.com/spf13/cobra"
)

// showRows is how many rows `datasets show` prints unless told otherwise.
const showRows = 10

func newDatasetsCommand(st *State, storeFlag *string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "datasets",
		Short: "Push, list, show and pull the versioned datasets in the store",
		Long: `Datasets in the store are versioned: each push that changes a dataset makes
a new version, and every version stays readable. An eval reads one with
data: {dataset: NAME} (the latest version) or NAME@VERSION (a pinned one).`,
	}
	var deleteMissing bool
	push := &cobra.Command{
		Use:   "push NAME FILE",
		Short: "Insert or update a dataset's rows by id from a file (.jsonl, .json, .csv, .yaml)",
		Long: `Push the rows of FILE to dataset NAME, creating it on the first push. Rows
are {id?, input, expected?, metadata?, tags?}; a row without an id gets the
hash of its input. A row whose id is in the dataset replaces it when its
content differs; rows of the dataset missing from FILE are kept, or deleted
with --delete-missing. A push that changes anything makes a new version; one
that changes nothing makes none.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return pushDataset(cmd.Context(), st, *storeFlag, args[0], args[1], deleteMissing)
		},
	}
	push.Flags().BoolVar(&deleteMissing, "delete-missing", false, "delete the rows whose id is not in FILE")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the datasets with their latest version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return listDatasets(cmd.Context(), st, *storeFlag)
		},
	}
	var rows int
	show := &cobra.Command{
		Use:   "show NAME[@VERSION]",
		Short: "Show a dataset's versions and its first rows (of the latest version without @)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return showDataset(cmd.Context(), st, *storeFlag, args[0], rows)
		},
	}
	show.Flags().IntVar(&rows, "rows", showRows, "print the first N rows")
	var out string
	pull := &cobra.Command{
		Use:   "pull NAME[@VERSION]",
		Short: "Write a version of a dataset (the latest without @) as JSON Lines",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return pullDataset(cmd.Context(), st, *storeFlag, args[0], out)
		},
	}
	pull.Flags().StringVarP(&out, "out", "o", "-", "the file to write, - for standard output")
	cmd.AddCommand(push, list, show, pull)
	return cmd
}

// openDatasetStore opens the project's store for its datasets. Close closes it.
func openDatasetStore(ctx context.Context, st *State, flag string) (store.DatasetStore, io.Closer, error) {
	db, err := openProjectStore(ctx, st, flag, store.OpenOptions{})
	if err != nil {
		return nil, nil, err
	}
	return db, db, nil
}

func pushDataset(ctx context.Context, st *State, storeFlag, name, file string, deleteMissing bool) error {
	if strings.Contains(name, "@") {
		return exitcode.With(ExitInvalid, fmt.Errorf("pushing dataset %q: name the dataset without @VERSION: each push that changes it makes the next version", name))
	}
	path := st.Path(file)
	stream, err := datasets.Open(ctx, spec.Data{File: path, OnError: "fail"},
		datasets.Options{Display: st.Display})
	if err != nil {
		return exitcode.With(ExitInvalid, fmt.Errorf("pushing dataset %q: %w", name, err))
	}
	defer stream.Close()
	db, closer, err := openDatasetStore(ctx, st, storeFlag)
	if err != nil {
		return err
	}
	defer closer.Close()
	res, err := pipeline.PushDataset(ctx, db, name, stream, deleteMissing)
	if err != nil {
		return err
	}
	pushed := res.Added + res.Updated + res.Unchanged
	if res.Changed() {
		fmt.Fprintf(st.Stdout, "pushed %s version %d: %d added, %d updated, %d deleted, %d unchanged\n",
			name, res.Version, res.Added, res.Updated, res.Deleted, res.Unchanged)
	} else {
		fmt.Fprintf(st.Stdout, "%s is unchanged at version %d: the %d %s of %s are already there, so no new version was made\n",
			name, res.Version, pushed, plural(pushed, "row", "rows"), st.Display(path))
	}
	if !deleteMissing {
		// Rows that the file does not have were kept; say so, since the
		// user may have meant to delete them.
		versions, err := db.DatasetVersions(ctx, name)
		if err != nil {
			return err
		}
		if kept := versions[0].Rows - pushed; kept > 0 {
			fmt.Fprintf(st.Stdout, "  %d %s not in %s kept (--delete-missing deletes them)\n",
				kept, plural(kept, "row", "rows"), st.Display(path))
		}
	}
	return nil
}

func listDatasets(ctx context.Context, st *State, storeFlag string) error {
	db, closer, err := openDatasetStore(ctx, st, storeFlag)
	if err != nil {
		return err
	}
	defer closer.Close()
	list, err := db.Datasets(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(st.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DATASET\tVERSION\tROWS\tUPDATED")
	for _, d := range list {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", d.Name, d.Latest, d.Rows, d.Updated.Local().Format("2006-01-02 15:04:05"))
	}
	if len(list) == 0 {
		fmt.Fprintln(st.Stderr, `no datasets in the store yet: push one with "caliper datasets push NAME FILE"`)
	}
	return tw.Flush()
}

func showDataset(ctx context.Context, st *State, storeFlag, ref string, rows int) error {
	db, closer, err := openDatasetStore(ctx, st, storeFlag)
	if err != nil {
		return err
	}
	defer closer.Close()
	name, version, err := store.ResolveDatasetRef(ctx, db, ref)
	if err != nil {
		return datasetExit(err)
	}
	versions, err := db.DatasetVersions(ctx, name)
	if err != nil {
		return datasetExit(err)
	}
	var count int
	for _, v := range versions {
		if v.Version == version {
			count = v.Rows
		}
	}
	fmt.Fprintf(st.Stdout, "dataset %s, version %d of %d: %d %s\n\n", name, version, versions[0].Version, count, plural(count, "row", "rows"))
	tw := tabwriter.NewWriter(st.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tCREATED\tROWS\tADDED\tUPDATED\tDELETED")
	for _, v := range versions {
		mark := ""
		if v.Version == version {
			mark = " *"
		}
		fmt.Fprintf(tw, "%d%s\t%s\t%d\t%d\t%d\t%d\n", v.Version, mark, v.Created.Local().Format("2006-01-02 15:04:05"),
			v.Rows, v.Added, v.Updated, v.Deleted)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rows <= 0 || count == 0 {
		return nil
	}
	if rows < count {
		fmt.Fprintf(st.Stdout, "\nthe first %d rows of version %d (caliper datasets pull %s@%d for all):\n", rows, version, name, version)
	} else {
		fmt.Fprintf(st.Stdout, "\nthe rows of version %d:\n", version)
	}
	errEnough := errors.New("enough rows")
	n := 0
	err = db.DatasetRows(ctx, name, version, func(_ string, data json.RawMessage) error {
		if n == rows {
			return errEnough
		}
		n++
		fmt.Fprintf(st.Stdout, "%s\n", data)
		return nil
	})
	if err != nil && err != errEnough {
		return datasetExit(err)
	}
	return nil
}

func pullDataset(ctx context.Context, st *State, storeFlag, ref, out string) error {
	if out == "" {
		return exitcode.With(ExitInvalid, errors.New("--out is empty: name a file, or - for standard output"))
	}
	db, closer, err := openDatasetStore(ctx, st, storeFlag)
	if err != nil {
		return err
	}
	defer closer.Close()
	name, version, err := store.ResolveDatasetRef(ctx, db, ref)
	if err != nil {
		return datasetExit(err)
	}
	if out == "-" {
		w := bufio.NewWriterSize(st.Stdout, 64<<10)
		if _, err := writeDatasetRows(ctx, db, name, version, w); err != nil {
			return datasetExit(err)
		}
		if err := w.Flush(); err != nil {
			return fmt.Errorf("pulling dataset %s@%d: %w", name, version, err)
		}
		return nil
	}
	path := st.Path(out)
	if info, err := os.Stat(filepath.Dir(path)); err != nil || !info.IsDir() {
		return fmt.Errorf("pulling dataset %s@%d: %s is not a directory: check that the directory of --out exists and can be written", name, version, filepath.Dir(out))
	}
	var n int
	err = st.WriteFile(path, func(w io.Writer) error {
		n, err = writeDatasetRows(ctx, db, name, version, w)
		return err
	})
	if err != nil {
		return datasetExit(err)
	}
	fmt.Fprintf(st.Stdout, "pulled %s version %d: %d %s to %s\n", name, version, n, plural(n, "row", "rows"), st.Display(path))
	return nil
}

// writeDatasetRows writes a version of a dataset to w as JSON Lines and
// returns how many rows it wrote.
func writeDatasetRows(ctx context.Context, db store.DatasetStore, name string, version int, w io.Writer) (int, error) {
	n := 0
	err := db.DatasetRows(ctx, name, version, func(_ string, data json.RawMessage) error {
		n++
		if _, err := w.Write(data); err != nil {
			return fmt.Errorf("pulling dataset %s@%d: %w", name, version, err)
		}
		_, err := w.Write([]byte{'\n'})
		return err
	})
	return n, err
}

// datasetExit is the exit of a dataset command that failed with err: 2 for
// an unknown dataset or version, 3 otherwise.
func datasetExit(err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrBadDatasetRef) {
		return exitcode.With(ExitInvalid, err)
	}
	return err
}
