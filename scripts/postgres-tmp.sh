#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the store's integration tests, on a
# free loopback port, as the postgres user (the server refuses to run as root),
# and prints the DSN for CALIPER_TEST_POSTGRES on its last line.
#   eval "$(scripts/postgres-tmp.sh)"   # exports CALIPER_TEST_POSTGRES
#   scripts/postgres-tmp.sh stop DIR    # stops the cluster in DIR
# Installs Debian's postgresql-15 with apt-get when it is missing (needs root).
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ "${1:-}" = stop ]; then
  runuser -u postgres -- "$bindir/pg_ctl" -D "$2/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$2"
  exit 0
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "postgres-tmp: installing postgresql-15" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15) >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
dir=$(mktemp -d /tmp/caliper-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '%s\n' "$password" > "$dir/pw"
[ "$(id -u)" = 0 ] && chown postgres "$dir/pw"
as_pg "$bindir/initdb" -D "$dir/data" -U caliper --pwfile="$dir/pw" \
  --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >&2 || { cat "$dir/server.log" >&2; exit 1; }
as_pg "$bindir/createdb" -h "$dir" -p "$port" -U caliper caliper_test >&2
echo "# stop with: scripts/postgres-tmp.sh stop $dir" >&2
echo "export CALIPER_TEST_POSTGRES='postgres://caliper:$password@127.0.0.1:$port/caliper_test?sslmode=disable' CALIPER_TEST_POSTGRES_DIR='$dir'"
