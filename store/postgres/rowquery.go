package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/caliperhq/caliper/store"
	"github.com/jackc/pgx/v5"
)

var _ store.RowQuerier = (*Postgres)(nil)

// QueryRows filters, sorts and pages the rows of an experiment in SQL, as
// the SQLite store does: the default order walks the primary key, and
// ordering by a score or metric reads only that key of each row's JSON.
func (s *Postgres) QueryRows(ctx context.Context, experimentID string, q store.RowQuery) (_ []store.Row, _ int, err error) {
	defer s.scrubErr(&err)
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := []string{"experiment_id = " + arg(experimentID)}
	if q.Errored {
		where = append(where, "error <> ''::bytea")
	}
	if q.Below != nil {
		where = append(where, "("+jsonNumber("scores", arg(q.Score))+") < "+arg(*q.Below))
	}
	if t := strings.ToLower(strings.TrimSpace(q.Text)); t != "" {
		p := arg(t)
		// The case id is bytes, any of them: its escape encoding keeps
		// ASCII as it is.
		where = append(where, fmt.Sprintf("(strpos(lower(encode(case_id, 'escape')), %[1]s) > 0 OR strpos(lower(input), %[1]s) > 0 OR strpos(lower(output), %[1]s) > 0 OR strpos(lower(expected), %[1]s) > 0)", p))
	}
	cond := strings.Join(where, " AND ")
	// The count and the page are two queries on two connections at once.
	var total int
	counted := make(chan error, 1)
	countArgs := slices.Clone(args)
	go func() {
		counted <- s.pool.QueryRow(ctx, `SELECT count(*) FROM rows WHERE `+cond, countArgs...).Scan(&total)
	}()
	out, err := s.queryPage(ctx, experimentID, cond, args, q)
	cerr := <-counted
	switch {
	case err != nil:
		return nil, 0, err
	case cerr != nil:
		return nil, 0, fmt.Errorf("counting the rows of experiment %q: %w", experimentID, cerr)
	}
	return out, total, nil
}

// queryPage reads the page of rows the query asks for among those cond
// selects; args are cond's parameters, to which it adds its own.
func (s *Postgres) queryPage(ctx context.Context, experimentID, cond string, args []any, q store.RowQuery) ([]store.Row, error) {
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
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
		order = jsonNumber(column, arg(name)) + " " + dir + " NULLS LAST, case_id, trial"
	}
	page := " OFFSET " + arg(max(q.Offset, 0))
	if q.Limit > 0 {
		page += " LIMIT " + arg(q.Limit)
	}
	rows, err := s.pool.Query(ctx, `SELECT case_id, trial, input, expected, output, scores, metrics, error
		FROM rows WHERE `+cond+` ORDER BY `+order+page, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the rows of experiment %q: %w", experimentID, err)
	}
	defer rows.Close()
	var out []store.Row
	for rows.Next() {
		r, err := scanQueriedRow(rows)
		if err != nil {
			return nil, fmt.Errorf("reading the rows of experiment %q: %w", experimentID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the rows of experiment %q: %w", experimentID, err)
	}
	return out, nil
}

// jsonNumber is the SQL of the number under key (a parameter) of a JSON
// object kept as text in column; NULL when the key is absent or null. json
// rather than jsonb: it only finds the key, which is a third faster.
func jsonNumber(column, key string) string {
	return fmt.Sprintf("(%s::json ->> %s::text)::float8", column, key)
}

func scanQueriedRow(rows pgx.Rows) (store.Row, error) {
	var (
		r                       store.Row
		caseID, errText         []byte
		input, expected, output *string
		scores, metrics         []byte
	)
	if err := rows.Scan(&caseID, &r.Trial, &input, &expected, &output, &scores, &metrics, &errText); err != nil {
		return r, err
	}
	r.CaseID, r.Error = string(caseID), string(errText)
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
