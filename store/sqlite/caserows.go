package sqlite

import (
	"context"
	"fmt"

	"github.com/caliperhq/caliper/store"
)

// caseRowColumns are the columns scanRow reads, in its order.
const caseRowColumns = `case_id, trial, input, expected, output,
		scores, score_meta, scorer_errors, metrics, error, metadata, tags, spans, messages, stop_reason, created`

// CaseRows calls fn for each row of one case of an experiment, in trial
// order, through the primary key: the case page reads one case this way
// without scanning the experiment.
func (s *SQLite) CaseRows(ctx context.Context, experimentID, caseID string, fn func(*store.Row) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+caseRowColumns+`
		FROM rows WHERE experiment_id = ? AND case_id = ? ORDER BY trial`, experimentID, caseID)
	if err != nil {
		return fmt.Errorf("reading case %q of experiment %q: %w", caseID, experimentID, err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return fmt.Errorf("reading case %q of experiment %q: %w", caseID, experimentID, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
