package spec

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// evalFile validates an eval file and everything it references.
func (s *session) evalFile(abs string) *Eval {
	p := s.load(abs, "eval")
	defer s.finish(p)
	if p.doc == nil {
		return nil
	}
	var raw RawEval
	decodeInto(p.doc, &raw)
	dir := filepath.Dir(abs)
	ev := &Eval{
		File: abs, Name: raw.Name.Value, Description: raw.Description, Experiment: raw.Experiment.Value,
		Metadata: raw.Metadata, Tags: raw.Tags, Base: raw.Base.Value,
		Trials: or(raw.Trials.Value, DefaultTrials), MaxConcurrency: or(raw.MaxConcurrency.Value, DefaultMaxConcurrency),
		Reduce: orString(raw.Reduce.Value, "mean"), PassScore: 1,
	}
	if raw.PassScore != nil {
		ev.PassScore = *raw.PassScore
	}
	ev.BaseRequired = raw.BaseRequired == nil || *raw.BaseRequired
	c := &evalChecker{s: s, p: p, dir: dir, raw: &raw, ev: ev}
	if proj := s.projectFor(dir); proj != nil {
		ev.Project = proj
		c.refs = append(c.refs, proj.File)
		applyProjectDefaults(ev, &raw, proj)
	}
	ev.Env = envNames(raw.Env)
	c.parameters()
	c.functions()
	c.data()
	c.task()
	c.scorers()
	if len(c.raw.Scorers) == 0 && c.p.clean("scorers") {
		c.p.r.at(c.p.posOf("scorers"), "the eval has no scorers, so it checks nothing: add at least one under \"scorers\"")
	}
	c.settings()
	c.errorScore()
	c.thresholdsAndGates()
	if len(p.r.diags) > 0 || s.anyProblem(c.refs) {
		return nil
	}
	return ev
}

func applyProjectDefaults(ev *Eval, raw *RawEval, proj *Project) {
	if !raw.Trials.IsSet() && proj.Defaults.Trials > 0 {
		ev.Trials = proj.Defaults.Trials
	}
	if !raw.MaxConcurrency.IsSet() && proj.Defaults.MaxConcurrency > 0 {
		ev.MaxConcurrency = proj.Defaults.MaxConcurrency
	}
	if !raw.Timeout.IsSet() && proj.Defaults.Timeout > 0 {
		ev.Timeout = proj.Defaults.Timeout
	}
}

func or(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// evalChecker checks what the schema cannot, section by section.
type evalChecker struct {
	s    *session
	p    *parsed
	dir  string
	raw  *RawEval
	ev   *Eval
	refs []string // the files the eval uses: prompts, functions, caliper.yaml
}

func (c *evalChecker) parameters() {
	for _, e := range c.raw.Parameters {
		prm := Parameter{Name: e.Key, Type: e.Value.Type.Value, Description: e.Value.Description, Enum: e.Value.Enum}
		if !c.p.clean("parameters", e.Key) {
			c.ev.Parameters = append(c.ev.Parameters, prm)
			continue
		}
		if n := &e.Value.Default; n.Kind != 0 {
			var v any
			_ = n.Decode(&v)
			prm.Default, prm.HasDefault = v, true
			if !OfParamType(v, prm.Type) {
				c.p.r.at(nodePos(n), "the default of parameter %q must be %s, not %s", e.Key, typeNoun(prm.Type), describeValue(v))
			} else if len(prm.Enum) > 0 && !inEnum(v, prm.Enum) {
				c.p.r.at(nodePos(n), "the default of parameter %q must be one of its enum values", e.Key)
			}
		}
		for i, v := range prm.Enum {
			if !OfParamType(v, prm.Type) {
				c.p.r.at(nodePos(c.p.nodeOf("parameters", e.Key, "enum", strconv.Itoa(i))), "enum value of parameter %q must be %s, not %s", e.Key, typeNoun(prm.Type), describeValue(v))
			}
		}
		c.ev.Parameters = append(c.ev.Parameters, prm)
	}
}

// OfParamType reports whether a value decoded from YAML or JSON is of a parameter type.
func OfParamType(v any, typ string) bool {
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		switch v.(type) {
		case int, int64, float64, uint64:
			return true
		}
	case "integer":
		switch n := v.(type) {
		case int, int64, uint64:
			return true
		case float64:
			return n == float64(int64(n))
		}
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	}
	return false
}

