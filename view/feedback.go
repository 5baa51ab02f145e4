package view

import (
	"context"
	"net/http"
	"time"
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
	Mean    float64
	Labels  []string
}

func (s *Server) caseFeedback(ctx context.Context, expID, caseID string) []feedbackView { return nil }

func (s *Server) feedbackSummary(ctx context.Context, expID string) []feedbackSummary { return nil }

func (s *Server) handleAddFeedback(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not yet", http.StatusNotImplemented)
}

func (s *Server) handleExportFeedback(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not yet", http.StatusNotImplemented)
}

