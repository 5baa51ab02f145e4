//go:build !unix

package postgres

import "time"

// cpuTime is unknown here; BenchmarkWriter then reports no CPU time per row.
func cpuTime() time.Duration { return 0 }
