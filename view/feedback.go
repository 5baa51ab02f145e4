package view

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/caliperhq/caliper/store"
)

// feedbackView is one feedback record on the case page.
type feedbackView struct {
	Name     string
	Score    float64
	HasScore bool
	Label    string
	Comment  string
	Author   string
	Trial    int
	Created  time.Time
}

// feedbackSummary is one feedback name summarised over an experiment.
type feedbackSummary struct {
	Name    string
	Records int
	Cases   int
	Scored  bool
	Mean    float64 // over cases, of each case's latest score of this name
	Labels  []string
}

// Limits of a feedback record given in the viewer.
const (
	maxFeedbackName    = 64
	maxFeedbackLabel   = 200
	maxFeedbackComment = 10_000
	maxSummaryLabels   = 10
)

// readOnlyAction is what to do to give feedback on a read-only store.
const readOnlyAction = "give it with caliper feedback EXPERIMENT CASE --score NAME=V against a writable store, or serve a writable copy (caliper store copy --from DSN --to COPY, then caliper view --store COPY)"

// feedbackStore is the store's feedback.
func (s *Server) feedbackStore() store.FeedbackStore { return s.db }

func (s *Server) caseFeedback(ctx context.Context, expID, caseID string) []feedbackView {
	fs := s.feedbackStore()
	if fs == nil {
		return nil
	}
	recs, err := fs.Feedback(ctx, expID, caseID)
	if err != nil {
		s.logf("caliper view: reading feedback: %v", err)
		return nil
	}
	out := make([]feedbackView, 0, len(recs))
	for _, f := range recs {
		v := feedbackView{Name: f.Name, Label: f.Label, Comment: f.Comment, Author: f.Author, Trial: f.Trial, Created: f.Created}
		if f.Score != nil {
			v.Score, v.HasScore = *f.Score, true
		}
		out = append(out, v)
	}
	return out
}

func (s *Server) feedbackSummary(ctx context.Context, expID string) []feedbackSummary {
	fs := s.feedbackStore()
	if fs == nil {
		return nil
	}
	recs, err := fs.Feedback(ctx, expID, "")
	if err != nil {
		s.logf("caliper view: reading feedback: %v", err)
		return nil
	}
	return summarizeFeedback(recs)
}

// summarizeFeedback groups records by name; a case's score is its latest.
func summarizeFeedback(recs []store.Feedback) []feedbackSummary {
	type acc struct {
		sum    feedbackSummary
		cases  map[string]bool
		latest map[string]float64
		labels map[string]bool
	}
	byName := map[string]*acc{}
	var names []string
	for _, f := range recs {
		a := byName[f.Name]
		if a == nil {
			a = &acc{sum: feedbackSummary{Name: f.Name}, cases: map[string]bool{}, latest: map[string]float64{}, labels: map[string]bool{}}
			byName[f.Name] = a
			names = append(names, f.Name)
		}
		a.sum.Records++
		a.cases[f.CaseID] = true
		if f.Score != nil {
			a.latest[f.CaseID] = *f.Score
		}
		if f.Label != "" && len(a.labels) < maxSummaryLabels {
			a.labels[f.Label] = true
		}
	}
	sort.Strings(names)
	out := make([]feedbackSummary, 0, len(names))
	for _, n := range names {
		a := byName[n]
		a.sum.Cases = len(a.cases)
		if len(a.latest) > 0 {
			total := 0.0
			for _, v := range a.latest {
				total += v
			}
			a.sum.Scored, a.sum.Mean = true, total/float64(len(a.latest))
		}
		a.sum.Labels = sortedKeys(a.labels)
		out = append(out, a.sum)
	}
	return out
}

// handleAddFeedback stores the review form of a case page and shows the
// case again.
func (s *Server) handleAddFeedback(w http.ResponseWriter, r *http.Request) {
	fs := s.feedbackStore()
	if fs == nil {
		http.Error(w, "caliper view: this store does not keep feedback", http.StatusNotImplemented)
		return
	}
	if s.readOnly != "" {
		http.Error(w, "caliper view: feedback cannot be saved: the store is read-only ("+s.readOnly+"): "+readOnlyAction, http.StatusConflict)
		return
	}
	e, ok := s.experiment(w, r, r.PathValue("id"))
	if !ok {
		return
	}
	caseID := r.PathValue("case")
	f, err := feedbackFromForm(r, s.reviewer)
	if err != nil {
		http.Error(w, "caliper view: "+err.Error(), http.StatusBadRequest)
		return
	}
	rows, err := CaseRows(r.Context(), s.db, e.ID, caseID)
	if err != nil {
		s.fail(w, err)
		return
	}
	if len(rows) == 0 {
		s.notFound(w, "case "+caseID+" of experiment "+e.Name)
		return
	}
	f.ExperimentID, f.CaseID = e.ID, caseID
	if err := fs.AddFeedback(r.Context(), f); err != nil {
		s.fail(w, err)
		return
	}
	http.Redirect(w, r, caseURL(e.ID, caseID)+"#review", http.StatusSeeOther)
}

// feedbackFromForm reads a feedback record from the review form.
func feedbackFromForm(r *http.Request, reviewer string) (*store.Feedback, error) {
	f := &store.Feedback{
		Name:    strings.TrimSpace(r.PostFormValue("name")),
		Label:   strings.TrimSpace(r.PostFormValue("label")),
		Comment: strings.TrimSpace(r.PostFormValue("comment")),
		Author:  strings.TrimSpace(r.PostFormValue("author")),
	}
	if f.Author == "" {
		f.Author = reviewer
	}
	if f.Name == "" {
		f.Name = "human"
	}
	if v := strings.TrimSpace(r.PostFormValue("score")); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 || x > 1 {
			return nil, fmt.Errorf("score %q is not a number from 0 to 1: give e.g. 0, 0.5 or 1", v)
		}
		f.Score = &x
	}
	if v := r.PostFormValue("trial"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("trial %q is not a trial number", v)
		}
		f.Trial = n
	}
	switch {
	case f.Score == nil && f.Label == "" && f.Comment == "":
		return nil, errors.New("the feedback is empty: give a score, a label or a comment")
	case len(f.Name) > maxFeedbackName:
		return nil, fmt.Errorf("the score name is longer than %d characters", maxFeedbackName)
	case len(f.Label) > maxFeedbackLabel:
		return nil, fmt.Errorf("the label is longer than %d characters", maxFeedbackLabel)
	case len(f.Comment) > maxFeedbackComment:
		return nil, fmt.Errorf("the comment is longer than %d characters", maxFeedbackComment)
	}
	return f, nil
}

// handleExportFeedback writes an experiment's feedback as JSON Lines.
func (s *Server) handleExportFeedback(w http.ResponseWriter, r *http.Request) {
	fs := s.feedbackStore()
	if fs == nil {
		http.Error(w, "caliper view: this store does not keep feedback", http.StatusNotImplemented)
		return
	}
	e, ok := s.experiment(w, r, r.PathValue("id"))
	if !ok {
		return
	}
	recs, err := fs.Feedback(r.Context(), e.ID, "")
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="feedback.jsonl"`)
	enc := json.NewEncoder(w)
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			return
		}
	}
}
