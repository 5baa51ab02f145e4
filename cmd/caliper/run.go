package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/gitinfo"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
	"github.com/cbroglie/mustache"
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
	reports     reportFlags
	dryRun      bool
	maxCost     float64
	noCache     bool
}

func newRunCommand(st *State, storeFlag *string) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [PATH...]",
		Short: "Run evals, log every case as an experiment and check thresholds and gates",
		Long: `Run every *.eval.yaml under the given paths (default: the current directory).
Each eval becomes an experiment in the store; every case and trial is stored as
it finishes. Exits 1 when a threshold or gate fails, 2 when a file is invalid,
3 when a run could not be carried out. Ctrl-C stops starting new cases, lets the
ones in flight finish, keeps every finished row and marks the experiment
interrupted; a second Ctrl-C cancels the calls in flight.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEvals(cmd.Context(), st, *storeFlag, f, args)
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
	fl.StringVar(&f.resume, "resume", "", "continue an interrupted experiment: --resume (the latest unfinished one of each eval) or --resume=EXPERIMENT")
	fl.Lookup("resume").NoOptDefVal = resumeLatest
	fl.StringVar(&f.retryErrors, "retry-errors", "", "new experiment with the rows of EXPERIMENT that succeeded, re-running only its errored cases")
	fl.BoolVar(&f.dryRun, "dry-run", false, "count the cases and model calls and estimate tokens and cost, calling nothing")
	fl.Float64Var(&f.maxCost, "max-cost", 0, "stop starting cases once the model calls have cost this much (USD)")
	fl.BoolVar(&f.noCache, "no-cache", false, "call the models even for requests answered before")
	fl.StringVar(&f.reports.json, "json", "", "write the summaries and comparisons as JSON to FILE")
	fl.StringVar(&f.reports.jsonl, "jsonl", "", "write every row as JSON Lines to FILE")
	fl.StringVar(&f.reports.junit, "junit", "", "write a JUnit XML report to FILE (a testcase per case)")
	fl.StringVar(&f.reports.markdown, "markdown", "", "write a Markdown report (for a pull-request comment) to FILE")
	return cmd
}

func runEvals(ctx context.Context, st *State, storeFlag string, f runFlags, paths []string) error {
	params, err := parseParams(f.params)
	if err != nil {
		return exitCode(ExitInvalid, err)
	}
	res := spec.NewValidator(st.FS, st.Dir, pipeline.DefaultCatalog()).Validate(paths)
	if len(res.Diagnostics) > 0 {
		for _, d := range res.Diagnostics {
			fmt.Fprintln(st.Stderr, d.String())
		}
		return exitCode(ExitInvalid, fmt.Errorf("%d %s: fix them and run again (caliper validate checks without running)", len(res.Diagnostics), plural(len(res.Diagnostics), "problem", "problems")))
	}
	evals, err := selectEvals(res.Evals, f)
	if err != nil {
		return exitCode(ExitInvalid, err)
	}
	db, where, err := openStore(ctx, st, storeFlag, evals[0])
	if err != nil {
		return exitCode(ExitRun, err)
	}
	defer db.Close()
	client, err := newLLMClient(st, db, evals[0].Project, f.noCache)
	if err != nil {
		return exitCode(ExitInvalid, err)
	}
	if f.dryRun {
		return dryRun(ctx, st, evals, client, params, f)
	}
	failed := 0
	var runs []finished
	for _, ev := range evals {
		outcome, err := runOne(ctx, st, db, client, ev, params, f)
		if outcome != nil {
			report.WriteText(st.Stdout, outcome.Summary)
			fmt.Fprintf(st.Stdout, "  stored in %s as experiment %s (id %s)\n\n", where, outcome.Experiment.Name, outcome.Experiment.ID)
			runs = append(runs, finished{eval: ev, exp: outcome.Experiment, sum: outcome.Summary})
		}
		if err != nil {
			return exitCode(ExitRun, fmt.Errorf("%s: %w", ev.Name, err))
		}
		if err := writeReports(context.WithoutCancel(ctx), st, db, f.reports, runs); err != nil {
			return exitCode(ExitRun, err)
		}
		if outcome.Summary.Stopped != "" {
			return exitCode(ExitRun, fmt.Errorf("%s stopped early (%s): its %d finished rows are stored; raise --max-cost and run with --resume=%s to finish", ev.Name, outcome.Summary.Stopped, outcome.Summary.Rows, outcome.Experiment.Name))
		}
		if outcome.Summary.Status == store.StatusInterrupted {
			return exitCode(ExitRun, fmt.Errorf("interrupted: the %d finished rows of %s are stored", outcome.Summary.Rows, outcome.Experiment.Name))
		}
		if !outcome.Passed {
			failed++
		}
	}
	if failed > 0 {
		return exitCode(ExitFailed, fmt.Errorf("%d of %d %s failed a threshold or gate", failed, len(evals), plural(len(evals), "eval", "evals")))
	}
	return nil
}

func runOne(ctx context.Context, st *State, db store.Store, client *llm.Client, ev *spec.Eval, params map[string]string, f runFlags) (*pipeline.Outcome, error) {
	p, err := compileEval(st, ev, client, params, f)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	git := gitinfo.Read(ctx, filepath.Dir(ev.File), st.Env)
	name, err := experimentName(ev, git, p.Parameters)
	if err != nil {
		return nil, err
	}
	abort, _ := ctx.Value(abortKey{}).(context.Context)
	o := pipeline.ExperimentOptions{
		Store: db, Name: name, Git: store.Git(git), Limit: f.limit, Abort: abort, MaxCost: f.maxCost,
		Warn:    func(msg string) { fmt.Fprintf(st.Stderr, "warning: %s\n", msg) },
		Display: func(p string) string { return displayDir(st, p) },
	}
	if o.Base, err = resolveBase(ctx, st, db, ev, f.base); err != nil {
		return nil, err
	}
	if err := prepareResume(ctx, st, db, ev, f, &o); err != nil {
		return nil, err
	}
	if o.Datasets, err = storeDatasetFor(ctx, db, ev); err != nil {
		return nil, err
	}
	prog := newProgress(st, ev.Name)
	defer prog.stop()
	o.Progress = prog
	return p.RunExperiment(ctx, o)
}

// storeDatasetFor serves the store dataset an eval reads, pinning ev.Data.Version
// to the concrete version it means now; nil when the eval reads files.
func storeDatasetFor(ctx context.Context, db store.Store, ev *spec.Eval) (datasets.DatasetSource, error) {
	if ev.Data.Dataset == "" {
		return nil, nil
	}
	sd := storeDatasets{db: db}
	v, err := sd.Resolve(ctx, ev.Data.Dataset, ev.Data.Version)
	if err != nil {
		return nil, fmt.Errorf("data.dataset: %w: push it with caliper datasets push", err)
	}
	ev.Data.Version = v
	return sd, nil
}

// parseParams reads repeated --param NAME=VALUE flags.
func parseParams(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range flags {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("--param %q: write NAME=VALUE", kv)
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
			return nil, fmt.Errorf("--filter: %w", err)
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
		return nil, errors.New("no eval matches --filter/--tag: run caliper validate to list them")
	}
	return out, nil
}

// openStore opens --store, else the store of caliper.yaml, else
// .caliper/caliper.db at the project root. A DSN with a scheme other than
// sqlite: or file: goes to its backend as it is; only paths are resolved.
func openStore(ctx context.Context, st *State, flag string, ev *spec.Eval) (store.Store, string, error) {
	return openStoreWith(ctx, st, flag, ev, store.OpenOptions{})
}

// openStoreWith is openStore with options.
func openStoreWith(ctx context.Context, st *State, flag string, ev *spec.Eval, opts store.OpenOptions) (store.Store, string, error) {
	var dsn string
	switch {
	case flag != "":
		dsn = resolveDSN(st.Dir, flag)
	case ev != nil && ev.Project != nil && ev.Project.Store != "":
		dsn = resolveDSN(ev.Project.Dir, ev.Project.Store)
	default:
		dsn = filepath.Join(projectRoot(st, ev), filepath.FromSlash(store.DefaultPath))
	}
	db, err := store.OpenWith(ctx, dsn, opts)
	if err != nil {
		return nil, "", err
	}
	if store.IsPath(dsn) {
		return db, displayDir(st, dsn), nil
	}
	return db, db.String(), nil
}

// resolveDSN makes the path of a SQLite DSN absolute against dir.
func resolveDSN(dir, dsn string) string {
	scheme := store.Scheme(dsn)
	switch scheme {
	case "":
		if filepath.IsAbs(dsn) {
			return dsn
		}
		return filepath.Join(dir, dsn)
	case "sqlite", "file":
		p := strings.TrimPrefix(dsn[len(scheme)+1:], "//")
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		return scheme + ":" + p
	}
	return dsn
}

// projectRoot is the directory of caliper.yaml, else of the repository, else the
// working directory.
func projectRoot(st *State, ev *spec.Eval) string {
	if ev != nil && ev.Project != nil {
		return ev.Project.Dir
	}
	if ev != nil {
		for d := filepath.Dir(ev.File); ; d = filepath.Dir(d) {
			if info, err := st.FS.Stat(filepath.Join(d, ".git")); err == nil && info != nil {
				return d
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return st.Dir
}

// experimentName renders the eval's experiment template, or makes a name from
// the branch and the time.
func experimentName(ev *spec.Eval, git gitinfo.Info, params map[string]any) (string, error) {
	now := time.Now().UTC()
	if ev.Experiment == "" {
		prefix := git.Branch
		if prefix == "" {
			prefix = "run"
		}
		return prefix + "-" + now.Format("20060102-150405"), nil
	}
	name, err := mustache.Render(ev.Experiment, map[string]any{
		"git": git.Vars(), "eval": ev.Name, "parameters": params,
		"date": now.Format("2006-01-02"), "time": now.Format("150405"),
	})
	if err != nil {
		return "", fmt.Errorf("rendering the experiment name %q: %w", ev.Experiment, err)
	}
	if strings.TrimSpace(name) == "" {
		return "", fmt.Errorf("the experiment name %q renders empty: use variables that are set (git.branch is empty outside a branch)", ev.Experiment)
	}
	return name, nil
}
