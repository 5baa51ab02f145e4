package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/caliperhq/caliper/store"
)

// pgUniqueViolation is PostgreSQL's SQLSTATE for a UNIQUE constraint failure.
const pgUniqueViolation = "23505"

// experimentColumns are the columns scanExperiment reads, in its order, of
// experiments aliased e; the row count comes last.
const experimentColumns = `e.id, e.name, e.eval, e.created, e.updated, e.status, e.git_commit, e.git_branch,
	e.git_dirty, e.git_tag, e.git_author, e.git_commit_time, e.parameters, e.spec_hash, e.metadata, e.summary,
	e.dataset, e.dataset_version, e.base, e.reduction, e.about,
	(SELECT count(*) FROM rows r WHERE r.experiment_id = e.id)`

// CreateExperiment stores a new experiment. It fills ID with a new
// time-ordered UUID, Created and Updated with the current time and Status with
// StatusRunning when they are empty. A name already used in the same eval is
// an error wrapping ErrNameTaken.
func (s *Postgres) CreateExperiment(ctx context.Context, e *store.Experiment) (err error) {
	defer s.scrubErr(&err)
	return createExperiment(ctx, s.pool, e)
}

// execer runs a statement: the pool or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// createExperiment is CreateExperiment on the pool or in a transaction.
func createExperiment(ctx context.Context, ex execer, e *store.Experiment) (err error) {
	if e.Eval == "" {
		return errors.New("creating experiment: the eval name is empty")
	}
	if e.Name == "" {
		return fmt.Errorf("creating experiment of eval %q: the experiment name is empty", e.Eval)
	}
	if e.Status == "" {
		e.Status = store.StatusRunning
	}
	if err := checkStatus(e.Status); err != nil {
		return fmt.Errorf("creating experiment %q of eval %q: %w", e.Name, e.Eval, err)
	}
	if e.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("creating experiment %q of eval %q: making its id: %w", e.Name, e.Eval, err)
		}
		e.ID = id.String()
	}
	now := time.Now().UTC().Round(0)
	if e.Created.IsZero() {
		e.Created = now
	}
	if e.Updated.IsZero() {
		e.Updated = e.Created
	}
	if e.DatasetVersion < 0 || e.DatasetVersion > 0 && e.Dataset == "" {
		return fmt.Errorf("creating experiment %q of eval %q: dataset version %d without a dataset name: set both, or neither",
			e.Name, e.Eval, e.DatasetVersion)
	}
	var reduction []byte
	if e.Reduction != nil {
		if reduction, err = json.Marshal(e.Reduction); err != nil {
			return fmt.Errorf("creating experiment %q of eval %q: encoding its reduction: %w", e.Name, e.Eval, err)
		}
	}
	var about []byte
	if a := store.AboutOf(e); !a.IsZero() {
		if about, err = json.Marshal(a); err != nil {
			return fmt.Errorf("creating experiment %q of eval %q: encoding its description, tags and origin: %w", e.Name, e.Eval, err)
		}
	}
	_, err = ex.Exec(ctx, `INSERT INTO experiments (id, name, eval, created, updated, status,
		git_commit, git_branch, git_dirty, git_tag, git_author, git_commit_time,
		parameters, spec_hash, metadata, summary, dataset, dataset_version, base, reduction, about)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
		e.ID, e.Name, e.Eval, e.Created.UnixNano(), e.Updated.UnixNano(), e.Status,
		e.Git.Commit, e.Git.Branch, e.Git.Dirty, e.Git.Tag, e.Git.Author, unixNano(e.Git.CommitTime),
		jsonText(e.Parameters), e.SpecHash, jsonText(e.Metadata), jsonText(e.Summary),
		e.Dataset, e.DatasetVersion, e.Base, jsonText(reduction), jsonText(about))
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == pgUniqueViolation && pe.ConstraintName == "experiments_eval_name" {
			return fmt.Errorf("creating experiment: eval %q already has an experiment named %q: choose another name with the eval's \"experiment\" key, or delete the old one: %w",
				e.Eval, e.Name, store.ErrNameTaken)
		}
		return fmt.Errorf("creating experiment %q of eval %q: %w", e.Name, e.Eval, err)
	}
	return nil
}

// UpdateExperiment sets the status and summary of experiment id and sets its
// Updated time to now. An empty status or a nil summary keeps the stored one.
func (s *Postgres) UpdateExperiment(ctx context.Context, id, status string, summary json.RawMessage) (err error) {
	defer s.scrubErr(&err)
	if status != "" {
		if err := checkStatus(status); err != nil {
			return fmt.Errorf("updating experiment %q: %w", id, err)
		}
	}
	tag, err := s.pool.Exec(ctx, `UPDATE experiments SET
		status = COALESCE(NULLIF($1, ''), status), summary = COALESCE($2, summary), updated = $3
		WHERE id = $4`, status, jsonText(summary), time.Now().UnixNano(), id)
	if err != nil {
		return fmt.Errorf("updating experiment %q: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("updating experiment %q: %w", id, store.ErrNotFound)
	}
	return nil
}

// Experiment finds an experiment by id, then by name. An empty eval matches
// any eval; a name that several evals use is then an error asking for the
// eval. Not finding it is an error wrapping ErrNotFound.
func (s *Postgres) Experiment(ctx context.Context, eval, nameOrID string) (_ *store.Experiment, err error) {
	defer s.scrubErr(&err)
	e, err := scanExperiment(s.pool.QueryRow(ctx, `SELECT `+experimentColumns+`
		FROM experiments e WHERE id = $1 AND ($2 = '' OR eval = $2)`, nameOrID, eval))
	if err == nil {
		return e, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("finding experiment %q: %w", nameOrID, err)
	}
	found, err := s.queryExperiments(ctx, `SELECT `+experimentColumns+`
		FROM experiments e WHERE name = $1 AND ($2 = '' OR eval = $2)
		ORDER BY created DESC, id DESC LIMIT 2`, nameOrID, eval)
	if err != nil {
		return nil, fmt.Errorf("finding experiment %q: %w", nameOrID, err)
	}
	switch {
	case len(found) == 1:
		return &found[0], nil
	case len(found) > 1:
		return nil, fmt.Errorf("finding experiment %q: evals %q and %q both have an experiment of that name: name the eval, or use the id",
			nameOrID, found[0].Eval, found[1].Eval)
	case eval == "":
		return nil, fmt.Errorf("finding experiment %q: %w: no experiment has that id or name; list them with \"caliper experiments list\"",
			nameOrID, store.ErrNotFound)
	default:
		return nil, fmt.Errorf("finding experiment %q of eval %q: %w: no experiment of that eval has that id or name; list them with \"caliper experiments list\"",
			nameOrID, eval, store.ErrNotFound)
	}
}

// Experiments lists experiments, newest first, with their row counts.
func (s *Postgres) Experiments(ctx context.Context, opts store.ListOptions) (_ []store.Experiment, err error) {
	defer s.scrubErr(&err)
	var limit *int // NULL: no limit
	if opts.Limit > 0 {
		limit = &opts.Limit
	}
	list, err := s.queryExperiments(ctx, `SELECT `+experimentColumns+`
		FROM experiments e WHERE ($1 = '' OR eval = $1)
		ORDER BY created DESC, id DESC LIMIT $2`, opts.Eval, limit)
	if err != nil {
		return nil, fmt.Errorf("listing experiments: %w", err)
	}
	return list, nil
}

// queryExperiments runs a query of experimentColumns and reads every result.
func (s *Postgres) queryExperiments(ctx context.Context, sql string, args ...any) ([]store.Experiment, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []store.Experiment
	for rows.Next() {
		e, err := scanExperiment(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, *e)
	}
	return list, rows.Err()
}

// DeleteExperiment deletes experiment id and its rows in one transaction. The
// experiment goes first: that waits for the batches being written (they hold
// a lock on it), and the rows are then deleted with those batches' rows, which
// the next statement sees.
func (s *Postgres) DeleteExperiment(ctx context.Context, id string) (err error) {
	defer s.scrubErr(&err)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM experiments WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("deleting experiment %q: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("deleting experiment %q: %w", id, store.ErrNotFound)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM rows WHERE experiment_id = $1`, id); err != nil {
			return fmt.Errorf("deleting the rows of experiment %q: %w", id, err)
		}
		return nil
	})
}

