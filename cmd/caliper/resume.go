package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// resumeLatest is the value of a bare --resume: the latest unfinished experiment.
const resumeLatest = "\x00latest"

// prepareResume sets o to continue an experiment (--resume) or to re-run only
// the errored cases of one into a new experiment (--retry-errors).
func prepareResume(ctx context.Context, st *State, db store.Store, ev *spec.Eval, f runFlags, o *pipeline.ExperimentOptions) error {
	switch {
	case f.resume != "" && f.retryErrors != "":
		return errors.New("--resume and --retry-errors cannot be used together: pick one")
	case f.resume != "":
		e, err := experimentToResume(ctx, db, ev, f.resume)
		if err != nil {
			return err
		}
		done, err := db.DoneKeys(ctx, e.ID)
		if err != nil {
			return fmt.Errorf("resuming %s: %w", e.Name, err)
		}
		o.Resume, o.Done = e, done
		fmt.Fprintf(st.Stderr, "resuming %s: %d rows already stored are skipped\n", e.Name, len(done))
	case f.retryErrors != "":
		return prepareRetry(ctx, st, db, ev, f.retryErrors, o)
	}
	return nil
}

func experimentToResume(ctx context.Context, db store.Store, ev *spec.Eval, ref string) (*store.Experiment, error) {
	if ref != resumeLatest {
		e, err := db.Experiment(ctx, ev.Name, ref)
		if err != nil {
			return nil, fmt.Errorf("--resume=%s: %w: list the experiments of %s with caliper experiments list --eval %s", ref, err, ev.Name, ev.Name)
		}
		return e, nil
	}
	exps, err := db.Experiments(ctx, store.ListOptions{Eval: ev.Name})
	if err != nil {
		return nil, err
	}
	for i := range exps {
		if exps[i].Status != store.StatusCompleted {
			return &exps[i], nil
		}
	}
	return nil, fmt.Errorf("--resume: %s has no unfinished experiment: run it without --resume", ev.Name)
}

// prepareRetry creates a new experiment holding the rows of ref that succeeded,
// so that the run fills in only the errored (and missing) case trials.
func prepareRetry(ctx context.Context, st *State, db store.Store, ev *spec.Eval, ref string, o *pipeline.ExperimentOptions) error {
	from, err := db.Experiment(ctx, ev.Name, ref)
	if err != nil {
		return fmt.Errorf("--retry-errors %s: %w", ref, err)
	}
	to := &store.Experiment{Name: from.Name + "-retry", Eval: ev.Name, Status: store.StatusRunning, Git: from.Git,
		Parameters: from.Parameters, SpecHash: from.SpecHash, Metadata: from.Metadata, Dataset: from.Dataset,
		DatasetVersion: from.DatasetVersion, Base: from.Base, Reduction: report.StoredReductionOf(ev)}
	for i := 2; ; i++ {
		err = db.CreateExperiment(ctx, to)
		if !errors.Is(err, store.ErrNameTaken) {
			break
		}
		to.Name = fmt.Sprintf("%s-retry-%d", from.Name, i)
	}
	if err != nil {
		return fmt.Errorf("--retry-errors: %w", err)
	}
	copied, err := db.CopyRows(ctx, from.ID, to.ID, succeeded)
	if err != nil {
		return fmt.Errorf("--retry-errors: copying the rows that succeeded: %w", err)
	}
	done, err := db.DoneKeys(ctx, to.ID)
	if err != nil {
		return err
	}
	o.Resume, o.Done = to, done
	fmt.Fprintf(st.Stderr, "retrying the errors of %s as %s: %d rows kept, %d to run\n", from.Name, to.Name, copied, from.Rows-copied)
	return nil
}

// succeeded reports whether a row needs no retry: the task and every scorer worked.
func succeeded(r *store.Row) bool { return r.Succeeded() }
