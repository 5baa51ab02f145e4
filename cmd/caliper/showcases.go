package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/store"
	"github.com/spf13/cobra"
)

// casesFlags are the flags of experiments show that print rows.
type casesFlags struct {
	cases, errors, regressed bool
}

func (f *casesFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.cases, "cases", false, "also print the rows, one line each")
	fl.BoolVar(&f.errors, "errors", false, "with --cases: only the rows whose task or a scorer failed")
	fl.BoolVar(&f.regressed, "regressed", false, "with --cases: only the cases whose scores dropped against the base")
}

// show prints the rows the flags ask for, if any.
func (f casesFlags) show(ctx context.Context, st *State, db store.Store, e *store.Experiment) error {
	if !f.cases && !f.errors && !f.regressed {
		return nil
	}
	if f.errors && f.regressed {
		return exitcode.With(ExitInvalid, errors.New("--errors and --regressed select different rows: give one"))
	}
	var changes map[string]float64
	if f.regressed {
		if e.Base == "" {
			return exitcode.With(ExitInvalid, fmt.Errorf("experiment %s was compared with no base: compare it with one by caliper compare %s BASE", e.Name, e.Name))
		}
		base, err := db.Experiment(ctx, "", e.Base)
		if err != nil {
			return exitcode.With(ExitRun, fmt.Errorf("finding the base of %s: %w", e.Name, err))
		}
		if changes, err = regressions(ctx, db, e.ID, base.ID); err != nil {
			return exitcode.With(ExitRun, err)
		}
	}
	tw := tabwriter.NewWriter(st.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(st.Stdout)
	if f.regressed {
		fmt.Fprintln(tw, "CASE\tTRIAL\tCHANGE\tSCORES\tOUTPUT")
	} else {
		fmt.Fprintln(tw, "CASE\tTRIAL\tSCORES\tOUTPUT")
	}
	shown := 0
	err := db.Rows(ctx, e.ID, func(r *store.Row) error {
		out := printable(string(r.Output), 60)
		if r.Error != "" {
			out = "error: " + printable(r.Error, 60)
		} else if msg := r.FirstScorerError(); msg != "" {
			out = "scorer error: " + printable(msg, 60)
		}
		switch {
		case f.errors && r.Succeeded():
			return nil
		case f.regressed:
			c, ok := changes[r.CaseID]
			if !ok {
				return nil
			}
			fmt.Fprintf(tw, "%s\t%d\t%+.3f\t%s\t%s\n", printable(r.CaseID, 40), r.Trial, c, scoreList(r.Scores), out)
		default:
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", printable(r.CaseID, 40), r.Trial, scoreList(r.Scores), out)
		}
		shown++
		return nil
	})
	if err != nil {
		return exitcode.With(ExitRun, err)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(st.Stdout, "%d rows; every value in full: caliper experiments export %s, or caliper view\n", shown, e.Name)
	return nil
}

// regressions returns the cases of experiment cur whose score means over
// trials dropped against base, with the sum of the changes.
func regressions(ctx context.Context, db store.Store, cur, base string) (map[string]float64, error) {
	a, err := caseMeans(ctx, db, cur)
	if err != nil {
		return nil, err
	}
	b, err := caseMeans(ctx, db, base)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for id, scores := range a {
		sum, dropped := 0.0, false
		for name, v := range scores {
			if bv, ok := b[id][name]; ok {
				sum += v - bv
				dropped = dropped || v-bv < -1e-9
			}
		}
		if dropped {
			out[id] = sum
		}
	}
	return out, nil
}

// caseMeans is, per case, the mean of each score over its trials.
func caseMeans(ctx context.Context, db store.Store, id string) (map[string]map[string]float64, error) {
	sums := map[string]map[string][2]float64{}
	err := db.Rows(ctx, id, func(r *store.Row) error {
		m := sums[r.CaseID]
		if m == nil {
			m = map[string][2]float64{}
			sums[r.CaseID] = m
		}
		for name, v := range r.Scores {
			s := m[name]
			m[name] = [2]float64{s[0] + v, s[1] + 1}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the rows of experiment %s: %w", id, err)
	}
	out := make(map[string]map[string]float64, len(sums))
	for c, m := range sums {
		out[c] = make(map[string]float64, len(m))
		for name, s := range m {
			out[c][name] = s[0] / s[1]
		}
	}
	return out, nil
}

func scoreList(scores map[string]float64) string {
	names := make([]string, 0, len(scores))
	for n := range scores {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		v := scores[n]
		if math.IsNaN(v) {
			parts[i] = n + "=–"
			continue
		}
		parts[i] = fmt.Sprintf("%s=%.3g", n, v)
	}
	return strings.Join(parts, " ")
}

// printable cuts s to max characters on one line, with control characters
// (terminal escapes from a model's output among them) shown as spaces.
func printable(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
