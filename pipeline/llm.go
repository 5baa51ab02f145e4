package pipeline

import (
	"errors"
	"fmt"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/internal/mask"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/spec"
)

// NewLLMClient builds the model client of a run from caliper.yaml (proj may be
// nil) and the environment, which holds the API keys. cache and m (the run's
// masker, see NewMasker) may be nil.
func NewLLMClient(proj *spec.Project, env map[string]string, cache llm.Cache, m *mask.Masker) (*llm.Client, error) {
	cfg := llm.Config{Env: env, Cache: cache, Providers: map[string]llm.ProviderConfig{}, Prices: map[string]llm.Price{}, Mask: m}
	if proj != nil {
		for name, p := range proj.Providers {
			cfg.Providers[name] = llm.ProviderConfig{
				Type: p.Type, BaseURL: p.BaseURL, APIKeyEnv: p.APIKeyEnv, Headers: p.Headers,
				MaxConcurrency: p.MaxConcurrency, RequestsPerMinute: p.RequestsPerMinute,
				Timeout: p.Timeout, MaxRetries: p.MaxRetries,
			}
		}
		for model, price := range proj.Prices {
			cfg.Prices[model] = llm.Price{Input: price.Input, Output: price.Output}
		}
	}
	return llm.NewClient(cfg)
}

// CheckModels makes sure every model the task and the scorers call has a
// provider with a key, before anything runs. Models chosen per case (from a
// template over the input) are checked when they are called.
func (p *Pipeline) CheckModels(client *llm.Client) error {
	var errs []error
	check := func(v any) {
		mc, ok := v.(functions.ModelCaller)
		if !ok {
			return
		}
		models, err := mc.Models(p.Parameters)
		if err != nil {
			return
		}
		for _, m := range models {
			if client == nil {
				errs = append(errs, fmt.Errorf("model %s: no model client in this run", m))
				continue
			}
			if err := client.Check(m); err != nil {
				errs = append(errs, err)
			}
		}
	}
	check(p.task)
	for _, s := range p.scorers {
		check(s.scorer)
	}
	return errors.Join(errs...)
}

// UsesModels reports whether the task or a scorer calls a model.
func (p *Pipeline) UsesModels() bool {
	if _, ok := p.task.(functions.ModelCaller); ok {
		return true
	}
	for _, s := range p.scorers {
		if _, ok := s.scorer.(functions.ModelCaller); ok {
			return true
		}
	}
	return false
}
