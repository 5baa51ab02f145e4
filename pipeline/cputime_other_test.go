//go:build !unix

package pipeline

import "time"

// cpuTime is unknown here; BenchmarkRunPersisted then reports no CPU time per case.
func cpuTime() time.Duration { return 0 }