// scanExperiment reads the experimentColumns of one result row.
func scanExperiment(sc pgx.Row) (*store.Experiment, error) {
	var (
		e                            store.Experiment
		created, updated, commitTime int64
		params, metadata, summary    *string
		reduction, about             []byte
	)
	err := sc.Scan(&e.ID, &e.Name, &e.Eval, &created, &updated, &e.Status,
		&e.Git.Commit, &e.Git.Branch, &e.Git.Dirty, &e.Git.Tag, &e.Git.Author, &commitTime,
		&params, &e.SpecHash, &metadata, &summary, &e.Dataset, &e.DatasetVersion, &e.Base, &reduction, &about, &e.Rows)
	if err != nil {
		return nil, err
	}
	if len(reduction) > 0 {
		e.Reduction = new(store.Reduction)
		if err := json.Unmarshal(reduction, e.Reduction); err != nil {
			return nil, fmt.Errorf("experiment %q: reduction: %w", e.ID, err)
		}
	}
	if len(about) > 0 {
		var a store.About
		if err := json.Unmarshal(about, &a); err != nil {
			return nil, fmt.Errorf("experiment %q: about: %w", e.ID, err)
		}
		a.Apply(&e)
	}
	e.Created = time.Unix(0, created).UTC()
	e.Updated = time.Unix(0, updated).UTC()
	e.Git.CommitTime = fromUnixNano(commitTime)
	e.Parameters = rawJSON(params)
	e.Metadata = rawJSON(metadata)
	e.Summary = rawJSON(summary)
	return &e, nil
}

