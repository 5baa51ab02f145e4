package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// reportFlags are the files a run writes its results to.
type reportFlags struct {
	json, jsonl, junit, markdown string
}

// finished is one eval's run, for the reporters.
type finished struct {
	eval *spec.Eval
	exp  *store.Experiment
	sum  *report.Summary
}

// writeReports writes every report asked for, and the GitHub step summary when
// $GITHUB_STEP_SUMMARY is set.
func writeReports(ctx context.Context, st *State, db store.Store, rf reportFlags, runs []finished) error {
	sums := make([]*report.Summary, len(runs))
	for i, r := range runs {
		sums[i] = r.sum
	}
	if err := writeFileWith(st, rf.json, func(f *os.File) error { return report.WriteJSON(f, sums...) }); err != nil {
		return err
	}
	if err := writeFileWith(st, rf.markdown, func(f *os.File) error { return report.WriteMarkdown(f, sums...) }); err != nil {
		return err
	}
	if err := writeFileWith(st, rf.jsonl, func(f *os.File) error {
		for _, r := range runs {
			if err := report.WriteJSONL(f, r.eval.Name, r.exp.Name, report.StoreRows(ctx, db, r.exp.ID)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := writeFileWith(st, rf.junit, func(f *os.File) error {
		suites := make([]report.Suite, 0, len(runs))
		for _, r := range runs {
			red, err := report.ReductionOf(r.eval, scorers.ExprFunctions()...)
			if err != nil {
				return err
			}
			suites = append(suites, report.Suite{Summary: r.sum, Cases: report.Cases(report.StoreRows(ctx, db, r.exp.ID), red)})
		}
		return report.WriteJUnit(f, suites...)
	}); err != nil {
		return err
	}
	if path := st.Env["GITHUB_STEP_SUMMARY"]; path != "" {
		if err := report.AppendGitHubStepSummary(path, sums...); err != nil {
			return fmt.Errorf("writing $GITHUB_STEP_SUMMARY: %w", err)
		}
	}
	return nil
}

// writeFileWith creates path (relative to the working directory; "" does
// nothing), fills it with write, and renames it into place only when all went well.
func writeFileWith(st *State, path string, write func(*os.File) error) error {
	if path == "" {
		return nil
	}
	path = resolvePath(st, path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".caliper-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
