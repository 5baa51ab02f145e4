package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/internal/mask"
	"github.com/caliperhq/caliper/report"
	"github.com/spf13/pflag"
)

// reportFlags are the files a command writes its results to: --NAME FILE
// for each reporter with a flag of its own, and --report NAME=FILE for any.
type reportFlags struct {
	files map[string]*string
	extra []string
	// mask hides the run's secrets in what user reporters receive; the
	// command sets it once it knows them. Nil masks nothing.
	mask *mask.Masker
}

// maskJSON masks an encoded report with the command's masker.
func (rf *reportFlags) maskJSON(b []byte) []byte { return rf.mask.JSON(b) }

// addReportFlags adds the report flags to fl: those of the reporters named
// in only (all when empty) and --report.
func addReportFlags(fl *pflag.FlagSet, only ...string) *reportFlags {
	rf := &reportFlags{files: map[string]*string{}}
	for _, rep := range report.Reporters.All() {
		if rep.Flag && (len(only) == 0 || slices.Contains(only, rep.Name)) {
			rf.files[rep.Name] = fl.String(rep.Name, "", rep.Usage)
		}
	}
	fl.StringArrayVar(&rf.extra, "report", nil, "write a report as FORMAT=FILE (repeatable; FILE - is the terminal), FORMAT one of "+strings.Join(report.Reporters.Names(), ", ")+", exec:PROGRAM (the JSON report on its stdin, its stdout the report) or template:FILE.tmpl (a Go text/template over the JSON report)")
	return rf
}

// targets lists the reports asked for; an unknown format is a usage error.
func (rf *reportFlags) targets(st *State) ([]report.Target, error) {
	var out []report.Target
	for _, name := range report.Reporters.Names() {
		if p, ok := rf.files[name]; ok && *p != "" {
			rep, _ := report.Reporters.Lookup(name)
			out = append(out, report.Target{Reporter: rep, Path: st.Path(*p)})
		}
	}
	for _, kv := range rf.extra {
		name, path, ok := strings.Cut(kv, "=")
		if !ok || path == "" {
			return nil, exitcode.Invalidf("--report %q: write FORMAT=FILE, such as junit=report.xml", kv)
		}
		if path != "-" {
			path = st.Path(path)
		}
		rep, user, err := report.UserReporter(name, report.UserOptions{Dir: st.Dir, Env: st.Environ(), Stderr: st.Stderr, Mask: rf.maskJSON})
		if user {
			if err != nil {
				return nil, exitcode.Invalidf("--report %s: %w", kv, err)
			}
			out = append(out, report.Target{Reporter: rep, Path: path})
			continue
		}
		rep, err = report.Reporters.Lookup(name)
		if err != nil {
			return nil, exitcode.Invalidf("--report %s: %w; or a user reporter, exec:PROGRAM or template:FILE.tmpl", kv, err)
		}
		out = append(out, report.Target{Reporter: rep, Path: path})
	}
	return out, nil
}

// writeReports writes every report asked for.
// FILE "-" is the terminal.
func writeReports(st *State, targets []report.Target, runs []report.Run) error {
	return report.WriteTargets(targets, runs, func(path string, fill func(io.Writer) error) error {
		if path == "-" {
			return fill(st.Stdout)
		}
		return st.WriteFile(path, fill)
	})
}

// appendStepSummary appends the runs' Markdown to $GITHUB_STEP_SUMMARY when
// it is set, once per command.
func appendStepSummary(st *State, runs []report.Run) error {
	if path := st.Env["GITHUB_STEP_SUMMARY"]; path != "" && len(runs) > 0 {
		sums := make([]*report.Summary, len(runs))
		for i, r := range runs {
			sums[i] = r.Summary
		}
		if err := report.AppendGitHubStepSummary(path, sums...); err != nil {
			return fmt.Errorf("writing $GITHUB_STEP_SUMMARY: %w", err)
		}
	}
	return nil
}
