package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/caliperhq/caliper/store"
	"modernc.org/sqlite"
)

// sqliteConstraintForeignKey is SQLite's extended result code for a failed
// foreign key constraint (SQLITE_CONSTRAINT_FOREIGNKEY).
const sqliteConstraintForeignKey = 787

// AddFeedback stores a feedback record on a case of an experiment.
func (s *SQLite) AddFeedback(ctx context.Context, f *store.Feedback) error {
	if err := f.Prepare(); err != nil {
		return err
	}
	if s.readOnly {
		return fmt.Errorf("adding feedback on case %q: %w", f.CaseID, errReadOnly)
	}
	var score any
	if f.Score != nil {
		score = *f.Score
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO feedback (id, experiment_id, case_id, trial, name, score, label, comment, author, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.ExperimentID, f.CaseID, f.Trial, f.Name, score, f.Label, f.Comment, f.Author, f.Created.UnixNano())
	if err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && se.Code() == sqliteConstraintForeignKey {
			return fmt.Errorf("adding feedback: experiment %q: %w: list the experiments with caliper experiments list", f.ExperimentID, store.ErrNotFound)
		}
		return fmt.Errorf("adding feedback on case %q: %w", f.CaseID, err)
	}
	return nil
}

// Feedback returns the feedback records of an experiment, of one case when
// caseID is not empty, oldest first.
func (s *SQLite) Feedback(ctx context.Context, experimentID, caseID string) ([]store.Feedback, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, experiment_id, case_id, trial, name, score, label, comment, author, created
		FROM feedback WHERE experiment_id = ?1 AND (?2 = '' OR case_id = ?2) ORDER BY created, id`, experimentID, caseID)
	if err != nil {
		return nil, fmt.Errorf("reading the feedback of experiment %q: %w", experimentID, err)
	}
	defer rows.Close()
	var out []store.Feedback
	for rows.Next() {
		var (
			f       store.Feedback
			score   sql.NullFloat64
			created int64
		)
		if err := rows.Scan(&f.ID, &f.ExperimentID, &f.CaseID, &f.Trial, &f.Name, &score, &f.Label, &f.Comment, &f.Author, &created); err != nil {
			return nil, fmt.Errorf("reading the feedback of experiment %q: %w", experimentID, err)
		}
		if score.Valid {
			f.Score = &score.Float64
		}
		f.Created = time.Unix(0, created).UTC()
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the feedback of experiment %q: %w", experimentID, err)
	}
	return out, nil
}
