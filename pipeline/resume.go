package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/store"
)

// ResumeLatest is the experiment reference of a bare --resume: the eval's
// latest unfinished experiment.
const ResumeLatest = "\x00latest"

// PrepareResume sets o to continue the experiment ref names (ResumeLatest:
// the eval's latest unfinished one), skipping the case trials it holds. An
// experiment that ran with other parameters or another version of the eval
// file is refused (exit code 2): resuming it would mix two runs. It returns
// what to tell the user.
func (p *Pipeline) PrepareResume(ctx context.Context, db store.Store, ref string, o *ExperimentOptions) (string, error) {
	e, err := p.experimentToResume(ctx, db, ref)
	if err != nil {
		return "", err
	}
	if err := p.checkResumable(e, o.Display); err != nil {
		return "", err
	}
	done, err := db.DoneKeys(ctx, e.ID)
	if err != nil {
		return "", fmt.Errorf("resuming %s: %w", e.Name, err)
	}
	o.Resume, o.Done = e, done
	return fmt.Sprintf("resuming %s: %d rows already stored are skipped", e.Name, len(done)), nil
}

func (p *Pipeline) experimentToResume(ctx context.Context, db store.Store, ref string) (*store.Experiment, error) {
	name := p.Eval.Name
	if ref != ResumeLatest {
		e, err := db.Experiment(ctx, name, ref)
		if err != nil {
			return nil, exitcode.With(exitcode.Invalid, fmt.Errorf("--resume=%s: %w: list the experiments of %s with caliper experiments list --eval %s", ref, err, name, name))
		}
		return e, nil
	}
	exps, err := db.Experiments(ctx, store.ListOptions{Eval: name})
	if err != nil {
		return nil, err
	}
	for i := range exps {
		if exps[i].Status != store.StatusCompleted {
			return &exps[i], nil
		}
	}
	return nil, exitcode.Invalidf("--resume: %s has no unfinished experiment: run it without --resume", name)
}

// checkResumable refuses to resume e with parameters or an eval file other
// than the ones it started with, saying what differs.
func (p *Pipeline) checkResumable(e *store.Experiment, display func(string) string) error {
	diffs := paramDiffs(e, mustJSON(p.Parameters))
	if !sameSpec(e.SpecHash, p.Eval) {
		files := SpecFiles(p.Eval)
		if display != nil {
			for i, f := range files {
				files[i] = display(f)
			}
		}
		diffs = append(diffs, fmt.Sprintf("the eval's files (%s) changed since %s started", strings.Join(files, ", "), e.Name))
	}
	if len(diffs) == 0 {
		return nil
	}
	return exitcode.Invalidf("cannot resume %s: %s: its rows would mix with rows of another run; run without --resume to start a new experiment, or resume with the parameters and eval file it started with",
		e.Name, strings.Join(diffs, "; "))
}

// paramDiffs lists the parameters whose values differ between e and now
// (both JSON objects), as "parameter NAME: STORED in EXP, NOW now".
func paramDiffs(e *store.Experiment, now json.RawMessage) []string {
	var was, is map[string]json.RawMessage
	if json.Unmarshal(e.Parameters, &was) != nil || json.Unmarshal(now, &is) != nil {
		return nil
	}
	names := map[string]bool{}
	for k := range was {
		names[k] = true
	}
	for k := range is {
		names[k] = true
	}
	var out []string
	for k := range names {
		if !bytes.Equal(was[k], is[k]) {
			out = append(out, fmt.Sprintf("parameter %s: %s in %s, %s now", k, orUnset(was[k]), e.Name, orUnset(is[k])))
		}
	}
	sort.Strings(out)
	return out
}

func orUnset(v json.RawMessage) string {
	if v == nil {
		return "unset"
	}
	return string(v)
}

// PrepareRetry creates a new experiment holding the rows of the experiment
// ref names that succeeded, and sets o to fill in only its errored (and
// missing) case trials. The new experiment records this run's parameters
// and eval file. It returns what to tell the user.
func (p *Pipeline) PrepareRetry(ctx context.Context, db store.Store, ref string, o *ExperimentOptions) (string, error) {
	from, err := db.Experiment(ctx, p.Eval.Name, ref)
	if err != nil {
		return "", exitcode.With(exitcode.Invalid, fmt.Errorf("--retry-errors %s: %w", ref, err))
	}
	to := &store.Experiment{Name: from.Name + "-retry", Eval: p.Eval.Name, Status: store.StatusRunning, Git: from.Git,
		Parameters: mustJSON(p.Parameters), SpecHash: SpecHash(p.Eval), Metadata: from.Metadata, Dataset: from.Dataset,
		DatasetVersion: from.DatasetVersion, Base: from.Base, Reduction: report.StoredReductionOf(p.Eval)}
	for i := 2; ; i++ {
		err = db.CreateExperiment(ctx, to)
		if !errors.Is(err, store.ErrNameTaken) {
			break
		}
		to.Name = fmt.Sprintf("%s-retry-%d", from.Name, i)
	}
	if err != nil {
		return "", fmt.Errorf("--retry-errors: %w", err)
	}
	copied, err := db.CopyRows(ctx, from.ID, to.ID, succeeded)
	if err != nil {
		return "", fmt.Errorf("--retry-errors: copying the rows that succeeded: %w", err)
	}
	done, err := db.DoneKeys(ctx, to.ID)
	if err != nil {
		return "", err
	}
	o.Resume, o.Done = to, done
	return fmt.Sprintf("retrying the errors of %s as %s: %d rows kept, %d to run", from.Name, to.Name, copied, from.Rows-copied), nil
}

// succeeded reports whether a row needs no retry: the task and every scorer worked.
func succeeded(r *store.Row) bool { return r.Succeeded() }
