package main

import (
	"context"
	"fmt"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/project"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
	"github.com/spf13/cobra"
)

// compileEval compiles an eval for this run and checks, before anything runs,
// that every model it calls has a provider and a key and that every variable
// of its env: is set. The run's masker is the client's.
func compileEval(st *State, ev *spec.Eval, client *llm.Client, params map[string]string, f runFlags) (*pipeline.Pipeline, error) {
	vars, err := pipeline.EnvVars(ev, st.Env)
	if err != nil && !f.dryRun {
		return nil, err
	}
	opts := pipeline.Options{Params: params, Trials: f.trials, Concurrency: f.concurrency, Stderr: st.Stderr, Env: st.Environ(), LLM: client,
		Mask: client.Mask(), Vars: vars}
	if ev.Project != nil {
		opts.JudgeModel = ev.Project.Defaults.Model
	}
	p, err := pipeline.Compile(ev, opts)
	if err != nil {
		return nil, err
	}
	if !f.dryRun {
		if err := p.CheckModels(client); err != nil {
			p.Close()
			return nil, err
		}
	}
	return p, nil
}

// dryRun prints what each eval would do and cost, calling nothing.
func dryRun(ctx context.Context, st *State, v *spec.Validator, ses *project.Session, evals []*spec.Eval, params map[string]string, f runFlags) error {
	var total pipeline.DryRun
	for _, ev := range evals {
		d, trials, err := dryRunOne(ctx, st, project.Of(v, ev), ses, ev, params, f)
		if err != nil {
			return fmt.Errorf("%s: %w", ev.Name, err)
		}
		fmt.Fprintf(st.Stdout, "%s: %d cases × %d trials = %d rows, %d model calls, ~%d prompt tokens, ≤%d completion tokens, ~$%.4f\n",
			ev.Name, d.Cases, trials, d.Rows, d.Calls, d.PromptTokens, d.CompletionTokens, d.Cost)
		if len(d.Unpriced) > 0 {
			fmt.Fprintf(st.Stdout, "  no price known for %v: add them under prices in caliper.yaml\n", d.Unpriced)
		}
		total.Calls += d.Calls
		total.Cost += d.Cost
	}
	fmt.Fprintf(st.Stdout, "dry run: %d model calls, ~$%.4f estimated; nothing was called (cached answers would cost nothing)\n", total.Calls, total.Cost)
	return nil
}

func dryRunOne(ctx context.Context, st *State, proj *project.Project, ses *project.Session, ev *spec.Eval, params map[string]string, f runFlags) (*pipeline.DryRun, int, error) {
	client, err := ses.Client(ctx, proj)
	if err != nil {
		return nil, 0, err
	}
	p, err := compileEval(st, ev, client, params, f)
	if err != nil {
		return nil, 0, err
	}
	defer p.Close()
	data := ev.Data
	if f.limit > 0 && (data.Limit == 0 || f.limit < data.Limit) {
		data.Limit = f.limit
	}
	opts := datasets.Options{Display: st.Display}
	if data.Dataset != "" || data.Experiment != "" { // counted from the store, which nothing writes to
		db, _, err := ses.Store(ctx, proj)
		if err != nil {
			return nil, 0, err
		}
		opts.Datasets = pipeline.StoreDatasets{DB: db}
		opts.Experiments = pipeline.StoreExperiments{DB: db, Eval: ev.Name}
	}
	d, err := p.DryRun(ctx, data, opts)
	return d, p.Trials, err
}

func newCacheCommand(st *State, storeFlag *string) *cobra.Command {
	cmd := &cobra.Command{Use: "cache", Short: "The response cache of model calls"}
	cmd.AddCommand(&cobra.Command{
		Use:   "clear",
		Short: "Forget every cached model answer",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd, st, *storeFlag, func(db store.Store) error {
				n, err := db.Cache().Clear(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(st.Stdout, "cleared %d cached answers\n", n)
				return nil
			})
		},
	})
	return cmd
}
