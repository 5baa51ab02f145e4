package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// ExperimentOptions say where and how one run is logged.
type ExperimentOptions struct {
	Store    store.Store
	Name     string    // the experiment's name; unique within the eval
	Git      store.Git // the repository state the run is at
	Limit    int       // at most this many cases when > 0
	Abort    context.Context
	Progress Sink // also receives every result, e.g. a progress display
	// OnStart, when set, is called with the experiment once it is created
	// (or resumed), before the first case starts.
	OnStart func(*store.Experiment)
	Warn    func(msg string)    // dataset warnings
	Display func(string) string // how file paths appear in messages
	// Resume continues this experiment instead of creating one: the case trials
	// it already holds are not run again.
	Resume *store.Experiment
	// Done lists the case trials (store.Key) already stored, to skip.
	Done map[string]struct{}
	// Datasets serves data.dataset; the eval's Data.Version must be the
	// concrete version, which the experiment records.
	Datasets datasets.DatasetSource
	// Base is the experiment to compare with, if any.
	Base *Base
	// MaxCost stops starting cases once the model calls cost more (USD); 0 is no limit.
	MaxCost float64
	// Replay, when set, is the experiment whose stored outputs are scored
	// instead of calling the task (--rescore, task.replay): its rows are
	// the cases and trials, and the eval's data is not read.
	Replay *store.Experiment
	// OutputsFrom is the experiment task.replay reads, recorded on the new
	// experiment; RunExperiment sets it.
	OutputsFrom *store.Experiment
	// Reads is where stored experiments are read from (data.experiment,
	// task.replay, --rescore); Store when nil. A run that stores nothing
	// (--no-store) writes to a scratch store and reads from the project's.
	Reads store.Store
	// CommitMessage is the subject of the git commit the run is at.
	CommitMessage string
	// Shard, when set, runs only this shard's cases into the experiment of
	// its run, shared with the other shards.
	Shard *Shard
}

// Base is what a run is compared with: a stored experiment or a committed
// baseline file, and its rows in (case_id, trial) order.
type Base struct {
	Name string
	ID   string // the stored experiment's id; empty for a baseline file
	// Reason says why base: auto chose it; empty for a base named.
	Reason string
	Rows   report.RowSource
}

// Outcome is what a logged run produced.
type Outcome struct {
	Experiment *store.Experiment
	Summary    *report.Summary
	Passed     bool // every threshold and gate passed
	// Pending says why Summary is this shard's alone: the other shards of
	// the run have not all finished. Empty otherwise.
	Pending string
}

