package main

import (
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		terminal bool
		unit     string
		done     int64
		errs     int64
		total    int
		after    time.Duration
		want     string
	}{
		{"total not known yet", false, "case", 40, 1, 0, 5 * time.Second, "qa: 40 cases · 1 error · 8.00 cases/s · 5s"},
		{"CI line", false, "case", 40, 1, 100, 5 * time.Second, "qa: 40/100 cases (40%) · 1 error · 8.00 cases/s · ETA 8s · 5s"},
		{"terminal bar", true, "case", 40, 0, 100, 5 * time.Second, "qa: [========            ] 40/100 cases (40%) · 0 errors · 8.00 cases/s · ETA 8s · 5s"},
		{"trials count rows", false, "row", 300, 2, 1200, 2 * time.Second, "qa: 300/1200 rows (25%) · 2 errors · 150 rows/s · ETA 6s · 2s"},
		{"minutes left", false, "case", 10, 0, 1000, 10 * time.Second, "qa: 10/1000 cases (1%) · 0 errors · 1.00 cases/s · ETA 16m30s · 10s"},
		{"nothing done", true, "case", 0, 0, 50, 0, "qa: [                    ] 0/50 cases (0%) · 0 errors · 0.00 cases/s · ETA - · 0s"},
		{"done", true, "case", 50, 0, 50, 4 * time.Second, "qa: [====================] 50/50 cases (100%) · 0 errors · 12.5 cases/s · 4s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &progress{name: "qa", unit: tc.unit, terminal: tc.terminal, start: start}
			p.Done.Store(tc.done)
			p.Errors.Store(tc.errs)
			p.setTotal(tc.total)
			if got := p.line(start.Add(tc.after)); got != tc.want {
				t.Errorf("line\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}
