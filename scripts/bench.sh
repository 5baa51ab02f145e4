#!/usr/bin/env bash
# End-to-end throughput and memory of `caliper run`, as the issues ask:
#   100,000 and 1,000,000 JSONL cases, an expr task and three scorers (expr,
#   exact_match, levenshtein), every row persisted to SQLite;
#   100,000 cases through a Python JSON Lines worker.
# Each expr run is measured beside its limit, the store writer's own rate on
# the same rows, taken right before it (BenchmarkRunPersisted, one iteration,
# which also prints the pipeline's run/writer in process), so that a pair sees
# the same machine: these machines change speed from one minute to the next.
# The runs of 100,000 cases are also measured beside the writer's rate into a
# new store of its own, from opening it to closing it, as such a run does:
# closing is where SQLite copies its write-ahead log into the database and
# syncs both, some 75 ms no run of that size avoids.
# Prints, per eval, the median of RUNS pairs (5 of 100,000 cases and 3 of a
# million by default) and their range: wall time, cases per second, peak
# resident memory and the ratios.
# CASES_MAX=100000 skips the million-case run; CASES_MAX=10000000 adds a run
# of ten million cases (a 0.6 GB file in a temporary directory, and about
# 0.25 GB of temporary files of the duplicate-id check in TMPDIR), measured
# once, beside one writer measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/caliper ./cmd/caliper
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/pipeline.test" ./pipeline
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

measure() { # eval-name cases runs with-limit extra-flags...
  local name=$1 n=$2 runs=$3 limit=$4; shift 4
  python3 - "$work" "$name" "$n" "$runs" "$limit" "$@" <<'PY'
import glob, os, re, statistics, subprocess, sys, time
work, name, n, runs, limit, extra = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "yes", sys.argv[6:]

def writer():
    """The writer's rows/s and its rows/s into a new store, from one iteration of BenchmarkRunPersisted."""
    out = subprocess.run([f"{work}/pipeline.test", "-test.run", "^$", "-test.bench", "RunPersisted", "-test.benchtime", "1x"],
                         capture_output=True, text=True, check=True, cwd="pipeline").stdout
    rate = lambda unit: float(re.search(r"([0-9.]+) " + unit + r"\b", out).group(1))
    return rate("writer-rows/s"), rate("new-store-writer-rows/s"), rate("run/writer")

walls, ratios, new_ratios, inproc, rss = [], [], [], [], 0
for _ in range(runs):
    if limit:
        lim, newlim, rw = writer()
    for f in glob.glob(f"{work}/{name}.db*"):
        os.remove(f)  # every run makes its store, as a first run does
    start = time.time()
    with open(f"{work}/{name}.out", "w+") as out:
        child = subprocess.Popen(["bin/caliper", "run", "--store", f"{work}/{name}.db", *extra, f"{work}/{name}.eval.yaml"],
                                 stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)  # the run's own peak memory, not the writer benchmark's
        wall = time.time() - start
        if status != 0:
            out.seek(0)
            sys.exit(f"{name}: exit status {status}\n{out.read()}")
    walls.append(wall)
    rss = max(rss, usage.ru_maxrss / 1024)
    if limit:
        ratios.append(n / wall / lim)
        new_ratios.append(n / wall / newlim)
        inproc.append(rw)
span = lambda xs, f: f"{f(statistics.median(xs))}" + (f" ({f(min(xs))}-{f(max(xs))})" if len(xs) > 1 else "")
wall = statistics.median(walls)
line = f"{name:11} {n:>9} cases  {span(walls, lambda x: f'{x:.2f}s')}  {n / wall:>9,.0f} cases/s  peak RSS {rss:4.0f} MB"
if limit:
    line += f"\n{'':11} of the writer's rate: {span(ratios, lambda x: f'{x:.2f}')}"
    if n <= 100_000:
        line += f"; into a new store, closed: {span(new_ratios, lambda x: f'{x:.2f}')}"
    line += f"; in process (run/writer): {span(inproc, lambda x: f'{x:.2f}')}"
print(line + (f"  [median of {runs}]" if runs > 1 else ""))
PY
}
measure expr100k 100000 "${RUNS:-5}" yes
[ "$max" -ge 1000000 ] && measure expr1m 1000000 "${RUNS:-3}" yes
[ "$max" -ge 10000000 ] && measure expr10m 10000000 1 yes
measure worker100k 100000 1 no -j 4
