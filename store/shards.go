package store

import (
	"context"
	"time"
)

// Shard states.
const (
	ShardRunning  = "running"
	ShardFinished = "finished"
	ShardFailed   = "failed"
)

// Shard is one of the N processes of a sharded run (caliper run --shard K/N)
// that write into one experiment.
type Shard struct {
	Index    int       `json:"shard"` // K, from 1 to Of
	Of       int       `json:"of"`    // N
	State    string    `json:"state"` // running, finished or failed
	Host     string    `json:"host"`  // the machine it ran on
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"` // zero while running
	Rows     int       `json:"rows"`              // the rows it stored, when it stopped
}

// StoredShard is the state, finished time (Unix nanoseconds, 0 while running)
// and row count StartShard stores for sh: running with none, or, for a
// copied record that ended, its own.
func StoredShard(sh Shard) (state string, finished int64, rows int) {
	if sh.State == ShardFinished || sh.State == ShardFailed {
		if !sh.Finished.IsZero() {
			finished = sh.Finished.UnixNano()
		}
		return sh.State, finished, sh.Rows
	}
	return ShardRunning, 0, 0
}

// ShardStore keeps the shards of sharded runs. Every Store is one.
type ShardStore interface {
	// JoinRun finds the experiment of eval e.Eval that run id runID made, or
	// creates e as that experiment when there is none, and says which: the
	// first of several processes joining the same run at once creates it,
	// the others get it (filled into e). A name already taken is an error
	// wrapping ErrNameTaken, as for CreateExperiment.
	JoinRun(ctx context.Context, runID string, e *Experiment) (created bool, err error)
	// StartShard records that shard s.Index of s.Of of an experiment is
	// running (again, when resumed), with its host and start time. A record
	// whose State is finished or failed (a copy, see Copy) is stored as it
	// is, with its Finished time and Rows.
	StartShard(ctx context.Context, experimentID string, s Shard) error
	// FinishShard records the final state (finished or failed) and row
	// count of a shard, and reports whether this call made every one of the
	// experiment's shards finished: exactly one finishing shard of a run
	// sees last, however many finish at once.
	FinishShard(ctx context.Context, experimentID string, index int, state string, rows int) (last bool, err error)
	// Shards lists the shards of an experiment by index; none for an
	// unsharded one.
	Shards(ctx context.Context, experimentID string) ([]Shard, error)
}
