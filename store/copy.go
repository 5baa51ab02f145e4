package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
)

// CopyOptions select what Copy copies.
type CopyOptions struct {
	// Experiments are the names or ids of the experiments to copy, with the
	// datasets they read; every experiment and every dataset when empty.
	Experiments []string
	// Eval narrows the look-up of Experiments to one eval; without
	// Experiments, it copies that eval's experiments and the datasets they
	// read.
	Eval string
}

// CopyResult is what Copy did.
type CopyResult struct {
	Experiments int `json:"experiments"` // experiments copied
	Rows        int `json:"rows"`        // their rows
	Unchanged   int `json:"unchanged"`   // experiments the destination already had as they are
	Datasets    int `json:"datasets"`    // datasets that got new versions
	Versions    int `json:"versions"`    // versions copied
	// DatasetsUnchanged counts the datasets the destination already had
	// with every version.
	DatasetsUnchanged int `json:"datasets_unchanged"`
	Feedback          int `json:"feedback"`    // feedback records added
	Attachments       int `json:"attachments"` // attachments the copied rows refer to, added
	Shards            int `json:"shards"`      // shard records written
}

// Copy copies experiments with their rows, feedback, shard records and the
// attachments their rows refer to, and datasets with every version, from one
// store to another, and is idempotent: copying again changes nothing. An
// experiment keeps its id, name, times, status, summary and every row as
// stored, so it reads back the same from either store. Feedback is merged by
// record id: records the destination has that the source lacks (given on
// the team store) are kept, also when the experiment itself is replaced by a
// newer copy. Attachments are copied with the rows that refer to them, so
// an experiment already there unchanged is not read again. The destination
// may have experiments and datasets of its own; Copy refuses, with an error
// naming what to do, to overwrite what only the destination has: an
// experiment of the same eval and name but another id, rows the source's
// experiment lacks, or dataset versions that differ. Datasets are copied
// version by version, so version numbers match; a copied version's time is
// the time of the copy.
func Copy(ctx context.Context, from, to Store, opts CopyOptions) (CopyResult, error) {
	var res CopyResult
	exps, err := experimentsToCopy(ctx, from, opts)
	if err != nil {
		return res, err
	}
	datasets := map[string]bool{}
	for _, e := range exps {
		if e.Dataset != "" {
			datasets[e.Dataset] = true
		}
	}
	if len(opts.Experiments) == 0 && opts.Eval == "" {
		list, err := from.Datasets(ctx)
		if err != nil {
			return res, err
		}
		for _, d := range list {
			datasets[d.Name] = true
		}
	}
	// Datasets first: an experiment that read one can be run again at once.
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range datasets {
			if !yield(n) {
				return
			}
		}
	}) {
		n, err := copyDataset(ctx, from, to, name)
		if err != nil {
			return res, fmt.Errorf("copying dataset %q: %w", name, err)
		}
		if n == 0 {
			res.DatasetsUnchanged++
		} else {
			res.Datasets++
			res.Versions += n
		}
	}
	for _, e := range exps {
		if err := copyExperimentRecords(ctx, from, to, e, &res); err != nil {
			return res, fmt.Errorf("copying experiment %q of eval %q: %w", e.Name, e.Eval, err)
		}
	}
	return res, nil
}

// copyExperimentRecords copies experiment e with its rows, the attachments
// they refer to, its feedback and its shards, counting them in res.
func copyExperimentRecords(ctx context.Context, from, to Store, e Experiment, res *CopyResult) error {
	hashes := map[string]bool{}
	n, copied, kept, err := copyExperiment(ctx, from, to, e, hashes)
	if err != nil {
		return err
	}
	if copied {
		res.Experiments++
		res.Rows += n
	} else {
		res.Unchanged++
	}
	na, err := copyAttachments(ctx, from, to, hashes)
	res.Attachments += na
	if err != nil {
		return err
	}
	nf, err := copyFeedback(ctx, from, to, e.ID, kept)
	res.Feedback += nf
	if err != nil {
		return err
	}
	ns, err := copyShards(ctx, from, to, e.ID)
	res.Shards += ns
	return err
}

// experimentsToCopy finds the experiments opts names, oldest first, or lists
// every experiment of from.
func experimentsToCopy(ctx context.Context, from Store, opts CopyOptions) ([]Experiment, error) {
	var exps []Experiment
	if len(opts.Experiments) == 0 {
		list, err := from.Experiments(ctx, ListOptions{Eval: opts.Eval})
		if err != nil {
			return nil, err
		}
		exps = list
	}
	seen := map[string]bool{}
	for _, ref := range opts.Experiments {
		e, err := from.Experiment(ctx, opts.Eval, ref)
		if err != nil {
			return nil, err
		}
		if !seen[e.ID] {
			seen[e.ID] = true
			exps = append(exps, *e)
		}
	}
	slices.SortStableFunc(exps, func(a, b Experiment) int { return a.Created.Compare(b.Created) })
	return exps, nil
}

