package store

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"strconv"
)

// Store keeps experiments and their rows, versioned datasets and the response
// cache: what a backend provides. Open returns the Store of a DSN's backend;
// store/storetest checks a backend against the behaviour the rest of caliper
// relies on.
type Store interface {
	DatasetStore
	FeedbackStore
	AttachmentStore
	ShardStore
	// CreateExperiment stores a new experiment, filling its ID, Created,
	// Updated and Status when they are empty. A name already used in the same
	// eval is an error wrapping ErrNameTaken.
	CreateExperiment(ctx context.Context, e *Experiment) error
	// UpdateExperiment sets the status and summary of an experiment and
	// touches its Updated time. An empty status or a nil summary keeps the
	// stored one.
	UpdateExperiment(ctx context.Context, id, status string, summary json.RawMessage) error
	// Experiment finds an experiment by id, then by name. An empty eval
	// matches any eval. Not finding it is an error wrapping ErrNotFound.
	Experiment(ctx context.Context, eval, nameOrID string) (*Experiment, error)
	// Experiments lists experiments, newest first, with their row counts.
	Experiments(ctx context.Context, opts ListOptions) ([]Experiment, error)
	// Rows calls fn for each row of an experiment in (case_id, trial) order,
	// streaming them from the database. fn may keep the row. An error from
	// fn stops the iteration and is returned.
	Rows(ctx context.Context, experimentID string, fn func(*Row) error) error
	// DoneKeys returns the Key of every stored row of an experiment, so a
	// resumed run can skip them.
	DoneKeys(ctx context.Context, experimentID string) (map[string]struct{}, error)
	// LatestCompleted finds the base of an experiment by git ancestry: the
	// newest completed experiment of eval at the earliest of commits (newest
	// first) that has any. Finding none is an error wrapping ErrNotFound.
	LatestCompleted(ctx context.Context, eval string, commits []string) (*Experiment, error)
	// RowCount returns how many rows an experiment has stored.
	RowCount(ctx context.Context, id string) (int, error)
	// CopyRows copies the rows of one experiment that keep accepts (all when
	// keep is nil) into another, and returns how many it copied.
	CopyRows(ctx context.Context, fromID, toID string, keep func(*Row) bool) (int, error)
	// DeleteExperiment deletes an experiment and its rows.
	DeleteExperiment(ctx context.Context, id string) error
	// NewWriter starts the writer of an experiment's rows (see NewWriter).
	// The experiment must exist when the first batch is committed.
	NewWriter(experimentID string, opts WriterOptions) *Writer
	// Cache returns the response cache of model calls kept in the store. It
	// lives as long as the store.
	Cache() Cache
	// String names the store for messages, its password redacted.
	String() string
	// Close releases the store, closing the writers still open.
	Close() error
}

// Cache is the response cache of model calls: values by key, where the key is
// a digest of the full request. It is safe for concurrent use.
type Cache interface {
	// Get returns the value stored under key, and whether there was one. A
	// stored empty value is a non-nil empty slice.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Put stores value under key, replacing what was there.
	Put(ctx context.Context, key string, value []byte) error
	// Clear deletes every cached value and returns how many there were.
	Clear(ctx context.Context) (int, error)
}

// DatasetStore keeps versioned datasets: every push that changes a dataset
// makes a new version, and every version stays readable. Every Store is one.
type DatasetStore interface {
	// PushDataset inserts or updates the rows of dataset name by id, deleting
	// the rows missing from the push when deleteMissing is set, and makes a
	// new version when anything changed.
	PushDataset(ctx context.Context, name string, rows iter.Seq2[DatasetRow, error], deleteMissing bool) (PushResult, error)
	// Datasets lists the datasets by name.
	Datasets(ctx context.Context) ([]DatasetInfo, error)
	// DatasetVersions lists the versions of dataset name, newest first.
	DatasetVersions(ctx context.Context, name string) ([]DatasetVersion, error)
	// ResolveDatasetVersion returns the concrete version that version of
	// dataset name means: the latest for 0.
	ResolveDatasetVersion(ctx context.Context, name string, version int) (int, error)
	// DatasetRows calls fn for each row of a version of dataset name (0: the
	// latest), in id order.
	DatasetRows(ctx context.Context, name string, version int, fn func(id string, data json.RawMessage) error) error
}

// ListOptions selects the experiments Experiments returns.
type ListOptions struct {
	Eval  string // only this eval's experiments; all when empty
	Limit int    // at most this many; all when 0 or less
}

// ErrNotFound is wrapped by the errors of look-ups that find nothing.
var ErrNotFound = errors.New("not found")

// ErrNameTaken is wrapped by the error of CreateExperiment when the eval
// already has an experiment of that name.
var ErrNameTaken = errors.New("experiment name taken")

// Key identifies a row within its experiment: the case id and the trial,
// separated by a NUL byte. DoneKeys returns these.
func Key(caseID string, trial int) string {
	return caseID + "\x00" + strconv.Itoa(trial)
}
