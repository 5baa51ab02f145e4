package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// replayed is a stored task answer that stands for the task's call when an
// experiment is rescored.
type replayed struct {
	output any
	err    string
	agent  *functions.AgentRun // the stored transcript of an agent task; nil for others
}

// replayOfRow is a stored row's task answer, with its transcript.
func replayOfRow(r *store.Row) *replayed {
	rp := &replayed{err: r.Error}
	if run, ok := functions.AgentRunOf(r.Messages, r.StopReason); ok {
		rp.agent = &run
	}
	return rp
}

// error is the stored task error, or nil.
func (rp *replayed) error() error {
	if rp.err == "" {
		return nil
	}
	return errors.New(rp.err)
}

// FindExperiment finds the experiment ref names for an eval that reads it
// (--rescore, task.replay, data.experiment): "EVAL/NAME" names another
// eval's experiment; a bare name or id is looked up in eval first, then in
// every eval.
func FindExperiment(ctx context.Context, db store.Store, eval, ref string) (*store.Experiment, error) {
	if other, name, ok := strings.Cut(ref, "/"); ok && other != "" && name != "" {
		if e, err := db.Experiment(ctx, other, name); err == nil {
			return e, nil
		}
	}
	e, err := db.Experiment(ctx, eval, ref)
	if errors.Is(err, store.ErrNotFound) {
		e, err = db.Experiment(ctx, "", ref)
	}
	if err != nil {
		return nil, exitcode.With(exitcode.Invalid, fmt.Errorf("experiment %q: %w", ref, err))
	}
	return e, nil
}

// PrepareRescore sets o to score the stored outputs of the experiment ref
// names with this eval's scorers, calling no task: the cases and trials are
// that experiment's rows, and the new experiment records where its outputs
// came from. It returns what to tell the user.
func (p *Pipeline) PrepareRescore(ctx context.Context, db store.Store, ref string, o *ExperimentOptions) (string, error) {
	from, err := FindExperiment(ctx, db, p.Eval.Name, ref)
	if err != nil {
		return "", fmt.Errorf("rescoring: %w", err)
	}
	o.Replay = from
	return fmt.Sprintf("rescoring the %d stored outputs of %s (eval %s): the task is not called", from.Rows, from.Name, from.Eval), nil
}

// replaySource yields the rows of a stored experiment as jobs whose task
// answer is the stored one, streaming them from the store in (case_id,
// trial) order.
type replaySource struct {
	next  func() (*store.Row, error, bool)
	stop  func()
	label string
	last  string
	cases int
}

// openReplay starts reading the rows of experiment e.
func openReplay(ctx context.Context, db store.Store, e *store.Experiment) *replaySource {
	seq := func(yield func(*store.Row, error) bool) {
		errStop := errors.New("stop")
		err := db.Rows(ctx, e.ID, func(r *store.Row) error {
			if !yield(r, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			yield(nil, err)
		}
	}
	next, stop := iter.Pull2(iter.Seq2[*store.Row, error](seq))
	return &replaySource{next: next, stop: stop, label: "experiment " + e.Name}
}

// Next is not used: a replay yields jobs (see nextJob); it satisfies CaseSource.
func (s *replaySource) Next() (datasets.Case, error) {
	return datasets.Case{}, errors.New("a replay yields jobs, not cases")
}

// nextJob returns the next stored row as a job, or io.EOF after the last.
func (s *replaySource) nextJob() (job, error) {
	r, err, ok := s.next()
	if !ok {
		return job{}, io.EOF
	}
	if err != nil {
		return job{}, fmt.Errorf("reading the rows of %s: %w", s.label, err)
	}
	c, err := caseOfRow(r, fmt.Sprintf("%s case %s trial %d", s.label, r.CaseID, r.Trial))
	if err != nil {
		return job{}, err
	}
	if r.CaseID != s.last {
		s.cases++
		s.last = r.CaseID
	}
	rp := replayOfRow(r)
	if r.Error == "" && len(r.Output) > 0 {
		if err := json.Unmarshal(r.Output, &rp.output); err != nil {
			return job{}, fmt.Errorf("%s: its output is not JSON: %w", c.Source, err)
		}
	}
	return job{c: c, trial: r.Trial, replay: rp}, nil
}

// Skipped is always 0: a stored row is never malformed.
func (s *replaySource) Skipped() int { return 0 }

// Close stops reading the rows.
func (s *replaySource) Close() error { s.stop(); return nil }

// caseOfRow is the case a stored row was run on.
func caseOfRow(r *store.Row, source string) (datasets.Case, error) {
	c := datasets.Case{Case: spec.Case{ID: r.CaseID, Tags: r.Tags, HasExpected: len(r.Expected) > 0}, Source: source}
	for _, f := range []struct {
		raw json.RawMessage
		to  any
	}{{r.Input, &c.Input}, {r.Expected, &c.Expected}, {r.Metadata, &c.Metadata}} {
		if len(f.raw) == 0 {
			continue
		}
		if err := json.Unmarshal(f.raw, f.to); err != nil {
			return c, fmt.Errorf("%s: a stored value is not JSON: %w", source, err)
		}
	}
	return c, nil
}

// produceReplay hands out the stored rows of a replay as jobs.
func (p *Pipeline) produceReplay(ctx context.Context, src *replaySource, jobs chan<- job, ro RunOptions) (st Stats, err error) {
	defer func() { st.Cases = src.cases }()
	for {
		if ctx.Err() != nil {
			st.Interrupted = true
			return st, nil
		}
		j, err := src.nextJob()
		if errors.Is(err, io.EOF) {
			return st, nil
		}
		if err != nil {
			return st, err
		}
		if ro.Skip != nil && ro.Skip(j.c.ID, j.trial) {
			st.Skipped++
			continue
		}
		select {
		case jobs <- j:
		case <-ctx.Done():
			st.Interrupted = true
			return st, nil
		}
	}
}

// replayTask is the compiled task of task.replay: the outputs come from a
// stored experiment (see loadReplay), so it is never called.
type replayTask struct{}

func (replayTask) Call(context.Context, *functions.Request) (any, error) {
	return nil, errors.New("task.replay: the outputs of the experiment were not loaded; run through caliper run")
}

func (replayTask) Close() error { return nil }

// loadReplay reads the stored outputs of the experiment task.replay names,
// by case and trial: they are held in memory for the run.
func (p *Pipeline) loadReplay(ctx context.Context, db store.Store) (*store.Experiment, map[string]*replayed, error) {
	from, err := FindExperiment(ctx, db, p.Eval.Name, p.Eval.Task.Replay)
	if err != nil {
		return nil, nil, fmt.Errorf("task.replay: %w", err)
	}
	out := map[string]*replayed{}
	err = db.Rows(ctx, from.ID, func(r *store.Row) error {
		rp := replayOfRow(r)
		if r.Error == "" && len(r.Output) > 0 {
			if err := json.Unmarshal(r.Output, &rp.output); err != nil {
				return fmt.Errorf("case %s trial %d: its output is not JSON: %w", r.CaseID, r.Trial, err)
			}
		}
		out[store.Key(r.CaseID, r.Trial)] = rp
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("task.replay: reading the outputs of %s: %w", from.Name, err)
	}
	return from, out, nil
}

// replayOf is the stored answer of a case and trial under task.replay.
func (p *Pipeline) replayOf(id string, trial int) *replayed {
	if rp, ok := p.replays[store.Key(id, trial)]; ok {
		return rp
	}
	return &replayed{err: fmt.Sprintf("task.replay: experiment %s has no output for case %s trial %d", p.replayFrom, id, trial)}
}
