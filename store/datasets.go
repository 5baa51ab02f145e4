package store

import (
	"encoding/json"
	"errors"
	"iter"
	"time"
)

// DatasetRow is one row of a dataset pushed to the store.
type DatasetRow struct {
	// ID is the row's key within its dataset: a push updates the row of the
	// same id. It must not be empty.
	ID string
	// Data is the row object {id, input, expected?, metadata?, tags?}, whose
	// id should be ID, so that an eval reading the dataset sees the same id.
	Data json.RawMessage
}

// DatasetRowsOf yields rows held in memory, for PushDataset.
func DatasetRowsOf(rows []DatasetRow) iter.Seq2[DatasetRow, error] {
	return func(yield func(DatasetRow, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// PushResult is what a push did to a dataset.
type PushResult struct {
	// Version is the dataset's version after the push: a new one when the
	// push changed anything, else the latest version as it was.
	Version   int `json:"version"`
	Added     int `json:"added"`     // rows with a new id
	Updated   int `json:"updated"`   // rows whose content changed
	Deleted   int `json:"deleted"`   // rows missing from the push, with deleteMissing
	Unchanged int `json:"unchanged"` // rows pushed with the same content
}

// Changed reports whether the push made a new version.
func (r PushResult) Changed() bool { return r.Added+r.Updated+r.Deleted > 0 }

// DatasetInfo describes a dataset at its latest version.
type DatasetInfo struct {
	Name    string    `json:"name"`
	Latest  int       `json:"latest"`  // the latest version
	Rows    int       `json:"rows"`    // rows in the latest version
	Updated time.Time `json:"updated"` // when the latest version was pushed
}

// DatasetVersion describes one version of a dataset and the push that made it.
type DatasetVersion struct {
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	Rows    int       `json:"rows"` // rows in this version
	Added   int       `json:"added"`
	Updated int       `json:"updated"`
	Deleted int       `json:"deleted"`
}

// ErrInvalidDataset is matched (errors.Is) by the errors of PushDataset that
// its arguments cause: a name that is not valid, a row without an id or with
// an id given twice, data that is not a JSON object, or an empty first push.
// The other errors come from the database or from the rows' iterator.
var ErrInvalidDataset = errors.New("invalid dataset")