// RunExperiment runs the pipeline over its eval's data as a new experiment,
// persisting every row as it finishes, then checks thresholds and gates and
// stores the summary. Cancelling ctx stops new cases; the rows finished so far
// are kept and the experiment is marked interrupted.
func (p *Pipeline) RunExperiment(ctx context.Context, o ExperimentOptions) (*Outcome, error) {
	start := time.Now()
	data := p.Eval.Data
	if o.Limit > 0 && (data.Limit == 0 || o.Limit < data.Limit) {
		data.Limit = o.Limit
	}
	if p.Eval.Task.Kind == spec.KindReplay && o.Replay == nil {
		from, replays, err := p.loadReplay(ctx, o.reads())
		if err != nil {
			return nil, err
		}
		p.replays, p.replayFrom, o.OutputsFrom = replays, from.Name, from
	}
	src, err := p.openCases(ctx, data, o)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var att store.AttachmentStore = o.Store
	p.attachments.Store(&att)
	var cases CaseSource = src
	if _, stored := src.(*replaySource); !stored {
		// A rescore's cases come from stored rows, whose attachments are
		// references already.
		cases = p.withAttachments(ctx, src, o.Store)
	}
	exp, err := p.startExperiment(ctx, &o)
	if err != nil {
		return nil, err
	}
	if o.OnStart != nil {
		o.OnStart(exp)
	}
	writer := o.Store.NewWriter(exp.ID, store.WriterOptions{})
	agg := report.NewAggregator(p.ScorerNames())
	sinks := Sinks{&StoreSink{W: writer}, SummarySink{A: agg}}
	if o.Progress != nil {
		sinks = append(sinks, o.Progress)
	}
	ro := RunOptions{Abort: o.Abort, MaxCost: o.MaxCost}
	held := 0
	switch {
	case o.Shard != nil:
		ro.Skip = shardSkip(o.Shard, o.Done, &held)
	case len(o.Done) > 0:
		ro.Skip = func(id string, trial int) bool { _, done := o.Done[store.Key(id, trial)]; return done }
	}
	issue, stopIssuing := p.withMaxDuration(ctx)
	stats, runErr := p.Run(issue, cases, sinks, ro)
	timedOut := stopIssuing()
	if closeErr := writer.Close(); closeErr != nil && !errors.Is(runErr, closeErr) {
		runErr = errors.Join(runErr, closeErr)
	}
	if o.Shard != nil {
		return p.finishShard(ctx, o, exp, agg.Summary(stats.Cases), stats, held, runErr)
	}
	status := store.StatusCompleted
	switch {
	case runErr != nil:
		status = store.StatusFailed
		runErr = fmt.Errorf("%w: the rows stored are kept; fix the cause and finish the run with caliper run --resume=%s", runErr, exp.Name)
	case stats.OverBudget:
		status = store.StatusStopped
	case stats.Interrupted:
		status = store.StatusInterrupted
	}
	// A failed run may have lost rows the sinks took: count what the store holds.
	sum, err := p.summarize(context.WithoutCancel(ctx), o, exp, agg.Summary(stats.Cases), status == store.StatusFailed)
	if err != nil {
		runErr = errors.Join(runErr, err)
		if status == store.StatusFailed {
			sum.Stopped = "the store failed and could not be read back: these counts are of the results produced, and some of them may not be stored"
		}
	}
	sum.Eval, sum.Experiment, sum.Duration, sum.Status = p.Eval.Name, exp.Name, time.Since(start).Seconds(), status
	sum.SkippedRows = src.Skipped()
	if stats.OverBudget {
		sum.Stopped = fmt.Sprintf("max cost: the model calls cost $%.4f, past the $%.4f allowed", p.Spent(), o.MaxCost)
	}
	if timedOut && stats.Interrupted && ctx.Err() == nil {
		sum.Stopped = fmt.Sprintf("max_duration: the run reached its limit of %s", p.Eval.MaxDuration)
	}
	passed := report.Evaluate(sum, p.Eval.Thresholds, p.Gates)
	// The final update must survive the Ctrl-C that cancelled ctx.
	if err := o.Store.UpdateExperiment(context.WithoutCancel(ctx), exp.ID, sum.Status, mustJSON(sum)); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("saving the summary: %w", err))
	}
	exp.Status = sum.Status
	return &Outcome{Experiment: exp, Summary: sum, Passed: passed}, runErr
}

// reads is the store stored experiments are read from.
func (o *ExperimentOptions) reads() store.Store {
	if o.Reads != nil {
		return o.Reads
	}
	return o.Store
}

// withMaxDuration is ctx for issuing cases, cancelled once the eval's
// max_duration passes. stop releases it and reports whether the limit was
// reached.
func (p *Pipeline) withMaxDuration(ctx context.Context) (context.Context, func() bool) {
	if p.Eval.MaxDuration <= 0 {
		return ctx, func() bool { return false }
	}
	issue, cancel := context.WithTimeout(ctx, p.Eval.MaxDuration)
	return issue, func() bool {
		reached := errors.Is(issue.Err(), context.DeadlineExceeded)
		cancel()
		return reached
	}
}

// caseSource is where a run's cases come from: the eval's data, or the rows of
// an experiment being rescored.
type caseSource interface {
	CaseSource
	Skipped() int
	Close() error
}

// openCases opens the eval's data, or the rows of o.Replay.
func (p *Pipeline) openCases(ctx context.Context, data spec.Data, o ExperimentOptions) (caseSource, error) {
	if o.Replay != nil {
		return openReplay(ctx, o.reads(), o.Replay), nil
	}
	src, err := datasets.Open(ctx, data, datasets.Options{Parameters: p.Parameters, ExprOptions: p.ExprOptions, Warn: o.Warn, Display: o.Display,
		Datasets: o.Datasets, Experiments: StoreExperiments{DB: o.reads(), Eval: p.Eval.Name}})
	if err != nil {
		return nil, fmt.Errorf("opening the data of %s: %w", p.Eval.Name, err)
	}
	return src, nil
}

