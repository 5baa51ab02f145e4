package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/store"
	"github.com/caliperhq/caliper/view"
	"github.com/spf13/cobra"
)

// feedbackFlags are the flags of caliper feedback.
type feedbackFlags struct {
	eval    string
	scores  []string
	label   string
	comment string
	author  string
	trial   int
}

func newFeedbackCommand(st *State, storeFlag *string) *cobra.Command {
	var fl feedbackFlags
	cmd := &cobra.Command{
		Use:   "feedback EXPERIMENT [CASE] [--score NAME=V]... [--label L] [--comment TEXT]",
		Short: "Record human review of a case, or export an experiment's feedback",
		Long: `With a CASE, record human feedback on it, as caliper view's review form does:
each --score NAME=V (V from 0 to 1) is a named human score, and --label and
--comment go with the first. Without a CASE, print every feedback record of the
experiment as JSON Lines.`,
		Example: `  caliper feedback main case-12 --score helpful=1 --comment "clear and correct"
  caliper feedback main case-40 --label wrong-tone
  caliper feedback main > feedback.jsonl`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd, st, *storeFlag, func(db store.Store) error {
				fs, ok := db.(store.FeedbackStore)
				if !ok {
					return exitcode.With(ExitRun, errors.New("this store does not keep feedback"))
				}
				e, err := findExperiment(cmd.Context(), db, fl.eval, args[0])
				if err != nil {
					return err
				}
				if len(args) == 1 {
					return exportFeedback(cmd, st, fs, e)
				}
				return addFeedback(cmd, st, db, fs, e, args[1], fl)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.eval, "eval", "", "the eval, when several have an experiment of that name")
	f.StringArrayVar(&fl.scores, "score", nil, "a human score NAME=V, V from 0 to 1 (repeatable)")
	f.StringVar(&fl.label, "label", "", "a label for the case, e.g. wrong-tone")
	f.StringVar(&fl.comment, "comment", "", "a comment on the case")
	f.StringVar(&fl.author, "author", "", "who gives the feedback (default: git user.name or $USER)")
	f.IntVar(&fl.trial, "trial", 0, "the trial the feedback is about")
	return cmd
}

func exportFeedback(cmd *cobra.Command, st *State, fs store.FeedbackStore, e *store.Experiment) error {
	recs, err := fs.Feedback(cmd.Context(), e.ID, "")
	if err != nil {
		return exitcode.With(ExitRun, err)
	}
	enc := json.NewEncoder(st.Stdout)
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			return exitcode.With(ExitRun, err)
		}
	}
	return nil
}

func addFeedback(cmd *cobra.Command, st *State, db store.Store, fs store.FeedbackStore, e *store.Experiment, caseID string, fl feedbackFlags) error {
	recs, err := feedbackRecords(fl)
	if err != nil {
		return exitcode.With(ExitInvalid, err)
	}
	if !hasCase(cmd, db, e, caseID) {
		return exitcode.With(ExitInvalid, fmt.Errorf("experiment %s has no case %q: see its cases with caliper experiments export %s", e.Name, caseID, e.Name))
	}
	author := fl.author
	if author == "" {
		author = reviewerName(st)
	}
	for i := range recs {
		r := &recs[i]
		r.ExperimentID, r.CaseID, r.Trial, r.Author = e.ID, caseID, fl.trial, author
		if err := fs.AddFeedback(cmd.Context(), r); err != nil {
			return exitcode.With(ExitRun, err)
		}
		fmt.Fprintf(st.Stdout, "recorded %s on %s of %s (%s)\n", describeFeedback(r), caseID, e.Name, e.Eval)
	}
	return nil
}

// feedbackRecords turns the flags into records: one per --score, the label
// and comment on the first (or on a record named "human" without scores).
func feedbackRecords(fl feedbackFlags) ([]store.Feedback, error) {
	var recs []store.Feedback
	for _, s := range fl.scores {
		name, val, ok := strings.Cut(s, "=")
		name = strings.TrimSpace(name)
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if !ok || name == "" || err != nil || v < 0 || v > 1 {
			return nil, fmt.Errorf("--score %q: give NAME=V with V from 0 to 1, e.g. --score helpful=1", s)
		}
		recs = append(recs, store.Feedback{Name: name, Score: &v})
	}
	if fl.label == "" && fl.comment == "" {
		if len(recs) == 0 {
			return nil, errors.New("no feedback given: add --score NAME=V, --label or --comment")
		}
		return recs, nil
	}
	if len(recs) == 0 {
		recs = append(recs, store.Feedback{Name: "human"})
	}
	recs[0].Label, recs[0].Comment = fl.label, fl.comment
	return recs, nil
}

func hasCase(cmd *cobra.Command, db store.Store, e *store.Experiment, caseID string) bool {
	rows, err := view.CaseRows(cmd.Context(), db, e.ID, caseID)
	return err == nil && len(rows) > 0
}

func describeFeedback(f *store.Feedback) string {
	var parts []string
	if f.Score != nil {
		parts = append(parts, fmt.Sprintf("%s=%g", f.Name, *f.Score))
	}
	if f.Label != "" {
		parts = append(parts, "label "+strconv.Quote(f.Label))
	}
	if f.Comment != "" {
		parts = append(parts, "a comment")
	}
	return strings.Join(parts, ", ")
}
