#!/usr/bin/env bash
# W2, the latency-bound workload: 5,000 prompt cases at max_concurrency 64
# against a local OpenAI-compatible server (in the test process) that answers
# each after 50 ms, then the same with one request in ten refused with a 429
# (Retry-After: 0). caliper run is the built binary in its own process, so its
# start, the validation and the store are timed. Prints each time beside its
# limit, the ideal N·L/C = 3.9 s (the ratio), and where the rest went; the
# latency the server's answers actually had and the ratio at it; and the floor:
# the same requests from a plain net/http client in its own process.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/caliper ./cmd/caliper
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
CALIPER_PERF=1 CALIPER_BIN="$PWD/bin/caliper" go test -count=1 -run '^TestLLMThroughput$' -v ./cmd/caliper |
  sed -n 's/^ *llmperf_test.go:[0-9]*: //p'
