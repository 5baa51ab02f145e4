package report

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

func init() {
	Reporters.Register(Reporter{Name: "markdown", Flag: true, Usage: "write a Markdown report (for a pull-request comment) to FILE",
		Write: func(w io.Writer, runs []Run) error { return WriteMarkdown(w, summaries(runs)...) }})
}

// WriteMarkdown writes the summaries of a run's evals as GitHub-flavoured
// Markdown for a pull-request comment or a job summary. Each eval gets a
// heading, a one-line verdict (checks, significant changes, cases and
// errors), a table of scores with, against a base, the base mean, the
// change in percentage points, its confidence interval and the improved and
// regressed cases, a table of metrics, the cases on one side only, the worst
// regressed cases and the checks. It holds no links: names and ids are code
// spans, which GitHub neither links nor mentions from.
func WriteMarkdown(w io.Writer, summaries ...*Summary) error {
	bw := bufio.NewWriter(w)
	for i, s := range summaries {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		writeMarkdown(bw, s)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing the Markdown report: %w", err)
	}
	return nil
}

// AppendGitHubStepSummary appends the Markdown of the summaries to the file
// at path, as GitHub Actions expects of $GITHUB_STEP_SUMMARY. An empty path
// (the variable unset) does nothing.
func AppendGitHubStepSummary(path string, summaries ...*Summary) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("appending to the GitHub step summary: %w", err)
	}
	err = WriteMarkdown(f, summaries...)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("appending to the GitHub step summary: %w", cerr)
	}
	return err
}

func writeMarkdown(w io.Writer, s *Summary) {
	head := fmt.Sprintf("### %s · experiment %s", mdCode(s.Eval, false), mdCode(s.Experiment, false))
	if s.Status != "" && s.Status != "completed" {
		head += " · " + strings.ToUpper(s.Status)
	}
	fmt.Fprintf(w, "%s\n\n%s\n\n", head, verdict(s))
	c := s.Comparison
	conf := "interval"
	if c != nil {
		conf = confidenceLabel(c.Confidence) + " interval"
	}
	if len(s.Scores) > 0 || (c != nil && len(c.Scores) > 0) {
		if c == nil {
			fmt.Fprint(w, "| Score | Mean | Count | Scorer errors |\n|:--|--:|--:|--:|\n")
			for _, sc := range s.Scores {
				fmt.Fprintf(w, "| %s | %.3f | %d | %d |\n", mdCode(sc.Name, true), sc.Mean, sc.Count, sc.Errors)
			}
		} else {
			fmt.Fprintf(w, "| Score | Mean | Base | Change | %s | Improved | Regressed | |\n|:--|--:|--:|--:|:--|--:|--:|:--|\n", conf)
			for _, d := range c.Scores {
				mean := "-"
				if d.Count > 0 {
					mean = fmt.Sprintf("%.3f", d.Mean)
				}
				switch {
				case !d.HasBase():
					fmt.Fprintf(w, "| %s | %s | - | new | | | | |\n", mdCode(d.Name, true), mean)
				case d.Paired == 0:
					fmt.Fprintf(w, "| %s | %s | %.3f | no paired cases | | | | |\n", mdCode(d.Name, true), mean, d.BaseMean)
				default:
					mark := ""
					if d.SignificantRegression {
						mark = "**SIGNIFICANT REGRESSION**"
					} else if d.SignificantImprovement {
						mark = "significant improvement"
					}
					fmt.Fprintf(w, "| %s | %s | %.3f | %s | %s to %s | %d | %d | %s |\n", mdCode(d.Name, true), mean, d.BaseMean,
						formatPP(d.Diff), formatPP(d.CILow), formatPP(d.CIHigh), d.Improvements, d.Regressions, mark)
				}
			}
		}
		fmt.Fprintln(w)
	}
	if len(s.Metrics) > 0 {
		writeMarkdownMetrics(w, s, conf)
	}
	if c != nil {
		fmt.Fprintf(w, "%d paired %s.", c.Paired, plural(c.Paired, "case"))
		if c.OnlyCurrent > 0 {
			fmt.Fprintf(w, " %d only in this run: %s.", c.OnlyCurrent, mdIDList(c.OnlyCurrentIDs, c.OnlyCurrent))
		}
		if c.OnlyBase > 0 {
			fmt.Fprintf(w, " %d only in %s: %s.", c.OnlyBase, mdCode(c.Base, false), mdIDList(c.OnlyBaseIDs, c.OnlyBase))
		}
		fmt.Fprint(w, "\n\n")
		if len(c.Regressed) > 0 {
			writeMarkdownRegressed(w, c, s.Experiment)
		}
	}
	writeMarkdownErrors(w, s)
	if len(s.Checks) > 0 {
		fmt.Fprint(w, "#### Checks\n\n")
		for _, ch := range s.Checks {
			mark := "pass"
			if !ch.Passed {
				mark = "**FAIL**"
			}
			fmt.Fprintf(w, "- %s %s %s: %s\n", mark, ch.Kind, mdCode(ch.Name, false), mdCode(ch.Detail, false))
		}
		fmt.Fprintln(w)
	}
}

