package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
)

// DryRun is what a run would do, estimated without calling anything.
type DryRun struct {
	Cases            int
	Rows             int
	Calls            int // model calls: cases × trials × calls per case
	PromptTokens     int
	CompletionTokens int     // the most the calls may generate (max_tokens), or an estimate
	Cost             float64 // USD, for the models with a known price
	Unpriced         []string
}

// DryRun reads the cases and estimates the model calls of the task and the
// judges for every case and trial. A judge's output is not known before the
// run: the case's expected value stands in for it.
func (p *Pipeline) DryRun(ctx context.Context, data spec.Data, opts datasets.Options) (*DryRun, error) {
	opts.Parameters, opts.ExprOptions = p.Parameters, p.ExprOptions
	src, err := datasets.Open(ctx, data, opts)
	if err != nil {
		return nil, fmt.Errorf("opening the data of %s: %w", p.Eval.Name, err)
	}
	defer src.Close()
	d := &DryRun{}
	unpriced := map[string]bool{}
	add := func(ests []llm.Estimate) {
		for _, e := range ests {
			d.Calls++
			d.PromptTokens += e.PromptTokens
			d.CompletionTokens += e.CompletionTokens
			d.Cost += e.Cost
			if !e.Priced {
				unpriced[e.Model] = true
			}
		}
	}
	for {
		c, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading cases: %w", err)
		}
		d.Cases++
		for trial := range p.Trials {
			d.Rows++
			if err := p.estimateCase(&c, trial, add); err != nil {
				return nil, err
			}
		}
	}
	for m := range unpriced {
		d.Unpriced = append(d.Unpriced, m)
	}
	sort.Strings(d.Unpriced)
	return d, nil
}

func (p *Pipeline) estimateCase(c *datasets.Case, trial int, add func([]llm.Estimate)) error {
	if est, ok := p.task.(functions.Estimator); ok {
		req := &functions.Request{Input: c.Input, Expected: c.Expected, Metadata: c.Metadata, Tags: c.Tags, Parameters: p.Parameters, Trial: trial}
		ests, err := est.Estimate(req)
		if err != nil {
			return fmt.Errorf("case %s: %w", c.ID, err)
		}
		add(ests)
	}
	env := &spec.ScorerEnv{Input: c.Input, Output: c.Expected, Expected: c.Expected, HasExpected: c.ExpectedPresent(), Metadata: c.Metadata, Tags: c.Tags, Trial: trial, Parameters: p.Parameters}
	if env.Output == nil {
		env.Output = ""
	}
	for _, s := range p.scorers {
		if est, ok := s.scorer.(scorers.Estimator); ok {
			ests, err := est.Estimate(env)
			if err != nil {
				return fmt.Errorf("case %s, scorer %s: %w", c.ID, s.name, err)
			}
			add(ests)
		}
	}
	return nil
}
