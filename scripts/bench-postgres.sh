#!/usr/bin/env bash
# Figures of the PostgreSQL store, on the server CALIPER_TEST_POSTGRES names
# (eval "$(scripts/postgres-tmp.sh)" starts a throwaway one):
#   rows/s written by one writer and read back (Go benchmarks of store/postgres,
#   and SQLite's writer benchmark beside it);
#   W1, 100,000 cases with an expr task and two scorers, end to end with
#   `caliper run`, into SQLite and into PostgreSQL.
# Each PostgreSQL run gets a schema of its own, dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CALIPER_TEST_POSTGRES:?set CALIPER_TEST_POSTGRES=postgres://... (scripts/postgres-tmp.sh starts a server)}"
go build -o bin/caliper ./cmd/caliper
work=$(mktemp -d)
schema="bench_$$"
cleanup() {
  psql -q "$CALIPER_TEST_POSTGRES" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

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
psql -q "$CALIPER_TEST_POSTGRES" -c "CREATE SCHEMA $schema" >/dev/null
sep='?'
case "$CALIPER_TEST_POSTGRES" in *'?'*) sep='&' ;; esac
pgstore="$CALIPER_TEST_POSTGRES${sep}search_path=$schema"

measure() { # label store
  python3 - "$work" "$1" "$2" <<'PY'
import resource, subprocess, sys, time
work, label, dsn = sys.argv[1:4]
start = time.time()
r = subprocess.run(["bin/caliper", "run", "--store", dsn, f"{work}/w1.eval.yaml"], capture_output=True, text=True)
wall = time.time() - start
if r.returncode not in (0, 1):
    sys.exit(f"{label}: exit {r.returncode}\n{r.stdout}{r.stderr}")
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"W1 {label:10} 100000 cases  {wall:6.2f}s  {100000 / wall:>9,.0f} cases/s  peak RSS {rss:5.0f} MB")
open(f"{work}/{label}.wall", "w").write(str(wall))
PY
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
measure sqlite "$work/w1.db"
measure postgres "$pgstore"
python3 -c 'import sys; pg, lite = (float(open(f).read()) for f in sys.argv[1:]); print(f"W1 PostgreSQL/SQLite time: {pg / lite:.2f} (limit 1.5)")' "$work/postgres.wall" "$work/sqlite.wall"
