#!/usr/bin/env bash
# Figures of the PostgreSQL store, on the server CALIPER_TEST_POSTGRES names
# (eval "$(scripts/postgres-tmp.sh)" starts a throwaway one):
#   rows/s written by one writer and read back (Go benchmarks of store/postgres,
#   and SQLite's writer benchmark beside it);
#   W1, 100,000 cases with an expr task and two scorers, end to end with
#   `caliper run`, into SQLite and into PostgreSQL, in RUNS pairs (5 by
#   default). Each pair starts from a checkpoint of the server, and each
#   PostgreSQL run gets a schema of its own, dropped right after it: the
#   checkpoint and the autovacuum of the rows the benchmarks (or the run
#   before) wrote would otherwise fall on whichever run they meet (one run
#   measured 1.85 of SQLite so, where pairs measure about 1.3).
# Prints the medians and ranges, and the median of the pairs' ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CALIPER_TEST_POSTGRES:?set CALIPER_TEST_POSTGRES=postgres://... (scripts/postgres-tmp.sh starts a server)}"
go build -o bin/caliper ./cmd/caliper
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The same writer benchmark on SQLite, for the ratio on this machine now.
go test -run '^$' -bench 'BenchmarkWriter$' -benchtime "${BENCHTIME:-5x}" ./store/sqlite
go test -run '^$' -bench . -benchtime "${BENCHTIME:-5x}" ./store/postgres

python3 - "$work" <<'PY'
import json, random, sys
random.seed(7)
with open(f"{sys.argv[1]}/cases.jsonl", "w") as f:
    for i in range(100_000):
        a, b = random.randint(0, 999), random.randint(0, 999)
        e = a + b + (1 if i % 10 == 0 else 0)
        f.write(json.dumps({"id": f"c{i}", "input": {"a": a, "b": b}, "expected": str(e)}) + "\n")
PY
cat > "$work/w1.eval.yaml" <<'YAML'
name: w1
data: {file: cases.jsonl}
task: {expr: 'string(input.a + input.b)'}
scorers:
  - {name: correct, expr: output == expected}
  - use: exact_match
max_concurrency: 8
YAML

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work" "$CALIPER_TEST_POSTGRES" "bench_$$" "${RUNS:-5}" <<'PY'
import glob, os, statistics, subprocess, sys, time
work, dsn, schema, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sep = "&" if "?" in dsn else "?"

def psql(sql):
    return subprocess.run(["psql", "-q", dsn, "-c", sql], capture_output=True, text=True)

def run(store):
    """The wall time and peak RSS (MB) of one caliper run of W1 into store."""
    start = time.time()
    child = subprocess.Popen(["bin/caliper", "run", "--store", store, f"{work}/w1.eval.yaml"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.time() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"caliper run --store {store.split('@')[-1]}: exit status {status}")
    return wall, usage.ru_maxrss / 1024

lite, pg, ratios, rss = [], [], [], {"sqlite": 0, "postgres": 0}
for i in range(runs):
    psql("CHECKPOINT")  # a superuser's right: where it is refused, the pair runs without
    for f in glob.glob(f"{work}/w1.db*"):
        os.remove(f)
    l, r = run(f"{work}/w1.db")
    rss["sqlite"] = max(rss["sqlite"], r)
    name = f"{schema}_{i}"
    if psql(f"CREATE SCHEMA {name}").returncode != 0:
        sys.exit(f"creating schema {name} on the server failed")
    try:
        p, r = run(f"{dsn}{sep}search_path={name}")
    finally:
        psql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    rss["postgres"] = max(rss["postgres"], r)
    lite.append(l)
    pg.append(p)
    ratios.append(p / l)

def span(xs, f):
    return f"{f(statistics.median(xs))} ({f(min(xs))}-{f(max(xs))})"

secs = lambda x: f"{x:.2f}s"
for label, walls in (("sqlite", lite), ("postgres", pg)):
    print(f"W1 {label:10} 100000 cases  {span(walls, secs)}  {100000 / statistics.median(walls):>9,.0f} cases/s  peak RSS {rss[label]:4.0f} MB")
print(f"W1 PostgreSQL/SQLite time: {span(ratios, lambda x: f'{x:.2f}')} (limit 1.5)  [median of {runs} pairs]")
PY
