package report

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText prints the summary of one eval for a person reading a terminal or a CI log.
func WriteText(w io.Writer, s *Summary) {
	head := fmt.Sprintf("%s · experiment %s · %d %s, %d %s · %d %s · %s",
		s.Eval, s.Experiment, s.Cases, plural(s.Cases, "case"), s.Rows, plural(s.Rows, "row"),
		s.Errors, plural(s.Errors, "error"), formatDuration(s.Duration))
	if s.Status != "" && s.Status != "completed" {
		head += " · " + strings.ToUpper(s.Status)
	}
	fmt.Fprintln(w, head)
	width := len("score")
	for _, sc := range s.Scores {
		width = max(width, len(sc.Name))
	}
	if len(s.Scores) > 0 {
		fmt.Fprintf(w, "  %-*s  %7s  %7s  %6s\n", width, "score", "mean", "count", "errors")
		for _, sc := range s.Scores {
			fmt.Fprintf(w, "  %-*s  %7.3f  %7d  %6d\n", width, sc.Name, sc.Mean, sc.Count, sc.Errors)
		}
	}
	for _, m := range s.Metrics {
		if m.Name == "duration" {
			fmt.Fprintf(w, "  task duration  mean %s  max %s\n", formatDuration(m.Mean), formatDuration(m.Max))
			continue
		}
		fmt.Fprintf(w, "  %s  mean %.4g  sum %.4g\n", m.Name, m.Mean, m.Sum)
	}
	for _, c := range s.Checks {
		mark := "pass"
		if !c.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s  %s %s: %s\n", mark, c.Kind, c.Name, c.Detail)
	}
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