// summarize returns the run's summary: the in-flight one when it says it all,
// else one read back from the store, with the trials reduced per case (trials
// > 1), every row of a resumed experiment, the comparison with a base, and
// only the rows stored when fromStore is set.
func (p *Pipeline) summarize(ctx context.Context, o ExperimentOptions, exp *store.Experiment, inFlight *report.Summary, fromStore bool) (*report.Summary, error) {
	if !fromStore && o.Base == nil && o.Resume == nil && o.Replay == nil && p.Trials == 1 && p.Eval.Pass == nil {
		return inFlight, nil
	}
	red, err := report.ReductionOf(p.Eval, p.ExprOptions...)
	if err != nil {
		return inFlight, fmt.Errorf("compiling pass: %w", err)
	}
	opts := report.SummaryOptions{Eval: p.Eval.Name, Experiment: exp.Name, Scorers: p.ScorerNames(), Reduction: red}
	rows := report.StoreRows(ctx, o.Store, exp.ID)
	var sum *report.Summary
	if o.Base != nil {
		sum, err = report.Compare(rows, o.Base.Rows, report.CompareOptions{SummaryOptions: opts, Base: o.Base.Name, BaseReason: o.Base.Reason})
	} else {
		sum, err = report.Summarize(rows, opts)
	}
	if err != nil {
		return inFlight, fmt.Errorf("summarizing %s: %w", exp.Name, err)
	}
	return sum, nil
}

// startExperiment creates the experiment, or marks the one being resumed as running.
func (p *Pipeline) startExperiment(ctx context.Context, o *ExperimentOptions) (*store.Experiment, error) {
	if o.Resume != nil && o.Shard == nil {
		if o.Resume.Eval != p.Eval.Name {
			return nil, fmt.Errorf("experiment %s belongs to eval %s, not %s: resume it from its own eval", o.Resume.Name, o.Resume.Eval, p.Eval.Name)
		}
		if err := o.Store.UpdateExperiment(ctx, o.Resume.ID, store.StatusRunning, nil); err != nil {
			return nil, fmt.Errorf("resuming %s: %w", o.Resume.Name, err)
		}
		return o.Resume, nil
	}
	exp := &store.Experiment{Name: o.Name, Eval: p.Eval.Name, Status: store.StatusRunning, Git: o.Git,
		Parameters: mustJSON(p.Parameters), SpecHash: SpecHash(p.Eval), Metadata: mustJSON(p.Eval.Metadata),
		Dataset: p.Eval.Data.Dataset, Reduction: report.StoredReductionOf(p.Eval),
		Description: p.Eval.Description, Tags: p.Eval.Tags, CommitMessage: o.CommitMessage}
	if o.Replay != nil {
		exp.Dataset = o.Replay.Dataset
		o.OutputsFrom = o.Replay
	}
	if f := o.OutputsFrom; f != nil {
		exp.OutputsFrom = &store.Origin{ID: f.ID, Name: f.Name, Eval: f.Eval}
	}
	if o.Base != nil {
		exp.Base = o.Base.ID
	}
	if exp.Dataset != "" {
		exp.DatasetVersion = p.Eval.Data.Version
		if o.Replay != nil {
			exp.DatasetVersion = o.Replay.DatasetVersion
		}
	}
	if o.Shard != nil {
		return p.joinShardRun(ctx, o, exp)
	}
	if err := createUnique(ctx, o.Store, exp); err != nil {
		return nil, err
	}
	return exp, nil
}

// createUnique creates the experiment, adding -2, -3, ... to a name already taken.
func createUnique(ctx context.Context, st store.Store, exp *store.Experiment) error {
	base := exp.Name
	for i := 2; ; i++ {
		err := st.CreateExperiment(ctx, exp)
		if !errors.Is(err, store.ErrNameTaken) || i > 1000 {
			if err != nil {
				return fmt.Errorf("creating the experiment: %w", err)
			}
			return nil
		}
		exp.Name = fmt.Sprintf("%s-%d", base, i)
	}
}

// ParametersJSON is the run's parameters as its experiment stores them.
func (p *Pipeline) ParametersJSON() json.RawMessage { return mustJSON(p.Parameters) }

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

func fileHash(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
