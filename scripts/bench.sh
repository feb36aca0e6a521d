#!/usr/bin/env bash
# Benchmark: trades/s and latency under load, reads, the gRPC+auth floor, and PostgreSQL's own TPC-B ceiling measured
# on the same private cluster in the same run. Writes bench/results/latest.json and latest.md.
#   scripts/bench.sh           full run (30 s per trade scenario; well under 15 minutes)
#   scripts/bench.sh --quick   every scenario briefly (under two minutes)
# The cluster (.data/bench-pg) and the server's data (.data/bench) are fresh each run; the server is started as
# scripts/run.sh starts it (Release build, same PostgreSQL settings through scripts/lib/postgres.sh, DX_SEED=0),
# on its own ports, with DX_STAGE_TIMINGS=1 for the per-stage breakdown; a second server process on the same database
# (scenario 4: trades across both, then the sequencer's leader killed under load); and for scenario 5, BENCH_WITNESSES
# (default 2, 0 skips it) `dx witness serve` processes with a third server whose DX_WITNESSES names them, on its own
# fresh database of the same cluster and otherwise the same settings (it signs with the first server's key files under
# its own origin, so the witnesses can be given the log's keys before it starts).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/postgres.sh

quick=""
[ "${1:-}" = "--quick" ] && quick="--quick"
trade_seconds="${BENCH_TRADE_SECONDS:-$([ -n "$quick" ] && echo 5 || echo 30)}"

bench_dir="$PWD/.data/bench"
server_pid=""
second_pid=""
seed_pid=""
witnessed_pid=""
unwitnessed_pid=""
witness_pids=""
# Stops a process and waits for it, at most 10 s before SIGKILL (a stuck process must not keep the cleanup from pg_down).
stop_pid() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 40); do kill -0 "$1" 2>/dev/null || break; sleep 0.25; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  for pid in $server_pid $second_pid $seed_pid $witnessed_pid $unwitnessed_pid $witness_pids; do stop_pid "$pid"; done
  pg_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== Building (Release) ..."
# One MSBuild invocation for server, dx and the load generator (bench/bench.slnf): one evaluation, one restore.
dotnet build bench/bench.slnf -c Release --nologo -v quiet -clp:ErrorsOnly | grep -vE '^\s*$|Build succeeded|Warning\(s\)|Error\(s\)|Time Elapsed' || true
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
touch src/DataExchange.Cli/bin/Release/.dx-build-stamp

echo "== Fresh PostgreSQL under .data/bench-pg (settings as scripts/run.sh) ..."
if [ -f .data/bench-pg/data/postmaster.pid ] && pg_find_bin; then # a previous run killed before its cleanup
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PWD/.data/bench-pg/data" -m fast -w stop >/dev/null 2>&1 || true
fi
rm -rf .data/bench-pg "$bench_dir"
mkdir -p "$bench_dir"
pg_up .data/bench-pg "$(free_port)"
psql_() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
pg_version="$(psql_ -c 'show server_version' postgres)"

# pgbench exactly as specified (`pgbench -i`, scale 1: the 8 clients queue on one branch row, so it is partly a
# row-lock figure) and again at scale 8 (one branch per client: PostgreSQL's commit ceiling on this disk).
run_pgbench() { # DB SCALE -> prints the JSON object
  psql_ -c "create database $1" postgres
  pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -q -s "$2" "$1" >"$bench_dir/$1-init.log" 2>&1
  pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -c 8 -j 2 -T "$trade_seconds" "$1" >"$bench_dir/$1.log" 2>&1
  local tps lat failed
  tps="$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$bench_dir/$1.log")"
  lat="$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$bench_dir/$1.log")"
  failed="$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$bench_dir/$1.log")"
  [ -n "$tps" ] || { cat "$bench_dir/$1.log" >&2; exit 1; }
  echo "   pgbench scale $2: $tps tps, latency average ${lat:-?} ms" >&2
  printf '{"tps": %s, "latency_avg_ms": %s, "failed": %s, "clients": 8, "threads": 2, "seconds": %s, "scale": %s}' \
    "$tps" "${lat:-null}" "${failed:-0}" "$trade_seconds" "$2"
}
echo "== pgbench TPC-B on the same cluster: -c 8 -j 2 -T $trade_seconds, scale 1 and 8 ..."
pgbench_1="$(run_pgbench pgbench 1)"
pgbench_8="$(run_pgbench pgbench_s8 8)"
echo "${pgbench_1%\}}, \"scale8\": $pgbench_8}" >"$bench_dir/pgbench.json"

