package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/gitinfo"
	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/internal/mask"
	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/project"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
	"github.com/spf13/cobra"
)

type runFlags struct {
	params      []string
	filter      string
	tags        []string
	limit       int
	trials      int
	concurrency int
	base        string
	resume      string
	retryErrors string
	reports     *reportFlags
	dryRun      bool
	maxCost     float64
	noCache     bool
	rescore     string
	noStore     bool
	progress    string         // "" (a line on stderr) or json
	scratch     *scratchStores // the stores of --no-store runs
	shard       string
	runID       string
	wait        bool
	cpuProfile  string
	memProfile  string
}

func newRunCommand(st *State, storeFlag *string) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [PATH...]",
		Short: "Run evals, log every case as an experiment and check thresholds and gates",
		Long: `Run every *.eval.yaml under the given paths (default: the current directory).
Each eval becomes an experiment in the store of its own project (the
caliper.yaml above it); every case and trial is stored as it finishes. Exits 1
when a threshold or gate fails, 2 when a file, flag or parameter is invalid, 3
when a run could not be carried out. Ctrl-C (or SIGTERM) stops starting new
cases, lets the ones in flight finish, keeps every finished row and marks the
experiment interrupted; a second one cancels the calls in flight; a third one
exits at once.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEvals(cmd.Context(), st, storeOverride(st, *storeFlag), f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.params, "param", nil, "set a parameter: --param NAME=VALUE (repeatable)")
	fl.StringVar(&f.filter, "filter", "", "run only the evals whose name matches this regular expression")
	fl.StringArrayVar(&f.tags, "tag", nil, "run only the evals with this tag (repeatable: any of them)")
	fl.IntVar(&f.limit, "limit", 0, "use at most N cases of each eval")
	fl.IntVar(&f.trials, "trials", 0, "run each case N times (overrides trials)")
	fl.IntVarP(&f.concurrency, "concurrency", "j", 0, "at most N cases in flight (overrides max_concurrency)")
	fl.StringVar(&f.base, "base", "", "compare with this experiment (name or id), auto, or file:PATH (overrides base)")
	fl.StringVar(&f.resume, "resume", "", "continue an interrupted experiment with the same parameters and eval file: --resume (the latest unfinished one of each eval) or --resume=EXPERIMENT")
	fl.Lookup("resume").NoOptDefVal = pipeline.ResumeLatest
	fl.StringVar(&f.retryErrors, "retry-errors", "", "new experiment with the rows of EXPERIMENT that succeeded, re-running only its errored cases")
	fl.BoolVar(&f.dryRun, "dry-run", false, "count the cases and model calls and estimate tokens and cost, calling nothing")
	fl.Float64Var(&f.maxCost, "max-cost", 0, "stop starting cases once the model calls have cost this much (USD)")
	fl.StringVar(&f.rescore, "rescore", "", "score the stored outputs of EXPERIMENT (NAME, ID or EVAL/NAME) with the eval's current scorers into a new experiment, calling no task")
	fl.StringVar(&f.progress, "progress", "", "json: write the run's events to stderr as JSON Lines (start, row, error, summary) instead of the progress line")
	fl.BoolVar(&f.noStore, "no-store", false, "run and report without writing an experiment to the store (a base is still read from it)")
	fl.BoolVar(&f.noCache, "no-cache", false, "call the models even for requests answered before")
	fl.StringVar(&f.shard, "shard", "", "run only shard K of N of the cases (K/N), into the experiment the N shards of one run share")
	fl.StringVar(&f.runID, "run-id", "", "the id the shards of one run share (default: $CALIPER_RUN_ID, else the CI's run id)")
	fl.BoolVar(&f.wait, "wait", false, "with --shard: wait for the other shards and report the whole experiment")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the run to FILE (read it with go tool pprof FILE)")
	fl.StringVar(&f.memProfile, "memprofile", "", "write a Go memory profile (allocations, and the heap in use at the end) of the run to FILE")
	f.reports = addReportFlags(fl)
	return cmd
}

func runEvals(ctx context.Context, st *State, storeOverride string, f runFlags, paths []string) (err error) {
	params, err := parseParams(f.params)
	if err != nil {
		return err
	}
	if n := countSet(f.resume, f.retryErrors, f.rescore); n > 1 {
		return exitcode.Invalidf("--resume, --retry-errors and --rescore cannot be used together: pick one")
	}
	if f.wait && f.shard == "" {
		return exitcode.Invalidf("--wait waits for the other shards of a run: use it with --shard K/N")
	}
	if f.noStore && (f.resume != "" || f.retryErrors != "") {
		return exitcode.Invalidf("--no-store cannot be used with --resume or --retry-errors, which add to stored experiments: drop one")
	}
	if f.progress != "" && f.progress != "json" {
		return exitcode.Invalidf("--progress %q: the one format is json", f.progress)
	}
	tuneGC(os.Getenv) // the process's own GOGC, which the runtime read
	prof, err := startProfiles(st, f.cpuProfile, f.memProfile)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, prof.stop()) }()
	f.scratch = &scratchStores{}
	defer func() { err = errors.Join(err, f.scratch.close()) }()
	targets, err := f.reports.targets(st)
	if err != nil {
		return err
	}
	v := spec.NewValidator(st.FS, st.Dir, pipeline.DefaultCatalog())
	evals, err := loadEvals(st, v, paths, f)
	if err != nil {
		return err
	}
	secrets := pipeline.RunSecrets(evals, st.Env)
	defer func() { err = mask.New(secrets, nil).Error(err) }() // no secret reaches the terminal
	f.reports.mask = mask.New(secrets, nil)                    // nor a user reporter
	ses := &project.Session{Override: storeOverride, Dir: st.Dir, Env: st.Env, NoCache: f.noCache, Secrets: secrets}
	defer ses.Close()
	if f.dryRun {
		return dryRun(ctx, st, v, ses, evals, params, f)
	}
	failed := 0
	var runs []report.Run
	defer func() { err = errors.Join(err, appendStepSummary(st, runs)) }()
	for _, ev := range evals {
		proj := project.Of(v, ev)
		outcome, where, rowsDB, err := runOne(ctx, st, proj, ses, ev, params, f)
		if outcome != nil && outcome.Pending != "" && err == nil {
			fmt.Fprintf(st.Stdout, "%s: %s\n  stored in %s in experiment %s (id %s)\n\n", ev.Name, outcome.Pending, where, outcome.Experiment.Name, outcome.Experiment.ID)
			continue
		}
		if outcome != nil {
			report.WriteText(st.Stdout, outcome.Summary)
			if f.noStore {
				fmt.Fprintf(st.Stdout, "  not stored (--no-store): experiment %s was not written to %s\n\n", outcome.Experiment.Name, where)
			} else {
				fmt.Fprintf(st.Stdout, "  stored in %s as experiment %s (id %s)\n\n", where, outcome.Experiment.Name, outcome.Experiment.ID)
			}
			run, rerr := reportRun(ctx, rowsDB, ev, outcome)
			if rerr != nil {
				return errors.Join(err, rerr)
			}
			runs = append(runs, run)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", ev.Name, err)
		}
		if err := writeReports(st, targets, runs); err != nil {
			return err
		}
		if err := stoppedEarly(ev, outcome); err != nil {
			return err
		}
		if !outcome.Passed {
			failed++
		}
	}
	if failed > 0 {
		return exitcode.With(ExitFailed, fmt.Errorf("%d of %d %s failed a threshold or gate", failed, len(evals), plural(len(evals), "eval", "evals")))
	}
	return nil
}

// loadEvals validates the evals under paths and keeps those --filter and
// --tag select.
func loadEvals(st *State, v *spec.Validator, paths []string, f runFlags) ([]*spec.Eval, error) {
	res := v.Validate(paths)
	if n := len(res.Diagnostics); n > 0 {
		for _, d := range res.Diagnostics {
			fmt.Fprintln(st.Stderr, d.String())
		}
		return nil, exitcode.Invalidf("%d %s: fix them and run again (caliper validate checks without running)", n, plural(n, "problem", "problems"))
	}
	return selectEvals(res.Evals, f)
}

// stoppedEarly is the error of a run that ended before its last case.
func stoppedEarly(ev *spec.Eval, o *pipeline.Outcome) error {
	switch {
	case strings.HasPrefix(o.Summary.Stopped, "max_duration"):
		return fmt.Errorf("%s stopped early (%s): its %d finished rows are stored and the experiment is marked %s: run again with --resume=%s to finish", ev.Name, o.Summary.Stopped, o.Summary.Rows, o.Summary.Status, o.Experiment.Name)
	case o.Summary.Stopped != "":
		return fmt.Errorf("%s stopped early (%s): its %d finished rows are stored; raise --max-cost and run with --resume=%s to finish", ev.Name, o.Summary.Stopped, o.Summary.Rows, o.Experiment.Name)
	case o.Summary.Status == store.StatusInterrupted:
		return fmt.Errorf("interrupted: the %d finished rows of %s are stored: run again with --resume=%s to finish", o.Summary.Rows, o.Experiment.Name, o.Experiment.Name)
	}
	return nil
}

// runOne runs one eval as an experiment in its project's store and says
// where that store is.
// runOne runs one eval as an experiment in its project's store (a scratch
// store under --no-store), says where that store is and returns the store
// that holds the run's rows.
func runOne(ctx context.Context, st *State, proj *project.Project, ses *project.Session, ev *spec.Eval, params map[string]string, f runFlags) (*pipeline.Outcome, string, store.Store, error) {
	git := startGitRead(ctx, st, ev)
	db, dsn, err := ses.Store(ctx, proj)
	if err != nil {
		return nil, "", nil, err
	}
	client, err := ses.Client(ctx, proj)
	if err != nil {
		return nil, "", nil, err
	}
	p, err := compileEval(st, ev, client, params, f)
	if err != nil {
		return nil, "", nil, err
	}
	defer p.Close()
	o, err := experimentOptions(ctx, st, db, p, f, git)
	if err != nil {
		return nil, "", nil, err
	}
	if f.noStore {
		if o.Store, err = f.scratch.open(ctx); err != nil {
			return nil, "", nil, err
		}
		o.Reads = db
	}
	if f.progress == "json" {
		jp := newJSONProgress(st.Stderr, ev.Name)
		cases := countCases(ctx, st, p, o, f)
		o.OnStart = func(e *store.Experiment) { jp.start(e, p, cases) }
		o.Progress = jp
		outcome, err := p.RunExperiment(ctx, o)
		if outcome != nil {
			jp.summary(outcome)
		}
		return outcome, displayStore(st, db, dsn), o.Store, err
	}
	prog := newProgress(st, ev.Name, p.Trials)
	defer prog.stop()
	o.Progress = prog
	if o.Shard == nil && o.Replay == nil {
		// The total is counted beside the run, which need not wait for it.
		count, stopCounting := context.WithCancel(ctx)
		var counting sync.WaitGroup
		counting.Add(1)
		go func() {
			defer counting.Done()
			if n := readCases(count, st, p, o, f); n >= 0 {
				prog.setTotal(n*p.Trials - len(o.Done))
			}
		}()
		defer counting.Wait()
		defer stopCounting()
	}
	outcome, err := p.RunExperiment(ctx, o)
	return outcome, displayStore(st, db, dsn), o.Store, err
}

// readCases counts the cases of the eval's data, without the estimates of
// countCases: from the file's lines where datasets.CountCases can, else by
// reading the cases; -1 when they cannot be read or ctx ends first.
func readCases(ctx context.Context, st *State, p *pipeline.Pipeline, o pipeline.ExperimentOptions, f runFlags) int {
	data, opts := countedData(st, p, o, f)
	if n, ok := datasets.CountCases(ctx, data); ok {
		return n
	}
	opts.Parameters, opts.ExprOptions = p.Parameters, p.ExprOptions
	src, err := datasets.Open(ctx, data, opts)
	if err != nil {
		return -1
	}
	defer src.Close()
	n := 0
	for ctx.Err() == nil {
		if _, err := src.Next(); err != nil {
			if errors.Is(err, io.EOF) {
				return n
			}
			return -1
		}
		n++
	}
	return -1
}

// countCases counts the cases a run will read, for the start event of
// --progress json, before the run: from the file's lines where
// datasets.CountCases can, else by reading the data once; -1 when they are
// not counted (a rescore, or data that cannot be read ahead).
func countCases(ctx context.Context, st *State, p *pipeline.Pipeline, o pipeline.ExperimentOptions, f runFlags) int {
	if o.Replay != nil {
		return -1
	}
	data, opts := countedData(st, p, o, f)
	if n, ok := datasets.CountCases(ctx, data); ok {
		return n
	}
	d, err := p.DryRun(ctx, data, opts)
	if err != nil {
		return -1
	}
	return d.Cases
}

// countedData is the data section a run reads, with --limit, and the options
// that open it.
func countedData(st *State, p *pipeline.Pipeline, o pipeline.ExperimentOptions, f runFlags) (spec.Data, datasets.Options) {
	data := p.Eval.Data
	if f.limit > 0 && (data.Limit == 0 || f.limit < data.Limit) {
		data.Limit = f.limit
	}
	reads := o.Store
	if o.Reads != nil {
		reads = o.Reads
	}
	return data, datasets.Options{Display: st.Display, Datasets: o.Datasets,
		Experiments: pipeline.StoreExperiments{DB: reads, Eval: p.Eval.Name}}
}

// displayStore names a store for messages: a file path relative to the
// working directory, any other DSN as the store says it (without password).
func displayStore(st *State, db store.Store, dsn string) string {
	if store.IsPath(dsn) {
		return st.Display(dsn)
	}
	return db.String()
}

// startGitRead starts reading the repository state ev's experiment records,
// so that the git commands run while the store opens and the eval compiles;
// the function it returns waits for the result.
func startGitRead(ctx context.Context, st *State, ev *spec.Eval) func() (gitinfo.Info, string) {
	var gs gitinfo.Settings
	if ev.Project != nil {
		gs = gitinfo.Settings{Collect: ev.Project.Git.Collect, Fields: ev.Project.Git.Fields}
	}
	type read struct {
		info    gitinfo.Info
		message string
	}
	done := make(chan read, 1)
	go func() {
		info, message := gitinfo.ReadWith(ctx, filepath.Dir(ev.File), st.Env, gs)
		done <- read{info, message}
	}()
	return sync.OnceValues(func() (gitinfo.Info, string) {
		r := <-done
		return r.info, r.message
	})
}

// experimentOptions says where and how the run of p is logged: its name,
// base, the experiment it resumes and the store dataset it reads.
func experimentOptions(ctx context.Context, st *State, db store.Store, p *pipeline.Pipeline, f runFlags, gitRead func() (gitinfo.Info, string)) (pipeline.ExperimentOptions, error) {
	ev := p.Eval
	git, message := gitRead()
	o := pipeline.ExperimentOptions{
		Store: db, Git: store.Git(git), Limit: f.limit, Abort: abortOf(ctx), MaxCost: f.maxCost,
		Warn: func(msg string) { st.warn(p.Mask().String(msg)) }, Display: st.Display, CommitMessage: message,
	}
	var err error
	if o.Name, err = p.ExperimentName(git, time.Now()); err != nil {
		return o, err
	}
	ref := f.base
	if path, ok := strings.CutPrefix(ref, "file:"); ok {
		ref = "file:" + st.Path(path)
	}
	if o.Base, err = pipeline.ResolveBase(ctx, db, ev, pipeline.BaseOptions{Ref: ref, Env: st.Env, Warn: st.warn, Parameters: p.ParametersJSON()}); err != nil {
		return o, err
	}
	if f.shard != "" {
		return o, shardOptions(st, f, &o)
	}
	var note string
	switch {
	case f.resume != "":
		note, err = p.PrepareResume(ctx, db, f.resume, &o)
	case f.retryErrors != "":
		note, err = p.PrepareRetry(ctx, db, f.retryErrors, &o)
	case f.rescore != "":
		note, err = p.PrepareRescore(ctx, db, f.rescore, &o)
	}
	if err != nil {
		return o, err
	}
	if note != "" {
		fmt.Fprintln(st.Stderr, note)
	}
	o.Datasets, err = pipeline.StoreDatasetFor(ctx, db, ev)
	return o, err
}

// reportRun is a finished run as the reporters read it, from its store.
func reportRun(ctx context.Context, db store.Store, ev *spec.Eval, o *pipeline.Outcome) (report.Run, error) {
	red, err := report.ReductionOf(ev, scorers.ExprFunctions()...)
	if err != nil {
		return report.Run{}, err
	}
	feedback, err := db.Feedback(context.WithoutCancel(ctx), o.Experiment.ID, "")
	if err != nil {
		return report.Run{}, fmt.Errorf("reading the feedback of %s: %w", o.Experiment.Name, err)
	}
	return report.Run{Eval: ev.Name, Experiment: o.Experiment.Name, Summary: o.Summary,
		Rows: report.StoreRows(context.WithoutCancel(ctx), db, o.Experiment.ID), Reduction: red, Feedback: feedback}, nil
}

// countSet counts the non-empty flags.
func countSet(flags ...string) int {
	n := 0
	for _, f := range flags {
		if f != "" {
			n++
		}
	}
	return n
}

// parseParams reads repeated --param NAME=VALUE flags.
func parseParams(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range flags {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, exitcode.Invalidf("--param %q: write NAME=VALUE", kv)
		}
		out[name] = value
	}
	return out, nil
}

func selectEvals(all []*spec.Eval, f runFlags) ([]*spec.Eval, error) {
	var re *regexp.Regexp
	if f.filter != "" {
		var err error
		if re, err = regexp.Compile(f.filter); err != nil {
			return nil, exitcode.Invalidf("--filter: %w", err)
		}
	}
	var out []*spec.Eval
	for _, ev := range all {
		if re != nil && !re.MatchString(ev.Name) {
			continue
		}
		if len(f.tags) > 0 && !slices.ContainsFunc(f.tags, func(t string) bool { return slices.Contains(ev.Tags, t) }) {
			continue
		}
		out = append(out, ev)
	}
	if len(out) == 0 {
		return nil, exitcode.Invalidf("no eval matches --filter/--tag: run caliper validate to list them")
	}
	return out, nil
}