// copyExperiment copies e and its rows unless to has it as it is, adding
// the attachment hashes of the rows to hashes. It returns how many rows it
// copied, whether it copied, and the feedback of the destination's older copy
// that replacing it deleted, to be added back.
func copyExperiment(ctx context.Context, from, to Store, e Experiment, hashes map[string]bool) (int, bool, []Feedback, error) {
	old, err := to.Experiment(ctx, e.Eval, e.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		old = nil
	case err != nil:
		return 0, false, nil, err
	case old.ID != e.ID:
		old = nil // an experiment named as e's id, not e
	}
	var kept []Feedback
	if old != nil {
		if sameExperiment(old, &e) {
			return 0, false, nil, nil
		}
		if err := checkNoOwnRows(ctx, from, to, e.ID); err != nil {
			return 0, false, nil, err
		}
		if kept, err = to.Feedback(ctx, e.ID, ""); err != nil {
			return 0, false, nil, err
		}
		// The destination's copy is older (the run went on after it was
		// copied): replace it, so its record matches the source's exactly.
		if err := to.DeleteExperiment(ctx, e.ID); err != nil {
			return 0, false, nil, err
		}
	}
	rec := e
	rec.Rows = 0
	if err := to.CreateExperiment(ctx, &rec); errors.Is(err, ErrNameTaken) {
		return 0, false, kept, fmt.Errorf("the destination has another experiment of that name, with another id: %w: rename or delete one of them, then copy again", ErrNameTaken)
	} else if err != nil {
		return 0, false, kept, err
	}
	n, err := copyRows(ctx, from, to, e.ID, hashes)
	if err != nil {
		return n, false, kept, err
	}
	return n, true, kept, nil
}

// sameExperiment reports whether two records of one experiment agree on
// everything Copy copies.
func sameExperiment(a, b *Experiment) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// checkNoOwnRows fails when the destination's experiment id has a row the
// source's lacks, which replacing it would lose.
func checkNoOwnRows(ctx context.Context, from, to Store, id string) error {
	have, err := from.DoneKeys(ctx, id)
	if err != nil {
		return err
	}
	theirs, err := to.DoneKeys(ctx, id)
	if err != nil {
		return err
	}
	for k := range theirs {
		if _, ok := have[k]; !ok {
			return errors.New("the destination's copy has rows the source lacks (it went on there): copy it the other way, or delete it from the destination")
		}
	}
	return nil
}

// copyRows writes every row of experiment id from one store to the other,
// adding the attachment hashes they refer to to hashes.
func copyRows(ctx context.Context, from, to Store, id string, hashes map[string]bool) (int, error) {
	w := to.NewWriter(id, WriterOptions{})
	n := 0
	err := from.Rows(ctx, id, func(r *Row) error {
		n++
		attachmentHashes(r, hashes)
		return w.Write(r)
	})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// copyDataset copies the versions of dataset name that to lacks and returns
// how many it copied. The versions to has must match the source's.
func copyDataset(ctx context.Context, from, to Store, name string) (int, error) {
	latest, err := from.ResolveDatasetVersion(ctx, name, 0)
	if err != nil {
		return 0, err
	}
	have, err := to.ResolveDatasetVersion(ctx, name, 0)
	switch {
	case errors.Is(err, ErrNotFound):
		have = 0
	case err != nil:
		return 0, err
	case have > latest:
		return 0, fmt.Errorf("the destination has %d versions, the source %d: it was pushed to there; copy it the other way", have, latest)
	}
	for v := 1; v <= have; v++ {
		a, err := datasetDigest(ctx, from, name, v)
		if err != nil {
			return 0, err
		}
		b, err := datasetDigest(ctx, to, name, v)
		if err != nil {
			return 0, err
		}
		if a != b {
			return 0, fmt.Errorf("version %d differs between the stores: they were pushed separately; push the rows to one of them under another name", v)
		}
	}
	for v := have + 1; v <= latest; v++ {
		res, err := to.PushDataset(ctx, name, datasetVersionRows(ctx, from, name, v), true)
		if err != nil {
			return v - have - 1, err
		}
		if res.Version != v {
			return v - have - 1, fmt.Errorf("copying version %d made version %d", v, res.Version)
		}
	}
	return latest - have, nil
}

// datasetDigest is the SHA-256 of the ids and contents of a version of
// dataset name, in id order.
func datasetDigest(ctx context.Context, s Store, name string, version int) ([sha256.Size]byte, error) {
	h := sha256.New()
	err := s.DatasetRows(ctx, name, version, func(id string, data json.RawMessage) error {
		fmt.Fprintf(h, "%d:%s%d:", len(id), id, len(data))
		h.Write(data)
		return nil
	})
	return [sha256.Size]byte(h.Sum(nil)), err
}

// errStopRows ends a DatasetRows call whose consumer stopped.
var errStopRows = errors.New("stopped")

// datasetVersionRows yields the rows of a version of dataset name.
func datasetVersionRows(ctx context.Context, s Store, name string, version int) iter.Seq2[DatasetRow, error] {
	return func(yield func(DatasetRow, error) bool) {
		err := s.DatasetRows(ctx, name, version, func(id string, data json.RawMessage) error {
			if !yield(DatasetRow{ID: id, Data: data}, nil) {
				return errStopRows
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopRows) {
			yield(DatasetRow{}, err)
		}
	}
}