# Starts a server like scripts/run.sh does (Release, DX_SEED=0 semantics: nothing seeded) on a database of the cluster.
start_server() { # DB PORT DATA_DIR LOG -> sets started_pid
  mkdir -p "$3"
  # BENCH_SERVER_ENV="K=V ..." adds settings for an experiment (e.g. a log level); results then say so.
  # DX_HTTP_LISTEN=off: no REST port of its own (two servers would both want the default 127.0.0.1:5081).
  # shellcheck disable=SC2086
  env DX_HTTP_LISTEN=off "${server_extra_env[@]}" DX_DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/$1" DX_LISTEN="127.0.0.1:$2" DX_DATA_DIR="$3" \
    DX_BOOTSTRAP_TOKEN="$token" DX_STAGE_TIMINGS="${5:-0}" ${BENCH_SERVER_ENV:-} \
    dotnet src/DataExchange.Server/bin/Release/net10.0/DataExchange.Server.dll >"$4" 2>&1 &
  started_pid=$!
  for _ in $(seq 1 120); do
    kill -0 "$started_pid" 2>/dev/null || { tail -30 "$4" >&2; echo "The server exited." >&2; exit 1; }
    DX_ADDRESS="http://127.0.0.1:$2" scripts/dx health >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "The server did not become healthy; see $4" >&2; exit 1
}

server_extra_env=() # more settings for the next start_server only (scenario 5's DX_WITNESSES and keys)
token="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
seed_json=""
# `dx seed --help` exits 0 even without the command (it prints the root help), so look for the command itself.
if scripts/dx --help 2>/dev/null | grep -qE '^\s+seed(\s|$)'; then
  echo "== Seed load: dx seed into a fresh database ..."
  psql_ -c "create database dataexchange_seed" postgres
  seed_port="$(free_port)"
  start_server dataexchange_seed "$seed_port" "$bench_dir/seed" "$bench_dir/seed-server.log"
  seed_pid=$started_pid
  start=$(date +%s.%N)
  if DX_ADDRESS="http://127.0.0.1:$seed_port" DX_TOKEN="$token" scripts/dx seed >"$bench_dir/seed.log" 2>&1; then
    end=$(date +%s.%N)
    printf '{"measured": true, "seed_load_seconds": %s}\n' "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')" >"$bench_dir/seed.json"
  else
    printf '{"measured": false, "reason": "dx seed failed (exit %s); see .data/bench/seed.log"}\n' "$?" >"$bench_dir/seed.json"
  fi
  kill "$seed_pid" 2>/dev/null || true; wait "$seed_pid" 2>/dev/null || true; seed_pid=""
  seed_json="$bench_dir/seed.json"
fi

echo "== Two servers on one database (Release; the first with DX_STAGE_TIMINGS=1, the second joins in scenario 4) ..."
port="$(free_port)"
start_server dataexchange "$port" "$bench_dir" "$bench_dir/server.log" 1
server_pid=$started_pid
# The second process shares the first's DX_DATA_DIR, as two processes on one host do: the same keys (servers of one
# database must share them) and the same signer record, so whichever takes the sequencer over re-verifies only what
# was logged since the other last signed.
port2="$(free_port)"
start_server dataexchange "$port2" "$bench_dir" "$bench_dir/second-server.log"
second_pid=$started_pid

