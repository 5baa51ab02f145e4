package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/caliperhq/caliper/store"
)

// QueryRows filters, sorts and pages the rows of an experiment in SQL: the
// default order walks the primary key, and ordering by a score or metric
// reads only that value of each row.
func (s *SQLite) QueryRows(ctx context.Context, experimentID string, q store.RowQuery) ([]store.Row, int, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("?%d", len(args))
	}
	where := []string{"experiment_id = " + arg(experimentID)}
	if q.Errored {
		where = append(where, "error != ''")
	}
	if q.Below != nil {
		where = append(where, "json_extract(scores, "+arg(jsonPath(q.Score))+") < "+arg(*q.Below))
	}
	if t := strings.ToLower(strings.TrimSpace(q.Text)); t != "" {
		p := arg(t)
		where = append(where, fmt.Sprintf("(instr(lower(case_id), %[1]s) OR instr(lower(input), %[1]s) OR instr(lower(output), %[1]s) OR instr(lower(expected), %[1]s))", p))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM rows WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("counting the rows of experiment %q: %w", experimentID, err)
	}
	order := "case_id, trial"
	if q.Desc {
		order = "case_id DESC, trial DESC"
	}
	column, name := "scores", q.SortScore
	if q.SortMetric != "" {
		column, name = "metrics", q.SortMetric
	}
	if name != "" {
		dir := "ASC"
		if q.Desc {
			dir = "DESC"
		}
		key := fmt.Sprintf("json_extract(%s, %s)", column, arg(jsonPath(name)))
		order = key + " " + dir + " NULLS LAST, case_id, trial"
	}
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	page := fmt.Sprintf(" LIMIT %s OFFSET %s", arg(limit), arg(max(q.Offset, 0)))
	rows, err := s.db.QueryContext(ctx, `SELECT case_id, trial, input, expected, output, scores, metrics, error
		FROM rows WHERE `+cond+` ORDER BY `+order+page, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the rows of experiment %q: %w", experimentID, err)
	}
	defer rows.Close()
	var out []store.Row
	for rows.Next() {
		r, err := scanQueriedRow(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("reading the rows of experiment %q: %w", experimentID, err)
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

func scanQueriedRow(rows *sql.Rows) (store.Row, error) {
	var (
		r                       store.Row
		input, expected, output []byte
		scores, metrics         sql.RawBytes
	)
	if err := rows.Scan(&r.CaseID, &r.Trial, &input, &expected, &output, &scores, &metrics, &r.Error); err != nil {
		return r, err
	}
	r.Input, r.Expected, r.Output = rawJSON(input), rawJSON(expected), rawJSON(output)
	var err error
	if r.Scores, err = store.DecodeFloats(scores); err != nil {
		return r, fmt.Errorf("case %q trial %d: scores: %w", r.CaseID, r.Trial, err)
	}
	if r.Metrics, err = store.DecodeFloats(metrics); err != nil {
		return r, fmt.Errorf("case %q trial %d: metrics: %w", r.CaseID, r.Trial, err)
	}
	return r, nil
}

// jsonPath is the SQLite JSON path of an object's key, quoted.
func jsonPath(key string) string {
	return `$."` + strings.ReplaceAll(strings.ReplaceAll(key, `\`, `\\`), `"`, `\"`) + `"`
}
