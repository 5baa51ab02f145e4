package main

import "runtime/debug"

// runGCPercent is the garbage collector's GOGC during caliper run, unless the
// environment sets GOGC: a run allocates a little for every case and keeps
// little alive (the cases in flight and the writer's batch), so at Go's
// default of 100 it collects every few megabytes. 400 lets the heap grow to
// five times what is alive between collections, which saved about 15% of the
// wall time of W1 (scripts/bench.sh) for some 25 MB of peak memory.
const runGCPercent = 400

// tuneGC sets runGCPercent unless env sets GOGC.
func tuneGC(env map[string]string) {
	if _, set := env["GOGC"]; !set {
		debug.SetGCPercent(runGCPercent)
	}
}