# Scenario 5: witnesses. Their keys first (offline), the log's verifier keys from the first server (the witnessed
# server signs with the same key files), then the witnesses, then the witnessed server with DX_WITNESSES naming them.
witness_count="${BENCH_WITNESSES:-2}"
witness_args=()
if [ "$witness_count" -gt 0 ]; then
  echo "== $witness_count witnesses (dx witness serve, Release) and a third server with DX_WITNESSES on a fresh database ..."
  dx_dll="$PWD/src/DataExchange.Cli/bin/Release/net10.0/dx.dll"
  witnessed_origin="bench.dataexchange.local/witnessed"
  DX_ADDRESS="http://127.0.0.1:$port" DX_TOKEN="$token" dotnet "$dx_dll" ledger keys --out "$bench_dir/log-keys" >/dev/null
  log_keys=()
  for f in "$bench_dir"/log-keys/*.vkey; do log_keys+=(--log-key "$(cat "$f")"); done
  witnesses=""
  for i in $(seq 1 "$witness_count"); do
    wdir="$bench_dir/witness-$i"
    mkdir -p "$wdir"
    vkey="$(dotnet "$dx_dll" witness keygen --name "bench.witness.example/w$i" --out "$wdir/witness.key")"
    wport="$(free_port)"
    dotnet "$dx_dll" witness serve --name "bench.witness.example/w$i" --key "$wdir/witness.key" --state "$wdir/state.json" \
      --listen "127.0.0.1:$wport" --log-origin "$witnessed_origin" "${log_keys[@]}" >"$wdir/witness.log" 2>&1 &
    witness_pids="$witness_pids $!"
    for _ in $(seq 1 60); do
      curl -fsS "http://127.0.0.1:$wport/vkey" >/dev/null 2>&1 && break
      kill -0 "$!" 2>/dev/null || { cat "$wdir/witness.log" >&2; echo "Witness $i exited." >&2; exit 1; }
      sleep 0.5
    done
    witnesses="${witnesses:+$witnesses;}http://127.0.0.1:$wport/ $vkey"
  done
  psql_ -c "create database dataexchange_witnessed" postgres
  witnessed_port="$(free_port)"
  metrics_port="$(free_port)"
  server_extra_env=(DX_WITNESSES="$witnesses" DX_LEDGER_ORIGIN="$witnessed_origin" DX_METRICS_LISTEN="127.0.0.1:$metrics_port"
    DX_LEDGER_SM2_KEY="$bench_dir/keys/ledger-sm2.pem" DX_LEDGER_ED25519_KEY="$bench_dir/keys/ledger-ed25519.pem")
  start_server dataexchange_witnessed "$witnessed_port" "$bench_dir/witnessed" "$bench_dir/witnessed-server.log" 1
  witnessed_pid=$started_pid
  # Its twin without witnesses (fresh database, the same settings, metrics endpoint included): the two sides of the
  # comparison differ in DX_WITNESSES only.
  psql_ -c "create database dataexchange_unwitnessed" postgres
  unwitnessed_port="$(free_port)"
  server_extra_env=(DX_LEDGER_ORIGIN="bench.dataexchange.local/unwitnessed" DX_METRICS_LISTEN="127.0.0.1:$(free_port)"
    DX_LEDGER_SM2_KEY="$bench_dir/keys/ledger-sm2.pem" DX_LEDGER_ED25519_KEY="$bench_dir/keys/ledger-ed25519.pem")
  start_server dataexchange_unwitnessed "$unwitnessed_port" "$bench_dir/unwitnessed" "$bench_dir/unwitnessed-server.log" 1
  unwitnessed_pid=$started_pid
  server_extra_env=()
  witness_args=(--witnessed-address "http://127.0.0.1:$witnessed_port"
    --witnessed-database-url "postgresql://postgres@127.0.0.1:$PG_PORT/dataexchange_witnessed"
    --witnessed-server-pid "$witnessed_pid" --witnessed-metrics "http://127.0.0.1:$metrics_port/metrics"
    --witness-quorum "$witness_count" --witness-pids "$(echo $witness_pids | tr ' ' ',')"
    --unwitnessed-address "http://127.0.0.1:$unwitnessed_port"
    --unwitnessed-database-url "postgresql://postgres@127.0.0.1:$PG_PORT/dataexchange_unwitnessed" --unwitnessed-server-pid "$unwitnessed_pid")
fi

ledger_json="" # the load generator measures the ledger itself (scenario 3) through --database-url and --dx

echo "== Load ..."
set +e
dotnet bench/DataExchange.Bench/bin/Release/net10.0/DataExchange.Bench.dll $quick \
  --address "http://127.0.0.1:$port" --token "$token" --trade-seconds "$trade_seconds" \
  --stage-file "$bench_dir/stage-timings.json" --pgbench "$bench_dir/pgbench.json" \
  --ledger "$ledger_json" --seed "$seed_json" --pg-version "$pg_version" \
  --database-url "postgresql://postgres@127.0.0.1:$PG_PORT/dataexchange" --schema dataexchange \
  --dx "$PWD/src/DataExchange.Cli/bin/Release/net10.0/dx.dll" \
  --server-pid "$server_pid" --second-address "http://127.0.0.1:$port2" --second-server-pid "$second_pid" --postmaster-pid "$(head -1 .data/bench-pg/data/postmaster.pid)" \
  --server-env "${BENCH_SERVER_ENV:-}" "${witness_args[@]}" \
  --commit "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/DataExchange.Bench scripts || echo '+dirty')" \
  --out-dir bench/results
status=$?
set -e
echo "Results: bench/results/latest.md, bench/results/latest.json (server logs: .data/bench/server.log, second-server.log, witnessed-server.log, witness-N/witness.log)"
exit $status