func inEnum(v any, enum []any) bool {
	for _, e := range enum {
		if fmt.Sprint(e) == fmt.Sprint(v) {
			return true
		}
	}
	return false
}

func describeValue(v any) string {
	switch v.(type) {
	case nil:
		return "empty"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, uint64:
		return "an integer"
	case float64:
		return "a number"
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

func (c *evalChecker) paramNames() []string {
	out := make([]string, len(c.ev.Parameters))
	for i, p := range c.ev.Parameters {
		out[i] = p.Name
	}
	return out
}

func (c *evalChecker) functions() {
	c.ev.Functions = map[string]*Function{}
	for slug, f := range c.s.functionsFor(c.dir) {
		c.ev.Functions[slug] = f
	}
	own := map[string]int{}
	for i, rf := range c.raw.Functions {
		path := []string{"functions", strconv.Itoa(i)}
		if !rf.Slug.IsSet() {
			continue
		}
		if first, dup := own[rf.Slug.Value]; dup {
			c.p.r.at(rf.Slug.Pos, "function slug %q is already defined at line %d: give one of them another slug", rf.Slug.Value, first)
			continue
		}
		own[rf.Slug.Value] = rf.Slug.Pos.Line
		f := checkFunction(c.s, c.p, c.dir, &rf, path, c.paramNames())
		c.ev.Functions[f.Slug] = f
	}
}

func (c *evalChecker) data() {
	rd := c.raw.Data
	if rd == nil {
		return
	}
	d := &c.ev.Data
	d.OnError = orString(rd.OnError.Value, "fail")
	d.Limit = rd.Limit.Value
	if rd.Sample != nil {
		d.Sample = &Sample{Size: rd.Sample.Size, Seed: rd.Sample.Seed}
	}
	var sources []string
	if rd.File.IsSet() {
		sources = append(sources, "file")
	}
	if rd.Files != nil {
		sources = append(sources, "files")
	}
	if rd.Dataset.IsSet() {
		sources = append(sources, "dataset")
	}
	if rd.Experiment.IsSet() {
		sources = append(sources, "experiment")
	}
	if rd.Inline != nil {
		sources = append(sources, "inline")
	}
	if len(sources) != 1 && c.p.choiceClean([]string{"data"}, "file", "files", "dataset", "experiment", "inline") {
		c.exactlyOne([]string{"data"}, "data", sources, "file, files, dataset, experiment or inline")
	}
	if rd.Experiment.IsSet() && c.p.clean("data", "experiment") {
		d.Experiment = rd.Experiment.Value
	}
	if rd.File.IsSet() && c.p.clean("data", "file") {
		d.File = c.dataFile(rd.File)
	}
	if rd.Files != nil && c.p.clean("data", "files") {
		d.Files = c.dataGlobs(rd.Files)
	}
	if rd.Dataset.IsSet() && c.p.clean("data", "dataset") {
		name, version, _ := strings.Cut(rd.Dataset.Value, "@")
		d.Dataset = name
		d.Version, _ = strconv.Atoi(version)
	}
	d.Inline = rd.Inline
	chk := exprCheck{parameters: c.paramNames()}
	if f := rd.Fields; f != nil {
		for _, fe := range []struct {
			sc  Scalar[string]
			dst **Expr
		}{{f.ID, &d.Fields.ID}, {f.Input, &d.Fields.Input}, {f.Expected, &d.Fields.Expected}, {f.Metadata, &d.Fields.Metadata}, {f.Tags, &d.Fields.Tags}} {
			if e := c.p.exprPtr(fe.sc); e != nil {
				compileExpr(*e, ScopeField, chk, c.p.r)
				*fe.dst = e
			}
		}
	}
	if e := c.p.exprPtr(rd.Filter); e != nil {
		compileExpr(*e, ScopeFilter, chk, c.p.r)
		d.Filter = e
	}
}

// DataExtensions are the dataset file formats, by extension.
var DataExtensions = []string{".jsonl", ".json", ".csv", ".yaml", ".yml"}

func (c *evalChecker) dataFile(sc Scalar[string]) string {
	abs := resolve(c.dir, sc.Value)
	ext := strings.ToLower(filepath.Ext(abs))
	if !contains(DataExtensions, ext) {
		c.p.r.at(sc.Pos, "dataset file %q has an unknown format: use one of %s", sc.Value, strings.Join(DataExtensions, ", "))
		return abs
	}
	if info, err := c.s.v.fs.Stat(abs); err != nil || info.IsDir() {
		c.p.r.at(sc.Pos, "dataset file %q does not exist (looked for %s): paths are relative to the eval file", sc.Value, c.s.v.display(abs))
	}
	return abs
}

func (c *evalChecker) dataGlobs(sl *StringOrList) []string {
	var out []string
	var image, dataset string // a match of each kind
	for _, g := range sl.Values {
		abs := resolve(c.dir, g)
		out = append(out, abs)
		matches, err := c.s.v.fs.Glob(abs)
		if err != nil {
			c.p.r.at(sl.Pos, "bad file pattern %q: %v", g, err)
		} else if len(matches) == 0 {
			c.p.r.at(sl.Pos, "no file matches %q (relative to the eval file): check the pattern", g)
		}
		for _, m := range matches {
			if info, err := c.s.v.fs.Stat(m); err == nil && info.IsDir() {
				continue // as data.files reads them: directories are not files
			}
			ext := strings.ToLower(filepath.Ext(m))
			if contains(AttachmentExtensions, ext) {
				image = m
				continue
			}
			if !contains(DataExtensions, ext) {
				c.p.r.at(sl.Pos, "%q matches %s, which is not a dataset: match only %s files", g, c.s.v.display(m), strings.Join(DataExtensions, ", "))
				break
			}
			dataset = m
		}
	}
	if image != "" && dataset != "" {
		c.p.r.at(sl.Pos, "data.files matches both images (%s) and dataset files (%s): match only dataset files, or only images (%s) for one case per image", c.s.v.display(image), c.s.v.display(dataset), strings.Join(AttachmentExtensions, ", "))
	}
	return out
}

// AttachmentExtensions are the image files a data.files glob may match
// instead of dataset files: each image is then one case, its input
// {"file": {"type": "attachment", "path": ...}, "name": ...}.
var AttachmentExtensions = []string{".png", ".jpg", ".jpeg", ".gif", ".webp"}

func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

// exactlyOne reports a section that sets none or several of its alternatives.
func (c *evalChecker) exactlyOne(path []string, name string, set []string, choices string) {
	reportExactlyOne(c.p, path, name, set, choices)
}

func reportExactlyOne(p *parsed, path []string, name string, set []string, choices string) {
	if len(set) == 0 {
		p.r.at(p.posOf(path...), "%s needs one of %s", strconv.Quote(name), choices)
		return
	}
	// Point at the alternative written last: the one that came in second.
	last := p.posOf(append(path, set[0])...)
	for _, k := range set[1:] {
		if at := p.posOf(append(path, k)...); at.Line > last.Line || (at.Line == last.Line && at.Col > last.Col) {
			last = at
		}
	}
	p.r.at(last, "%s takes exactly one of %s, but sets %s: keep one", strconv.Quote(name), choices, strings.Join(set, " and "))
}

func (c *evalChecker) task() {
	t := c.raw.Task
	if t == nil {
		return
	}
	rb := bodyOf(t.Prompt, t.Function, t.Exec, t.HTTP, t.Expr)
	if t.Replay.IsSet() {
		if kinds := append(rb.kinds(), KindReplay); len(kinds) > 1 {
			reportExactlyOne(c.p, []string{"task"}, "task", kinds, "prompt, function, exec, http, expr or replay")
		} else if c.p.clean("task", "replay") {
			c.ev.Task = Body{Kind: KindReplay, Replay: t.Replay.Value}
		}
		return
	}
	b := bodyChecker{s: c.s, p: c.p, dir: c.dir, params: c.paramNames(), funcs: c.ev.Functions, refs: &c.refs, env: c.envNames()}
	c.ev.Task = b.check([]string{"task"}, "task", rb, "task")
}

func (c *evalChecker) settings() {
	c.ev.Timeout = or64(c.ev.Timeout, DefaultTimeout)
	if d, ok := parseDuration(c.p, c.raw.Timeout, "timeout"); ok {
		c.ev.Timeout = d
	}
	if d, ok := parseDuration(c.p, c.raw.MaxDuration, "max_duration"); ok {
		c.ev.MaxDuration = d
	}
	if b := c.raw.Base; b.IsSet() && strings.HasPrefix(b.Value, "file:") {
		path := resolve(c.dir, strings.TrimPrefix(b.Value, "file:"))
		if _, err := c.s.v.fs.Stat(path); err != nil {
			c.p.r.at(b.Pos, "baseline file %q does not exist: paths are relative to the eval file", strings.TrimPrefix(b.Value, "file:"))
		}
		c.ev.Base = "file:" + path
	}
}

func or64(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

// parseDuration parses a positioned duration, reporting a bad one.
func parseDuration(p *parsed, sc Scalar[string], path ...string) (time.Duration, bool) {
	name := strings.Join(path, ".")
	if !sc.IsSet() || !p.clean(path...) {
		return 0, false
	}
	d, err := time.ParseDuration(strings.TrimSpace(sc.Value))
	if err != nil {
		p.r.at(sc.Pos, "%s %q is not a duration: write a number and a unit, such as 500ms, 30s, 2m or 1h30m", name, sc.Value)
		return 0, false
	}
	if d <= 0 {
		p.r.at(sc.Pos, "%s must be positive, not %q", name, sc.Value)
		return 0, false
	}
	return d, true
}

func (c *evalChecker) scorerNames() []string {
	out := make([]string, len(c.ev.Scorers))
	for i, sc := range c.ev.Scorers {
		out[i] = sc.Name
	}
	return out
}

func (c *evalChecker) thresholdsAndGates() {
	names := c.scorerNames()
	for _, t := range c.raw.Thresholds {
		if !contains(names, t.Key) {
			msg := fmt.Sprintf("threshold for %q names no scorer", t.Key)
			if s := suggest(t.Key, names); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += "; scorers: " + strings.Join(names, ", ")
			}
			c.p.r.at(t.KeyPos, "%s", msg)
			continue
		}
		c.ev.Thresholds = append(c.ev.Thresholds, Threshold{Scorer: t.Key, Min: t.Value})
	}
	chk := exprCheck{scorers: names, parameters: c.paramNames()}
	if e := c.p.exprPtr(c.raw.Pass); e != nil && c.p.clean("pass") {
		compileExpr(*e, ScopeCase, chk, c.p.r)
		c.ev.Pass = e
	}
	for i, g := range c.raw.Gates {
		if g.Value == "" || !c.p.clean("gates", strconv.Itoa(i)) {
			continue
		}
		e := c.p.expr(g)
		compileExpr(e, ScopeGate, chk, c.p.r)
		c.ev.Gates = append(c.ev.Gates, e)
	}
}
