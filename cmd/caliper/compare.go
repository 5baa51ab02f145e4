package main

import (
	"encoding/json"
	"fmt"
	"github.com/caliperhq/caliper/internal/exitcode"
	"io"

	"github.com/caliperhq/caliper/baseline"
	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
	"github.com/spf13/cobra"
)

func newCompareCommand(st *State, storeFlag *string) *cobra.Command {
	var eval string
	var opts report.CompareOptions
	var rf *reportFlags
	cmd := &cobra.Command{
		Use:   "compare EXPERIMENT BASE",
		Short: "Compare two experiments case by case, with paired confidence intervals",
		Long: `Compare EXPERIMENT with BASE (names or ids; BASE may be file:PATH, a committed
baseline) and print the same summary as caliper run: per score the change, the
improved and regressed cases, and a paired bootstrap interval of the difference.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withReadOnlyStore(cmd, st, *storeFlag, func(db store.Store) error {
				return compareExperiments(cmd, st, db, eval, args[0], args[1], opts, rf)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&eval, "eval", "", "the eval, when several have experiments of those names")
	fl.Float64Var(&opts.Confidence, "confidence", 0.95, "the confidence level of the intervals")
	fl.Uint64Var(&opts.Seed, "seed", 0, "the seed of the bootstrap")
	rf = addReportFlags(fl, "json", "markdown")
	return cmd
}

func compareExperiments(cmd *cobra.Command, st *State, db store.Store, eval, ref, baseRef string, opts report.CompareOptions, rf *reportFlags) error {
	ctx := cmd.Context()
	targets, err := rf.targets(st)
	if err != nil {
		return err
	}
	cur, err := findExperiment(ctx, db, eval, ref)
	if err != nil {
		return err
	}
	base, baseName, err := compareBase(cmd, st, db, cur, baseRef)
	if err != nil {
		return err
	}
	red, err := experimentReduction(st, cur)
	if err != nil {
		return err
	}
	opts.SummaryOptions = report.SummaryOptions{Eval: cur.Eval, Experiment: cur.Name, Status: cur.Status, Reduction: red}
	var stored report.Summary
	if json.Unmarshal(cur.Summary, &stored) == nil {
		opts.Duration = stored.Duration
	}
	opts.Base = baseName
	sum, err := report.Compare(report.StoreRows(ctx, db, cur.ID), base, opts)
	if err != nil {
		return err
	}
	report.WriteText(st.Stdout, sum)
	feedback, err := db.Feedback(ctx, cur.ID, "")
	if err != nil {
		return fmt.Errorf("reading the feedback of %s: %w", cur.Name, err)
	}
	return writeReports(st, targets, []report.Run{{Eval: cur.Eval, Experiment: cur.Name, Summary: sum, Rows: report.StoreRows(ctx, db, cur.ID), Reduction: red, Feedback: feedback}})
}

func compareBase(cmd *cobra.Command, st *State, db store.Store, cur *store.Experiment, ref string) (report.RowSource, string, error) {
	if path, ok := cutFilePrefix(ref); ok {
		f, err := baseline.Load(st.Path(path))
		if err != nil {
			return nil, "", exitcode.With(ExitInvalid, err)
		}
		return f.Rows, ref, nil
	}
	b, err := findExperiment(cmd.Context(), db, cur.Eval, ref)
	if err != nil {
		return nil, "", err
	}
	return report.StoreRows(cmd.Context(), db, b.ID), b.Name, nil
}

func cutFilePrefix(ref string) (string, bool) {
	if len(ref) > 5 && ref[:5] == "file:" {
		return ref[5:], true
	}
	return "", false
}

// experimentReduction is the trial reduction an experiment recorded; for one
// stored before experiments kept it, that of its eval's file today.
func experimentReduction(st *State, e *store.Experiment) (report.Reduction, error) {
	if e.Reduction == nil {
		return reductionFor(st, e.Eval), nil
	}
	return report.ReductionFromStored(e.Reduction, "experiment "+e.Name, scorers.ExprFunctions()...)
}

// reductionFor is the trial reduction of the eval named eval when its file is
// under the working directory, else the default (means, no pass expression).
func reductionFor(st *State, eval string) report.Reduction {
	res := spec.NewValidator(st.FS, st.Dir, pipeline.DefaultCatalog()).Validate(nil)
	for _, ev := range res.Evals {
		if ev.Name == eval {
			if red, err := report.ReductionOf(ev, scorers.ExprFunctions()...); err == nil {
				return red
			}
		}
	}
	return report.Reduction{}
}

func newBaselineCommand(st *State, storeFlag *string) *cobra.Command {
	cmd := &cobra.Command{Use: "baseline", Short: "Committed baselines: a compact file of an experiment's scores"}
	var eval, out string
	save := &cobra.Command{
		Use:   "save EXPERIMENT --out FILE",
		Short: "Write an experiment's scores as a diff-friendly file to commit; use it with base: file:FILE",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return exitcode.With(ExitInvalid, fmt.Errorf("--out FILE is required: where to write the baseline"))
			}
			return withReadOnlyStore(cmd, st, *storeFlag, func(db store.Store) error {
				e, err := findExperiment(cmd.Context(), db, eval, args[0])
				if err != nil {
					return err
				}
				err = st.WriteFile(out, func(w io.Writer) error {
					return baseline.Save(w, baseline.HeaderOf(e), report.StoreRows(cmd.Context(), db, e.ID))
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(st.Stdout, "saved %d rows of %s (%s) to %s\n", e.Rows, e.Name, e.Eval, out)
				return nil
			})
		},
	}
	save.Flags().StringVar(&eval, "eval", "", "the eval, when several have an experiment of that name")
	save.Flags().StringVar(&out, "out", "", "the file to write, e.g. baselines/qa.jsonl")
	cmd.AddCommand(save)
	return cmd
}
