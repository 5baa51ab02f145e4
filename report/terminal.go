package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

func init() {
	Reporters.Register(Reporter{Name: "terminal", Usage: "the summary printed on the terminal",
		Write: func(w io.Writer, runs []Run) error {
			for _, r := range runs {
				WriteText(w, r.Summary)
			}
			return nil
		}})
}

// WriteText prints the summary of one eval for a person reading a terminal or a CI log.
// With a comparison, each score also shows, in the Braintrust style, its
// base mean, its change in percentage points, the cases that improved (↑)
// and regressed (↓), the confidence interval of the change and a mark on a
// significant regression; then the cases on one side only and the worst
// regressed cases.
func WriteText(w io.Writer, s *Summary) {
	head := fmt.Sprintf("%s · experiment %s · %d %s, %d %s · %d %s",
		s.Eval, s.Experiment, s.Cases, plural(s.Cases, "case"), s.Rows, plural(s.Rows, "row"),
		s.Errors, plural(s.Errors, "error"))
	if s.SkippedRows > 0 {
		head += fmt.Sprintf(" · %d malformed %s skipped (data.on_error: skip)", s.SkippedRows, plural(s.SkippedRows, "row"))
	}
	head += " · " + formatDuration(s.Duration)
	if s.Status != "" && s.Status != "completed" {
		head += " · " + strings.ToUpper(s.Status)
	}
	fmt.Fprintln(w, head)
	if s.Stopped != "" {
		fmt.Fprintf(w, "  stopped early: %s\n", s.Stopped)
	}
	if s.Comparison != nil {
		writeComparedText(w, s)
	} else {
		width := len("score")
		for _, sc := range s.Scores {
			width = max(width, len(sc.Name))
		}
		if len(s.Scores) > 0 {
			fmt.Fprintf(w, "  %-*s  %7s  %7s  %13s\n", width, "score", "mean", "count", scorerErrorsHeader)
			for _, sc := range s.Scores {
				fmt.Fprintf(w, "  %-*s  %7.3f  %7d  %13d\n", width, sc.Name, sc.Mean, sc.Count, sc.Errors)
			}
		}
		for _, m := range s.Metrics {
			writeMetricText(w, m)
			fmt.Fprintln(w)
		}
	}
	writeErrorGroupsText(w, s)
	for _, c := range s.Checks {
		mark := "pass"
		if !c.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s  %s %s: %s\n", mark, c.Kind, c.Name, c.Detail)
	}
}

// scorerErrorsHeader heads the column of the rows on which each scorer
// itself failed; a row whose task failed is counted in the summary's errors,
// not there, as its scorers did not run.
const scorerErrorsHeader = "scorer errors"

// writeErrorGroupsText lists the most frequent error messages with their
// counts and example cases, and how to see every errored row.
func writeErrorGroupsText(w io.Writer, s *Summary) {
	if len(s.ErrorGroups) == 0 {
		return
	}
	fmt.Fprintln(w, "  errors by message:")
	width := 0
	for _, g := range s.ErrorGroups {
		width = max(width, len(strconv.Itoa(g.Count)))
	}
	for _, g := range s.ErrorGroups {
		fmt.Fprintf(w, "    %*d %-4s  %s  · %s\n", width, g.Count, plural(g.Count, "row"), oneLine(g.Label(), 100), exampleCases(g))
	}
	if more := s.ErrorMessages - len(s.ErrorGroups); more > 0 {
		fmt.Fprintf(w, "    and %d more %s\n", more, plural(more, "message"))
	}
	fmt.Fprintf(w, "  every errored row: caliper experiments show %s --cases --errors, or caliper view\n", shellWord(s.Experiment))
}

// exampleCases lists a group's example case ids, with an ellipsis when more
// rows failed so.
func exampleCases(g ErrorGroup) string {
	ids := make([]string, len(g.Cases))
	for i, id := range g.Cases {
		ids[i] = printableID(oneLine(id, 40))
	}
	list := strings.Join(ids, ", ")
	if g.Count > len(g.Cases) {
		list += ", …"
	}
	return list
}

