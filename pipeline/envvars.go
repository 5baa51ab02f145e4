package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/caliperhq/caliper/spec"
)

// MissingEnvError is a variable an eval lists in env: that is not set. It is
// an error of the run (exit 3), not of the spec: the files are valid, the
// environment lacks the value, as with a missing API key.
type MissingEnvError struct {
	Names []string // the variables that are not set
	Where string   // the files that list them
}

func (e *MissingEnvError) Error() string {
	return fmt.Sprintf("environment %s %s not set (listed in env: of %s): set %s before the run, or remove %s from env:",
		plural(len(e.Names), "variable", "variables"), strings.Join(e.Names, ", "), e.Where,
		plural(len(e.Names), "it", "them"), plural(len(e.Names), "it", "them"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// EnvNames lists the variables an eval may read in its templates: its own
// env: and that of caliper.yaml.
func EnvNames(ev *spec.Eval) []string {
	names := slices.Clone(ev.Env)
	if ev.Project != nil {
		for _, n := range ev.Project.Env {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	return names
}

// EnvVars returns the values of the variables an eval may read, from env.
// A variable that is not set, or set empty, is a *MissingEnvError naming
// every such variable, so that the run stops before its first case.
func EnvVars(ev *spec.Eval, env map[string]string) (map[string]string, error) {
	vars := map[string]string{}
	var missing []string
	for _, n := range EnvNames(ev) {
		if v := env[n]; v != "" {
			vars[n] = v
		} else {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		where := ev.File
		if ev.Project != nil && len(ev.Project.Env) > 0 {
			where += " or " + ev.Project.File
		}
		return vars, &MissingEnvError{Names: missing, Where: where}
	}
	return vars, nil
}