// verdict is the one-line summary of an eval.
func verdict(s *Summary) string {
	var parts []string
	if n := len(s.Checks); n > 0 {
		failed := len(s.Failed())
		if failed > 0 {
			parts = append(parts, fmt.Sprintf("**Failed**: %d of %d %s failed", failed, n, plural(n, "check")))
		} else {
			parts = append(parts, fmt.Sprintf("**Passed**: %d %s", n, plural(n, "check")))
		}
	}
	if c := s.Comparison; c != nil {
		var worse, better []string
		for _, d := range c.Scores {
			if d.SignificantRegression {
				worse = append(worse, fmt.Sprintf("%s (%s)", mdCode(d.Name, false), formatPP(d.Diff)))
			}
			if d.SignificantImprovement {
				better = append(better, fmt.Sprintf("%s (%s)", mdCode(d.Name, false), formatPP(d.Diff)))
			}
		}
		if len(worse) > 0 {
			parts = append(parts, "significant regression in "+strings.Join(worse, ", "))
		}
		if len(better) > 0 {
			parts = append(parts, "significant improvement in "+strings.Join(better, ", "))
		}
		switch {
		case c.Paired == 0:
			parts = append(parts, "no case in common with "+mdCode(c.Base, false))
		case len(worse)+len(better) == 0:
			parts = append(parts, "no significant change")
		}
		if c.Paired > 0 {
			parts = append(parts, fmt.Sprintf("vs %s on %d paired %s", mdCode(c.Base, false), c.Paired, plural(c.Paired, "case")))
		}
	}
	parts = append(parts, fmt.Sprintf("%d %s, %d %s", s.Cases, plural(s.Cases, "case"), s.Errors, plural(s.Errors, "error")))
	return strings.Join(parts, " · ")
}

