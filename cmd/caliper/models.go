package main

import (
	"context"
	"fmt"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
	"github.com/spf13/cobra"
)

// newLLMClient builds the model client shared by every eval of a run, with the
// store's response cache unless --no-cache or caliper.yaml turns it off.
func newLLMClient(st *State, db store.Store, proj *spec.Project, noCache bool) (*llm.Client, error) {
	var cache llm.Cache
	if db != nil && !noCache && (proj == nil || proj.Cache) {
		cache = db.Cache()
		if proj != nil {
			cache = pipeline.WithTTL(cache, proj.CacheTTL, nil)
		}
	}
	client, err := pipeline.NewLLMClient(proj, st.Env, cache)
	if err != nil {
		return nil, fmt.Errorf("model providers: %w: check providers in caliper.yaml", err)
	}
	return client, nil
}

// compileEval compiles an eval for this run and checks, before anything runs,
// that every model it calls has a provider and a key.
func compileEval(st *State, ev *spec.Eval, client *llm.Client, params map[string]string, f runFlags) (*pipeline.Pipeline, error) {
	opts := pipeline.Options{Params: params, Trials: f.trials, Concurrency: f.concurrency, Stderr: st.Stderr, Env: st.Environ(), LLM: client}
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
func dryRun(ctx context.Context, st *State, evals []*spec.Eval, client *llm.Client, params map[string]string, f runFlags) error {
	var total pipeline.DryRun
	for _, ev := range evals {
		p, err := compileEval(st, ev, client, params, f)
		if err != nil {
			return exitCode(ExitRun, fmt.Errorf("%s: %w", ev.Name, err))
		}
		data := ev.Data
		if f.limit > 0 && (data.Limit == 0 || f.limit < data.Limit) {
			data.Limit = f.limit
		}
		d, err := p.DryRun(ctx, data, datasets.Options{Display: func(p string) string { return displayDir(st, p) }})
		p.Close()
		if err != nil {
			return exitCode(ExitRun, fmt.Errorf("%s: %w", ev.Name, err))
		}
		fmt.Fprintf(st.Stdout, "%s: %d cases × %d trials = %d rows, %d model calls, ~%d prompt tokens, ≤%d completion tokens, ~$%.4f\n",
			ev.Name, d.Cases, p.Trials, d.Rows, d.Calls, d.PromptTokens, d.CompletionTokens, d.Cost)
		if len(d.Unpriced) > 0 {
			fmt.Fprintf(st.Stdout, "  no price known for %v: add them under prices in caliper.yaml\n", d.Unpriced)
		}
		total.Calls += d.Calls
		total.Cost += d.Cost
	}
	fmt.Fprintf(st.Stdout, "dry run: %d model calls, ~$%.4f estimated; nothing was called (cached answers would cost nothing)\n", total.Calls, total.Cost)
	return nil
}

func newCacheCommand(st *State, storeFlag *string) *cobra.Command {
	cmd := &cobra.Command{Use: "cache", Short: "The response cache of model calls"}
	cmd.AddCommand(&cobra.Command{
		Use:   "clear",
		Short: "Forget every cached model answer",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := openStoreForReading(cmd.Context(), st, *storeFlag)
			if err != nil {
				return err
			}
			defer db.Close()
			n, err := db.Cache().Clear(cmd.Context())
			if err != nil {
				return exitCode(ExitRun, err)
			}
			fmt.Fprintf(st.Stdout, "cleared %d cached answers\n", n)
			return nil
		},
	})
	return cmd
}
