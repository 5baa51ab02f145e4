package store

// RowSource streams the rows of one experiment in (case_id, trial) order, as
// Store.Rows does: it calls fn once per row and returns the first error fn
// returns, as it is. Rows of one case must be adjacent and case ids must
// ascend in byte order (SQLite's BINARY collation, PostgreSQL's "C"). A
// store's Rows bound to an experiment is one:
//
//	func(fn func(*Row) error) error { return db.Rows(ctx, id, fn) }
//
// It is the one type the comparison, the reporters and baselines read rows
// through.
type RowSource func(fn func(*Row) error) error
