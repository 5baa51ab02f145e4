package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/caliperhq/caliper/store"
	"time"

	"github.com/google/uuid"
	"modernc.org/sqlite"
)

// sqliteConstraintUnique is SQLite's extended result code for a UNIQUE
// constraint failure (SQLITE_CONSTRAINT_UNIQUE).
const sqliteConstraintUnique = 2067

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
func (s *SQLite) CreateExperiment(ctx context.Context, e *store.Experiment) error {
	return createExperiment(ctx, s.db, e)
}

// execer runs a statement: the database or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// createExperiment is CreateExperiment on the database or in a transaction.
func createExperiment(ctx context.Context, ex execer, e *store.Experiment) error {
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
	var reduction any
	if e.Reduction != nil {
		b, err := json.Marshal(e.Reduction)
		if err != nil {
			return fmt.Errorf("creating experiment %q of eval %q: encoding its reduction: %w", e.Name, e.Eval, err)
		}
		reduction = string(b)
	}
	var about any
	if a := store.AboutOf(e); !a.IsZero() {
		about = string(mustMarshal(a))
	}
	_, err := ex.ExecContext(ctx, `INSERT INTO experiments (id, name, eval, created, updated, status,
		git_commit, git_branch, git_dirty, git_tag, git_author, git_commit_time,
		parameters, spec_hash, metadata, summary, dataset, dataset_version, base, reduction, about)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.Name, e.Eval, e.Created.UnixNano(), e.Updated.UnixNano(), e.Status,
		e.Git.Commit, e.Git.Branch, e.Git.Dirty, e.Git.Tag, e.Git.Author, unixNano(e.Git.CommitTime),
		jsonText(e.Parameters), e.SpecHash, jsonText(e.Metadata), jsonText(e.Summary),
		e.Dataset, e.DatasetVersion, e.Base, reduction, about)
	if err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && se.Code() == sqliteConstraintUnique {
			return fmt.Errorf("creating experiment: eval %q already has an experiment named %q: choose another name with the eval's \"experiment\" key, or delete the old one: %w",
				e.Eval, e.Name, store.ErrNameTaken)
		}
		return fmt.Errorf("creating experiment %q of eval %q: %w", e.Name, e.Eval, err)
	}
	return nil
}

// UpdateExperiment sets the status and summary of experiment id and sets its
// Updated time to now. An empty status or a nil summary keeps the stored one.
func (s *SQLite) UpdateExperiment(ctx context.Context, id, status string, summary json.RawMessage) error {
	if status != "" {
		if err := checkStatus(status); err != nil {
			return fmt.Errorf("updating experiment %q: %w", id, err)
		}
	}
	res, err := s.db.ExecContext(ctx, `UPDATE experiments SET
		status = COALESCE(NULLIF(?, ''), status), summary = COALESCE(?, summary), updated = ?
		WHERE id = ?`, status, jsonText(summary), time.Now().UnixNano(), id)
	if err != nil {
		return fmt.Errorf("updating experiment %q: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("updating experiment %q: %w", id, store.ErrNotFound)
	}
	return nil
}

// Experiment finds an experiment by id, then by name. An empty eval matches
// any eval; a name that several evals use is then an error asking for the
// eval. Not finding it is an error wrapping ErrNotFound.
func (s *SQLite) Experiment(ctx context.Context, eval, nameOrID string) (*store.Experiment, error) {
	e, err := scanExperiment(s.db.QueryRowContext(ctx, `SELECT `+experimentColumns+`
		FROM experiments e WHERE id = ?1 AND (?2 = '' OR eval = ?2)`, nameOrID, eval))
	if err == nil {
		return e, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("finding experiment %q: %w", nameOrID, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+experimentColumns+`
		FROM experiments e WHERE name = ?1 AND (?2 = '' OR eval = ?2)
		ORDER BY created DESC, id DESC LIMIT 2`, nameOrID, eval)
	if err != nil {
		return nil, fmt.Errorf("finding experiment %q: %w", nameOrID, err)
	}
	defer rows.Close()
	var found []*store.Experiment
	for rows.Next() {
		e, err := scanExperiment(rows)
		if err != nil {
			return nil, fmt.Errorf("finding experiment %q: %w", nameOrID, err)
		}
		found = append(found, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("finding experiment %q: %w", nameOrID, err)
	}
	switch {
	case len(found) == 1:
		return found[0], nil
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
func (s *SQLite) Experiments(ctx context.Context, opts store.ListOptions) ([]store.Experiment, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = -1 // no limit in SQLite
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+experimentColumns+`
		FROM experiments e WHERE (?1 = '' OR eval = ?1)
		ORDER BY created DESC, id DESC LIMIT ?2`, opts.Eval, limit)
	if err != nil {
		return nil, fmt.Errorf("listing experiments: %w", err)
	}
	defer rows.Close()
	var list []store.Experiment
	for rows.Next() {
		e, err := scanExperiment(rows)
		if err != nil {
			return nil, fmt.Errorf("listing experiments: %w", err)
		}
		list = append(list, *e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing experiments: %w", err)
	}
	return list, nil
}

// DeleteExperiment deletes experiment id and its rows in one transaction.
func (s *SQLite) DeleteExperiment(ctx context.Context, id string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("deleting experiment %q: %w", id, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `DELETE FROM rows WHERE experiment_id = ?`, id); err != nil {
		return fmt.Errorf("deleting the rows of experiment %q: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM feedback WHERE experiment_id = ?`, id); err != nil {
		return fmt.Errorf("deleting the feedback of experiment %q: %w", id, err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM experiments WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("deleting experiment %q: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("deleting experiment %q: %w", id, store.ErrNotFound)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("deleting experiment %q: %w", id, err)
	}
	return nil
}

// scanExperiment reads the experimentColumns of one result row.
func scanExperiment(sc interface{ Scan(...any) error }) (*store.Experiment, error) {
	var (
		e                            store.Experiment
		created, updated, commitTime int64
		params, metadata, summary    []byte
		reduction, about             []byte
	)
	err := sc.Scan(&e.ID, &e.Name, &e.Eval, &created, &updated, &e.Status,
		&e.Git.Commit, &e.Git.Branch, &e.Git.Dirty, &e.Git.Tag, &e.Git.Author, &commitTime,
		&params, &e.SpecHash, &metadata, &summary, &e.Dataset, &e.DatasetVersion, &e.Base, &reduction, &about, &e.Rows)
	if err != nil {
		return nil, err
	}
	e.Created = time.Unix(0, created).UTC()
	e.Updated = time.Unix(0, updated).UTC()
	e.Git.CommitTime = fromUnixNano(commitTime)
	e.Parameters = rawJSON(params)
	e.Metadata = rawJSON(metadata)
	e.Summary = rawJSON(summary)
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
	return &e, nil
}

// mustMarshal encodes a value that always encodes.
func mustMarshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// LatestCompleted finds the base of an experiment by git ancestry: among the
// completed experiments of eval whose git commit is one of commits, given
// newest first (HEAD's merge-base, then its first-parent ancestors), those at
// the earliest commit in the list that has any, and among them the newest.
// Empty commits are ignored. Finding none is an error wrapping ErrNotFound.
func (s *SQLite) LatestCompleted(ctx context.Context, eval string, commits []string) (*store.Experiment, error) {
	list := make([]string, 0, len(commits))
	for _, c := range commits {
		if c != "" {
			list = append(list, c)
		}
	}
	if len(list) > 0 {
		// json_each gives each commit its position (key) in the list, so
		// one query orders by it, however long the list is. CROSS JOIN
		// makes SQLite walk the list and look each commit up in the
		// (eval, git_commit) index; the row count is computed for the one
		// experiment found only.
		positions, err := json.Marshal(list)
		if err != nil {
			return nil, fmt.Errorf("finding the base experiment of eval %q: %w", eval, err)
		}
		e, err := scanExperiment(s.db.QueryRowContext(ctx, `SELECT `+experimentColumns+`
			FROM experiments e WHERE e.id = (
				SELECT x.id FROM json_each(?2) c CROSS JOIN experiments x
				WHERE x.eval = ?1 AND x.git_commit = c.value AND x.status = ?3
				ORDER BY c.key, x.created DESC, x.id DESC LIMIT 1)`, eval, string(positions), store.StatusCompleted))
		if err == nil {
			return e, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
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

// checkStatus accepts the four experiment statuses.
func checkStatus(status string) error {
	switch status {
	case store.StatusRunning, store.StatusCompleted, store.StatusInterrupted, store.StatusFailed, store.StatusStopped:
		return nil
	}
	return fmt.Errorf("unknown status %q: want %s, %s, %s, %s or %s",
		status, store.StatusRunning, store.StatusCompleted, store.StatusInterrupted, store.StatusFailed, store.StatusStopped)
}

// jsonText is the column value of an encoded JSON value: TEXT, so that
// SQLite's JSON functions read it as text JSON, or NULL when it is empty.
func jsonText(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// rawJSON is a JSON column read back: nil for NULL.
func rawJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}