func writeMarkdownMetrics(w io.Writer, s *Summary, conf string) {
	deltas := map[string]Delta{}
	if s.Comparison != nil {
		for _, d := range s.Comparison.Metrics {
			deltas[d.Name] = d
		}
		fmt.Fprintf(w, "| Metric | Mean | Max | Sum | Change | %s | Lower | Higher |\n|:--|--:|--:|--:|--:|:--|--:|--:|\n", conf)
	} else {
		fmt.Fprint(w, "| Metric | Mean | Max | Sum |\n|:--|--:|--:|--:|\n")
	}
	for _, m := range s.Metrics {
		f := func(v float64) string { return fmt.Sprintf("%.4g", v) }
		sf := func(v float64) string { return fmt.Sprintf("%+.4g", v) }
		if m.Name == "duration" {
			f, sf = formatDuration, signedDuration
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |", mdCode(m.Name, true), f(m.Mean), f(m.Max), f(m.Sum))
		if s.Comparison != nil {
			if d, ok := deltas[m.Name]; ok && d.Paired > 0 {
				fmt.Fprintf(w, " %s | %s to %s | %d | %d |", sf(d.Diff), sf(d.CILow), sf(d.CIHigh), d.Improvements, d.Regressions)
			} else {
				fmt.Fprint(w, " | | | |")
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
}

func writeMarkdownRegressed(w io.Writer, c *Comparison, experiment string) {
	fmt.Fprintf(w, "#### Worst regressed cases\n\n| Case |")
	var names []string
	for _, d := range c.Scores {
		for _, rc := range c.Regressed {
			if hasScore(rc, d.Name) {
				names = append(names, d.Name)
				break
			}
		}
	}
	for _, n := range names {
		fmt.Fprintf(w, " %s |", mdCode(n, true))
	}
	fmt.Fprint(w, " Output |\n|:--|"+strings.Repeat(":--|", len(names))+":--|\n")
	for _, rc := range c.Regressed {
		fmt.Fprintf(w, "| %s |", mdCode(rc.ID, true))
		for _, n := range names {
			cell := ""
			for _, ch := range rc.Scores {
				if ch.Name == n {
					cell = fmt.Sprintf("%.3f → %.3f", ch.Before, ch.After)
					if ch.After < ch.Before-ChangeEpsilon {
						cell = "**" + cell + "**"
					}
				}
			}
			fmt.Fprintf(w, " %s |", cell)
		}
		out := ""
		if rc.Output != "" {
			out = mdCode(oneLine(rc.Output, markdownOutputChars), true)
		}
		fmt.Fprintf(w, " %s |\n", out)
	}
	fmt.Fprintln(w)
	if more := c.RegressedCount - len(c.Regressed); more > 0 {
		fmt.Fprintf(w, "And %d more regressed %s: %s.\n\n", more, plural(more, "case"), mdCode("caliper experiments show "+shellWord(experiment)+" --cases --regressed", false))
	}
}

// markdownOutputChars is how much of an output a Markdown table shows.
const markdownOutputChars = 80

// writeMarkdownErrors lists the most frequent error messages with their
// counts and example cases, and how to see every errored row.
func writeMarkdownErrors(w io.Writer, s *Summary) {
	if len(s.ErrorGroups) == 0 {
		return
	}
	fmt.Fprint(w, "#### Errors\n\n| Rows | Error | Cases |\n|--:|:--|:--|\n")
	for _, g := range s.ErrorGroups {
		ids := make([]string, len(g.Cases))
		for i, id := range g.Cases {
			ids[i] = mdCode(id, true)
		}
		list := strings.Join(ids, ", ")
		if g.Count > len(g.Cases) {
			list += ", …"
		}
		fmt.Fprintf(w, "| %d | %s | %s |\n", g.Count, mdCode(oneLine(g.Label(), 200), true), list)
	}
	fmt.Fprintln(w)
	if more := s.ErrorMessages - len(s.ErrorGroups); more > 0 {
		fmt.Fprintf(w, "And %d more %s. ", more, plural(more, "message"))
	}
	fmt.Fprintf(w, "Every errored row: %s.\n\n", mdCode("caliper experiments show "+shellWord(s.Experiment)+" --cases --errors", false))
}

func hasScore(rc RegressedCase, name string) bool {
	for _, ch := range rc.Scores {
		if ch.Name == name {
			return true
		}
	}
	return false
}

func mdIDList(ids []string, total int) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = mdCode(id, false)
	}
	list := strings.Join(out, ", ")
	if more := total - len(ids); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	return list
}

// mdCode writes s as a code span: GitHub renders it as it is, links nothing
// and mentions no one. In a table cell, pipes are escaped, as GFM requires
// even inside code spans.
func mdCode(s string, inTable bool) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if s == "" || strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || (strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ")) {
		s = " " + s + " "
	}
	return fence + s + fence
}
