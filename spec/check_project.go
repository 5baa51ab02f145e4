package spec

import "path/filepath"

// projectFile validates a caliper.yaml once per session.
func (s *session) projectFile(abs string) *Project {
	return s.projects.get(abs, func() *Project {
		p := s.load(abs, "project")
		defer s.finish(p)
		proj := &Project{File: abs, Dir: filepath.Dir(abs), Cache: true, Providers: map[string]Provider{}, Prices: map[string]Price{}}
		if p.doc == nil {
			return proj
		}
		var raw RawProject
		decodeInto(p.doc, &raw)
		proj.Store = raw.Store.Value
		proj.Env = envNames(raw.Env)
		proj.Masking = maskingRules(p, raw.Masking)
		proj.Git = gitSettings(p, &raw)
		if raw.Cache.Enabled != nil {
			proj.Cache = *raw.Cache.Enabled
		}
		proj.CacheTTL, _ = parseDuration(p, raw.Cache.TTL, "cache", "ttl")
		proj.Defaults = ProjectDefaults{MaxConcurrency: raw.Defaults.MaxConcurrency, Trials: raw.Defaults.Trials, Model: raw.Defaults.Model}
		proj.Defaults.Timeout, _ = parseDuration(p, raw.Defaults.Timeout, "defaults", "timeout")
		for _, e := range raw.Providers {
			rp := e.Value
			pv := Provider{Name: e.Key, Type: rp.Type, BaseURL: rp.BaseURL, APIKeyEnv: rp.APIKeyEnv, Headers: rp.Headers,
				MaxConcurrency: rp.MaxConcurrency, RequestsPerMinute: rp.RequestsPerMinute, MaxRetries: 5}
			if rp.MaxRetries != nil {
				pv.MaxRetries = *rp.MaxRetries
			}
			pv.Timeout, _ = parseDuration(p, rp.Timeout, "providers", e.Key, "timeout")
			proj.Providers[e.Key] = pv
		}
		for _, e := range raw.Prices {
			proj.Prices[e.Key] = e.Value
		}
		return proj
	})
}

// gitSettings reads git: {collect, fields}; fields go with collect: some.
func gitSettings(p *parsed, raw *RawProject) GitSettings {
	g := GitSettings{Collect: raw.Git.Collect.Value}
	for _, f := range raw.Git.Fields {
		g.Fields = append(g.Fields, f.Value)
	}
	switch {
	case g.Collect == GitCollectSome && len(raw.Git.Fields) == 0:
		p.r.at(raw.Git.Collect.Pos, "git.collect is some but git.fields lists nothing: list the fields to record, e.g. fields: [commit, branch]")
	case g.Collect != GitCollectSome && len(raw.Git.Fields) > 0:
		p.r.at(raw.Git.Fields[0].Pos, "git.fields is read only with collect: some: add collect: some, or remove fields")
	}
	return g
}
