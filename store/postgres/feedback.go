package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/caliperhq/caliper/store"
	"github.com/jackc/pgx/v5/pgconn"
)

// pgForeignKeyViolation is PostgreSQL's SQLSTATE for a failed foreign key.
const pgForeignKeyViolation = "23503"

// AddFeedback stores a feedback record on a case of an experiment.
func (s *Postgres) AddFeedback(ctx context.Context, f *store.Feedback) (err error) {
	defer s.scrubErr(&err)
	if err := f.Prepare(); err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO feedback (id, experiment_id, case_id, trial, name, score, label, comment, author, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		f.ID, f.ExperimentID, []byte(f.CaseID), f.Trial, f.Name, f.Score, f.Label, f.Comment, f.Author, f.Created.UnixNano())
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == pgForeignKeyViolation {
			return fmt.Errorf("adding feedback: experiment %q: %w: list the experiments with caliper experiments list", f.ExperimentID, store.ErrNotFound)
		}
		return fmt.Errorf("adding feedback on case %q: %w", f.CaseID, err)
	}
	return nil
}

// Feedback returns the feedback records of an experiment, of one case when
// caseID is not empty, oldest first.
func (s *Postgres) Feedback(ctx context.Context, experimentID, caseID string) (out []store.Feedback, err error) {
	defer s.scrubErr(&err)
	rows, err := s.pool.Query(ctx, `SELECT id, experiment_id, case_id, trial, name, score, label, comment, author, created
		FROM feedback WHERE experiment_id = $1 AND ($2::bytea = ''::bytea OR case_id = $2::bytea) ORDER BY created, id`,
		experimentID, []byte(caseID))
	if err != nil {
		return nil, fmt.Errorf("reading the feedback of experiment %q: %w", experimentID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			f       store.Feedback
			caseB   []byte
			created int64
		)
		if err := rows.Scan(&f.ID, &f.ExperimentID, &caseB, &f.Trial, &f.Name, &f.Score, &f.Label, &f.Comment, &f.Author, &created); err != nil {
			return nil, fmt.Errorf("reading the feedback of experiment %q: %w", experimentID, err)
		}
		f.CaseID = string(caseB)
		f.Created = time.Unix(0, created).UTC()
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the feedback of experiment %q: %w", experimentID, err)
	}
	return out, nil
}