// LatestCompleted finds the base of an experiment by git ancestry: among the
// completed experiments of eval whose git commit is one of commits, given
// newest first (HEAD's merge-base, then its first-parent ancestors), those at
// the earliest commit in the list that has any, and among them the newest.
// Empty commits are ignored. Finding none is an error wrapping ErrNotFound.
func (s *Postgres) LatestCompleted(ctx context.Context, eval string, commits []string) (_ *store.Experiment, err error) {
	defer s.scrubErr(&err)
	list := make([]string, 0, len(commits))
	for _, c := range commits {
		if c != "" {
			list = append(list, c)
		}
	}
	if len(list) > 0 {
		// WITH ORDINALITY numbers the commits in the order given; the
		// (eval, git_commit) index finds each one's experiments.
		e, err := scanExperiment(s.pool.QueryRow(ctx, `SELECT `+experimentColumns+`
			FROM experiments e WHERE e.id = (
				SELECT x.id FROM unnest($2::text[]) WITH ORDINALITY AS c (commit, pos)
				JOIN experiments x ON x.eval = $1 AND x.git_commit = c.commit AND x.status = $3
				ORDER BY c.pos, x.created DESC, x.id DESC LIMIT 1)`, eval, list, store.StatusCompleted))
		if err == nil {
			return e, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("finding the base experiment of eval %q: %w", eval, err)
		}
	}
	return nil, fmt.Errorf("finding the base experiment of eval %q: %w: no completed experiment of that eval ran at any of the %d commits searched: run the eval on the base branch first, or name a base experiment",
		eval, store.ErrNotFound, len(list))
}

// unixNano is the column value of a time that may be zero: 0 for the zero
// time, whose UnixNano is undefined.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromUnixNano reads what unixNano wrote, in UTC.
func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// checkStatus accepts the five experiment statuses.
func checkStatus(status string) error {
	switch status {
	case store.StatusRunning, store.StatusCompleted, store.StatusInterrupted, store.StatusFailed, store.StatusStopped:
		return nil
	}
	return fmt.Errorf("unknown status %q: want %s, %s, %s, %s or %s",
		status, store.StatusRunning, store.StatusCompleted, store.StatusInterrupted, store.StatusFailed, store.StatusStopped)
}

// jsonText is the column value of an encoded JSON value: the text, or NULL
// when it is empty. Bytes that are not UTF-8, which a TEXT column refuses,
// become U+FFFD, as encoding/json decodes them.
func jsonText(b []byte) *string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return &s
}

// rawJSON is a JSON column read back: nil for NULL.
func rawJSON(s *string) json.RawMessage {
	if s == nil || *s == "" {
		return nil
	}
	return json.RawMessage(*s)
}