// shellWord quotes s for a shell command line when it needs it.
func shellWord(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_.:/@+=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(oneLine(s, 200), "'", `'\''`) + "'"
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func formatDuration(seconds float64) string {
	d := time.Duration(seconds * float64(time.Second))
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < time.Minute:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

func writeMetricText(w io.Writer, m MetricSummary) {
	if m.Name == "duration" {
		fmt.Fprintf(w, "  task duration  mean %s  max %s", formatDuration(m.Mean), formatDuration(m.Max))
		return
	}
	fmt.Fprintf(w, "  %s  mean %.4g  sum %.4g", m.Name, m.Mean, m.Sum)
}

// writeComparedText prints the scores and metrics with their comparison.
func writeComparedText(w io.Writer, s *Summary) {
	c := s.Comparison
	fmt.Fprintf(w, "  compared with %s: %d paired %s", c.Base, c.Paired, plural(c.Paired, "case"))
	if c.OnlyCurrent > 0 {
		fmt.Fprintf(w, " · %d only in this run", c.OnlyCurrent)
	}
	if c.OnlyBase > 0 {
		fmt.Fprintf(w, " · %d only in %s", c.OnlyBase, c.Base)
	}
	fmt.Fprintln(w)
	if c.BaseReason != "" {
		fmt.Fprintf(w, "  base auto: %s\n", c.BaseReason)
	}
	deltas := map[string]Delta{}
	for _, d := range c.Scores {
		deltas[d.Name] = d
	}
	type line struct {
		name string
		sc   *ScoreSummary
		d    *Delta
	}
	var lines []line
	seen := map[string]bool{}
	for i := range s.Scores {
		sc := &s.Scores[i]
		l := line{name: sc.Name, sc: sc}
		if d, ok := deltas[sc.Name]; ok {
			l.d = &d
		}
		seen[sc.Name] = true
		lines = append(lines, l)
	}
	for i := range c.Scores { // scores of the base alone
		if d := &c.Scores[i]; !seen[d.Name] {
			lines = append(lines, line{name: d.Name, d: d})
		}
	}
	width := len("score")
	for _, l := range lines {
		width = max(width, len(l.name))
	}
	if len(lines) > 0 {
		fmt.Fprintf(w, "  %-*s  %7s  %7s  %13s  %7s  %9s  %-5s %-5s  %s\n", width, "score", "mean", "count", scorerErrorsHeader, "base", "change", "↑", "↓", confidenceLabel(c.Confidence)+" interval")
	}
	for _, l := range lines {
		if l.sc != nil {
			fmt.Fprintf(w, "  %-*s  %7.3f  %7d  %13d", width, l.name, l.sc.Mean, l.sc.Count, l.sc.Errors)
		} else {
			fmt.Fprintf(w, "  %-*s  %7s  %7d  %13s", width, l.name, "-", 0, "-")
		}
		d := l.d
		switch {
		case d == nil: // declared, scored on neither side
			fmt.Fprintf(w, "  %7s  %9s", "-", "-")
		case !d.HasBase():
			fmt.Fprintf(w, "  %7s  %9s", "-", "new")
		case d.Paired == 0:
			fmt.Fprintf(w, "  %7.3f  %9s", d.BaseMean, "no pairs")
		default:
			fmt.Fprintf(w, "  %7.3f  %9s  ↑%-4d ↓%-4d  [%s, %s]", d.BaseMean, formatPP(d.Diff),
				d.Improvements, d.Regressions, formatPP(d.CILow), formatPP(d.CIHigh))
			if d.SignificantRegression {
				fmt.Fprint(w, "  SIGNIFICANT REGRESSION")
			} else if d.SignificantImprovement {
				fmt.Fprint(w, "  significant improvement")
			}
		}
		fmt.Fprintln(w)
	}
	metricDeltas := map[string]Delta{}
	for _, d := range c.Metrics {
		metricDeltas[d.Name] = d
	}
	for _, m := range s.Metrics {
		writeMetricText(w, m)
		if d, ok := metricDeltas[m.Name]; ok && d.Paired > 0 {
			f := func(v float64) string { return fmt.Sprintf("%+.4g", v) }
			if m.Name == "duration" {
				f = signedDuration
			}
			fmt.Fprintf(w, "  change %s [%s, %s]  %d lower, %d higher", f(d.Diff), f(d.CILow), f(d.CIHigh), d.Improvements, d.Regressions)
			if d.SignificantRegression {
				fmt.Fprint(w, "  significantly higher")
			} else if d.SignificantImprovement {
				fmt.Fprint(w, "  significantly lower")
			}
		}
		fmt.Fprintln(w)
	}
	if c.OnlyCurrent > 0 {
		fmt.Fprintf(w, "  %d %s only in this run: %s\n", c.OnlyCurrent, plural(c.OnlyCurrent, "case"), idList(c.OnlyCurrentIDs, c.OnlyCurrent))
	}
	if c.OnlyBase > 0 {
		fmt.Fprintf(w, "  %d %s only in %s: %s\n", c.OnlyBase, plural(c.OnlyBase, "case"), c.Base, idList(c.OnlyBaseIDs, c.OnlyBase))
	}
	if len(c.Regressed) > 0 {
		fmt.Fprintln(w, "  worst regressed cases:")
		for _, rc := range c.Regressed {
			fmt.Fprintf(w, "    %s  %s\n", printableID(rc.ID), scoreChanges(rc.Scores))
		}
		if more := c.RegressedCount - len(c.Regressed); more > 0 {
			fmt.Fprintf(w, "    and %d more: caliper experiments show %s --cases --regressed\n", more, shellWord(s.Experiment))
		}
	}
}

// formatPP writes a difference of scores in percentage points.
func formatPP(diff float64) string {
	pp := 100 * diff
	if math.Abs(pp) < 0.005 {
		pp = 0 // no "-0.00pp"
	}
	return fmt.Sprintf("%+.2fpp", pp)
}

func signedDuration(seconds float64) string {
	if seconds < 0 {
		return "-" + formatDuration(-seconds)
	}
	return "+" + formatDuration(seconds)
}

func confidenceLabel(c float64) string {
	return strconv.FormatFloat(100*c, 'f', -1, 64) + "%"
}

// idList lists ids, saying how many more there are.
func idList(ids []string, total int) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = printableID(id)
	}
	list := strings.Join(out, ", ")
	if more := total - len(ids); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	return list
}

// scoreChanges lists the scores of a case that changed.
func scoreChanges(changes []ScoreChange) string {
	var parts []string
	for _, ch := range changes {
		if math.Abs(ch.After-ch.Before) > ChangeEpsilon {
			parts = append(parts, fmt.Sprintf("%s %.3f → %.3f", ch.Name, ch.Before, ch.After))
		}
	}
	return strings.Join(parts, "  ")
}

// printableID quotes a case id that holds spaces or unprintable characters.
func printableID(id string) string {
	for _, r := range id {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return strconv.Quote(id)
		}
	}
	if id == "" {
		return `""`
	}
	return id
}
