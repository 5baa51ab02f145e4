package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC checks that caliper collects at defaultGCPercent unless GOGC
// says otherwise. It changes the process's collector, so it is not parallel.
func TestTuneGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	for _, tc := range []struct {
		gogc string
		want int
	}{
		{"", defaultGCPercent},
		{"50", 100}, // Go read GOGC at start; caliper leaves it alone
		{"off", 100},
	} {
		debug.SetGCPercent(100)
		tuneGC(func(k string) string {
			if k == "GOGC" {
				return tc.gogc
			}
			return ""
		})
		if got := debug.SetGCPercent(100); got != tc.want {
			t.Errorf("GOGC=%q: the collector runs at %d%%, want %d%%", tc.gogc, got, tc.want)
		}
	}
}
