#!/usr/bin/env bash
# End-to-end throughput and memory of `caliper run`, as the issues ask:
#   100,000 and 1,000,000 JSONL cases, an expr task and three scorers (expr,
#   exact_match, levenshtein), every row persisted to SQLite;
#   100,000 cases through a Python JSON Lines worker.
# Prints wall time, cases per second and peak resident memory of each run,
# and for the expr runs their rate beside its limit as a ratio: the store
# writer's own rows/s on the same rows, measured first on this machine
# (BenchmarkRunPersisted, which also prints the pipeline's run/writer).
# CASES_MAX=100000 skips the million-case run; CASES_MAX=10000000 adds a run
# of ten million cases (a 0.6 GB file in a temporary directory, and about
# 0.25 GB of temporary files of the duplicate-id check in TMPDIR).
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/caliper ./cmd/caliper
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
limit=$(go test -run '^$' -bench 'RunPersisted' -benchtime "${BENCHTIME:-3x}" ./pipeline |
  tee /dev/stderr | sed -n 's/.* \([0-9.]*\) writer-rows\/s.*/\1/p')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
max=${CASES_MAX:-1000000}

python3 - "$work" "$max" <<'PY'
import json, random, sys
work, top = sys.argv[1], int(sys.argv[2])
random.seed(7)
for n in (100_000, 1_000_000, 10_000_000):
    if n > top:
        continue
    with open(f"{work}/cases{n}.jsonl", "w") as f:
        for i in range(n):
            a, b = random.randint(0, 999), random.randint(0, 999)
            e = a + b + (1 if i % 10 == 0 else 0)
            f.write(json.dumps({"id": f"c{i}", "input": {"a": a, "b": b}, "expected": str(e)}) + "\n")
PY

cat > "$work/worker.py" <<'PY'
import json, sys
for line in sys.stdin:
    req = json.loads(line)
    i = req["input"]
    sys.stdout.write(json.dumps({"id": req["id"], "output": str(i["a"] + i["b"])}) + "\n")
    sys.stdout.flush()
PY

eval_file() { # name data task
  cat > "$work/$1.eval.yaml" <<YAML
name: $1
data: {file: $2}
task: $3
scorers:
  - {name: correct, expr: output == expected}
  - use: exact_match
  - use: levenshtein
max_concurrency: 8
YAML
}
eval_file expr100k cases100000.jsonl "{expr: 'string(input.a + input.b)'}"
eval_file worker100k cases100000.jsonl "{exec: {command: [python3, worker.py], worker: true}}"
[ "$max" -ge 1000000 ] && eval_file expr1m cases1000000.jsonl "{expr: 'string(input.a + input.b)'}"
[ "$max" -ge 10000000 ] && eval_file expr10m cases10000000.jsonl "{expr: 'string(input.a + input.b)'}"

measure() { # eval-name cases limit extra-flags...
  local name=$1 n=$2 lim=$3; shift 3
  python3 - "$work" "$name" "$n" "$lim" "$@" <<'PY'
import resource, subprocess, sys, time
work, name, n, lim, extra = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
start = time.time()
r = subprocess.run(["bin/caliper", "run", "--store", f"{work}/{name}.db", *extra, f"{work}/{name}.eval.yaml"], capture_output=True, text=True)
wall = time.time() - start
if r.returncode != 0:
    sys.exit(f"{name}: exit {r.returncode}\n{r.stdout}{r.stderr}")
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
ratio = f"  {n / wall / float(lim):.2f} of the writer's {float(lim):,.0f} rows/s" if lim else ""
print(f"{name:12} {n:>9} cases  {wall:6.2f}s  {n / wall:>9,.0f} cases/s  peak RSS {rss:5.0f} MB{ratio}")
PY
}
measure expr100k 100000 "$limit"
[ "$max" -ge 1000000 ] && measure expr1m 1000000 "$limit"
[ "$max" -ge 10000000 ] && measure expr10m 10000000 "$limit"
measure worker100k 100000 "" -j 4
