#!/usr/bin/env bash
# W1 sharded: 100,000 JSONL cases, an expr task and two scorers (expr,
# exact_match), every row persisted, run unsharded and as 4 shard processes
# at once on this machine into one store. STORE=postgres://... uses that
# server (a fresh database each run) instead of SQLite files.
# Prints the wall time and cases per second of each.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/caliper ./cmd/caliper
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=${CASES:-100000}
python3 - "$work" "$n" <<'PY'
import json, random, sys
work, n = sys.argv[1], int(sys.argv[2])
random.seed(7)
with open(f"{work}/cases.jsonl", "w") as f:
    for i in range(n):
        a, b = random.randint(0, 999), random.randint(0, 999)
        e = a + b + (1 if i % 10 == 0 else 0)
        f.write(json.dumps({"id": f"c{i}", "input": {"a": a, "b": b}, "expected": str(e)}) + "\n")
PY
cat > "$work/w1.eval.yaml" <<YAML
name: w1
data: {file: cases.jsonl}
task: {expr: 'string(input.a + input.b)'}
scorers:
  - {name: correct, expr: output == expected}
  - use: exact_match
max_concurrency: 8
YAML
store() { echo "${STORE:-$work/$1.db}"; }
now() { date +%s.%N; }
rate() { python3 -c "import sys; w=float(sys.argv[2])-float(sys.argv[1]); print(f'{w:6.2f}s  {int(sys.argv[3])/w:>9,.0f} cases/s')" "$@"; }

t0=$(now)
bin/caliper run --store "$(store whole)" "$work/w1.eval.yaml" >/dev/null 2>&1
t1=$(now)
echo "w1 unsharded   $n cases  $(rate "$t0" "$t1" "$n")"

t0=$(now)
pids=()
for k in 1 2 3 4; do
  bin/caliper run --store "$(store sharded)" --shard "$k/4" --run-id "bench-$$" "$work/w1.eval.yaml" >"$work/shard$k.out" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
t1=$(now)
echo "w1 4 shards    $n cases  $(rate "$t0" "$t1" "$n")"
grep -h "cases," "$work"/shard*.out | head -1
