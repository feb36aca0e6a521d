#!/usr/bin/env bash
# Fault suite: a real PostgreSQL and the real server under concurrent trade load, faults injected, then checks.
#   scripts/faults.sh           full: 5 server SIGKILLs, 3 postmaster SIGKILLs, a 10 s PostgreSQL outage, a storm of one
#                               request id from 50 clients
#   scripts/faults.sh --short   1 server kill, 1 postmaster kill, a 3 s outage, the storm (CI runs this one)
# Checks, reading the database directly: acknowledged trades lost 0, duplicates 0, filing numbers issued twice 0,
# unexplained holes in the filing sequence 0, every call answered during the outage UNAVAILABLE or DEADLINE_EXCEEDED
# (INTERNAL and UNKNOWN 0), and `dx audit verify` passes on the final state. Exit 0 only when all hold.
# The cluster, the server's DX_DATA_DIR, the logs, acks.tsv and report.json are under DX_FAULTS_DIR (default
# .data/faults), fresh each run; ports are free ones picked at start, so it runs beside run.sh, bench.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/postgres.sh

mode=""
case "${1:-}" in
  --short) mode="--short" ;;
  ""|--full) ;;
  *) echo "usage: scripts/faults.sh [--short]" >&2; exit 64 ;;
esac

dir="${DX_FAULTS_DIR:-$PWD/.data/faults}"
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
[ "$(basename "$dir")" != "/" ] && [ -n "$(basename "$dir")" ] || { echo "DX_FAULTS_DIR must name a folder" >&2; exit 64; }

stop_server() { # the server the driver started (pid file), if a run was cut short
  local pid
  pid="$(cat "$dir/server.pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q 'DataExchange.Server.dll'; then
    kill -9 "$pid" 2>/dev/null || true
  fi
}
cleanup() { stop_server; pg_down; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== Building (Release) ..."
dotnet build bench/faults.slnf -c Release --nologo -v quiet -clp:ErrorsOnly | grep -vE '^\s*$|Build succeeded|Warning\(s\)|Error\(s\)|Time Elapsed' || true
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1

echo "== Fresh PostgreSQL under $dir/pg (settings as scripts/run.sh) ..."
stop_server
if [ -f "$dir/pg/data/postmaster.pid" ] && pg_find_bin; then # a previous run killed before its cleanup
  pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
fi
rm -rf "$dir"
mkdir -p "$dir/server"
pg_up "$dir/pg" "$(free_port)"

# The operator's token: generated, kept in a file only the owner reads, never printed.
(umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/faults-/' >"$dir/operator-token")
echo "   the operator token is in $dir/operator-token"

port="$(free_port)"
set +e
dotnet bench/DataExchange.Faults/bin/Release/net10.0/DataExchange.Faults.dll $mode \
  --repo "$PWD" --port "$port" \
  --server-dll "$PWD/src/DataExchange.Server/bin/Release/net10.0/DataExchange.Server.dll" \
  --dx-dll "$PWD/src/DataExchange.Cli/bin/Release/net10.0/dx.dll" \
  --server-data-dir "$dir/server" --server-log "$dir/server.log" --server-pid-file "$dir/server.pid" \
  --token-file "$dir/operator-token" --pg-dir "$PG_DIR" --pg-port "$PG_PORT" --database-url "$DX_DATABASE_URL" \
  --schema dataexchange --out-dir "$dir" --buyers "${DX_FAULTS_BUYERS:-8}"
status=$?
set -e
echo "Acknowledged trades: $dir/acks.tsv; report: $dir/report.json; server log: $dir/server.log; PostgreSQL log: $dir/pg/postgres.log"
exit $status
