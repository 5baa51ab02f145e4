package store

import "context"

// RowQuery selects, orders and pages the rows of one experiment.
type RowQuery struct {
	Errored bool   // only rows whose task failed
	Text    string // only rows whose case id, input, output or expected holds it, ignoring ASCII case
	// Score and Below keep only the rows whose score Score is present and
	// below *Below.
	Score string
	Below *float64
	// SortScore or SortMetric orders the rows by that score or metric,
	// rows without it last; (case_id, trial) otherwise, and to break ties.
	SortScore  string
	SortMetric string
	Desc       bool
	Offset     int
	Limit      int // all when 0 or less
}

// RowQuerier is a store that filters, sorts and pages an experiment's rows
// itself, without streaming them all: caliper view's cases page uses it
// when the store has it. The rows it returns have no spans or score
// metadata; total counts every row the filters keep.
type RowQuerier interface {
	QueryRows(ctx context.Context, experimentID string, q RowQuery) (rows []Row, total int, err error)
}

// CaseReader is a store that reads the rows of one case of an experiment
// without scanning the others: the viewer's case page and caliper feedback
// use it when the store has it.
type CaseReader interface {
	CaseRows(ctx context.Context, experimentID, caseID string, fn func(*Row) error) error
}
