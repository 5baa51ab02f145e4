package pipeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/caliperhq/caliper/gitinfo"
	"github.com/cbroglie/mustache"
)

// ExperimentName renders the eval's experiment template, or makes a name from
// the branch and the time, now.
func (p *Pipeline) ExperimentName(git gitinfo.Info, now time.Time) (string, error) {
	ev := p.Eval
	now = now.UTC()
	if ev.Experiment == "" {
		prefix := git.Branch
		if prefix == "" {
			prefix = "run"
		}
		return prefix + "-" + now.Format("20060102-150405"), nil
	}
	name, err := mustache.Render(ev.Experiment, map[string]any{
		"git": git.Vars(), "eval": ev.Name, "parameters": p.Parameters,
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
