#!/usr/bin/env bash
# Starts DataExchange: a private PostgreSQL under .data/ (unless DX_DATABASE_URL is set) and the gRPC server on
# DX_LISTEN (default 127.0.0.1:5080). Ctrl-C stops both; running it again reuses the data.
# DX_TLS=1 serves TLS with certificates from the development CA (scripts/dev-ca.sh, under $DX_DATA_DIR/tls); setting
# DX_TLS_CERT and DX_TLS_KEY yourself serves TLS with those. Otherwise cleartext, which the server allows on loopback only.
# With DX_TLS_CLIENT_CA (mTLS), its own dx calls need the operator's client certificate in DX_CERT and DX_KEY, and it does
# not seed: `dx seed` acts as many participants over one connection, which certificate binding refuses.
# DX_WITNESS=1 also runs one witness of the ledger (`dx witness serve`, C2SP tlog-witness) on DX_WITNESS_LISTEN (default
# 127.0.0.1:7380), its key and state under $DX_DATA_DIR/witness/, and starts the server with DX_WITNESSES naming it
# (added to any DX_WITNESSES already set). The witness must know the log's public keys before the server may push to it:
# the first time (or after the server's keys changed) the server is started once without it to read them
# (`dx ledger keys`), then stopped and started again with the witness.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/postgres.sh

export DX_LISTEN="${DX_LISTEN:-127.0.0.1:5080}"
export DX_HTTP_LISTEN="${DX_HTTP_LISTEN:-127.0.0.1:5081}"
export DX_DATA_DIR="${DX_DATA_DIR:-$PWD/.data}"
mkdir -p "$DX_DATA_DIR"

server_pid=""
ticker_pid=""
witness_pid=""
cleanup() {
  if [ -n "$ticker_pid" ]; then kill "$ticker_pid" 2>/dev/null || true; wait "$ticker_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$witness_pid" ]; then # at most 10 s, then SIGKILL: its state is on disk before any cosignature leaves
    kill "$witness_pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$witness_pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$witness_pid" 2>/dev/null || true; wait "$witness_pid" 2>/dev/null || true
  fi
  pg_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${DX_DATABASE_URL:-}" ]; then
  echo "Starting PostgreSQL under $DX_DATA_DIR/pg ..."
  pg_up "$DX_DATA_DIR/pg" "${DX_PG_PORT:-55432}"
fi

# build PROJECT: a Release build that shows its progress (the first one restores the packages and compiles everything,
# which takes minutes): each package restore and each project built with the seconds since the start, a line every 15 s
# while nothing else is said, and the compiler's errors as dotnet prints them.
build() {
  local project="$1" start=$SECONDS status=0
  echo "Building $project ..."
  ( n=0; while sleep 1; do n=$((n + 1)); [ $((n % 15)) -ne 0 ] || echo "  ... $((SECONDS - start)) s"; done ) &
  ticker_pid=$!
  dotnet build "$project" -c Release --nologo -tl:off -v minimal -clp:NoSummary 2>&1 | build_progress "$start" || status=$?
  kill "$ticker_pid" 2>/dev/null || true; wait "$ticker_pid" 2>/dev/null || true
  ticker_pid=""
  if [ "$status" -ne 0 ]; then
    echo "Building $project failed after $((SECONDS - start)) s." >&2
    exit "$status"
  fi
  echo "Built $project in $((SECONDS - start)) s."
}
build_progress() {
  local start="$1" line
  while IFS= read -r line; do
    if [[ "$line" =~ ^\ *Determining\ projects\ to\ restore ]]; then
      echo "  restoring packages ..."
    elif [[ "$line" =~ ^\ *Restored\ .*/([^/]+)\.csproj ]]; then
      echo "  restored ${BASH_REMATCH[1]} ($((SECONDS - start)) s)"
    elif [[ "$line" =~ ^\ *([A-Za-z0-9_.]+)\ -\>\ / ]]; then
      echo "  built ${BASH_REMATCH[1]} ($((SECONDS - start)) s)"
    elif [[ -z "${line// /}" || "$line" =~ up-to-date\ for\ restore|^Build\ succeeded\.$|^\ *0\ (Warning|Error)\(s\)$|^Time\ Elapsed ]]; then
      :
    else
      printf '%s\n' "$line" >&2
    fi
  done
}
build src/DataExchange.Server
build src/DataExchange.Cli

if [ "${DX_TLS:-0}" = "1" ] && [ -z "${DX_TLS_CERT:-}" ]; then
  tls_dir="${DX_TLS_DIR:-$DX_DATA_DIR/tls}"
  DX_TLS_DIR="$tls_dir" scripts/dev-ca.sh
  export DX_TLS_CERT="$tls_dir/server.crt" DX_TLS_KEY="$tls_dir/server.key"
  export DX_CA="${DX_CA:-$tls_dir/ca.crt}"
fi
scheme=http
if [ -n "${DX_TLS_CERT:-}" ]; then scheme=https; fi
if [ -n "${DX_TLS_CLIENT_CA:-}" ]; then
  if [ -z "${DX_CERT:-}" ]; then
    echo "DX_TLS_CLIENT_CA is set: set DX_CERT and DX_KEY to the operator's client certificate (scripts/dev-ca.sh client participants/<operator>) so that dx can connect." >&2
  fi
  if [ "${DX_SEED:-1}" != "0" ]; then
    echo "Not seeding under mTLS (dx seed acts as many participants over one connection); seed before requiring client certificates." >&2
    DX_SEED=0
  fi
fi
# dx connects to what the server listens on; a wildcard address is reached on loopback (which the certificate names).
client_host="${DX_LISTEN%:*}"
case "$client_host" in 0.0.0.0|"[::]") client_host=127.0.0.1 ;; esac

token_file="$DX_DATA_DIR/bootstrap-token"
export DX_ADDRESS="$scheme://$client_host:${DX_LISTEN##*:}"
# Starts the server in the background (server_pid) and waits until `dx health` answers; then DX_TOKEN is the operator's.
start_server() {
  dotnet src/DataExchange.Server/bin/Release/net10.0/DataExchange.Server.dll &
  server_pid=$!
  for _ in $(seq 1 120); do
    if ! kill -0 "$server_pid" 2>/dev/null; then echo "The server exited; see the log above." >&2; exit 1; fi
    if scripts/dx health >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  if [ -z "${DX_BOOTSTRAP_TOKEN:-}" ] && [ -f "$token_file" ]; then
    export DX_TOKEN="$(cat "$token_file")"
  else
    export DX_TOKEN="${DX_BOOTSTRAP_TOKEN:-}"
  fi
}

witness_url=""
if [ "${DX_WITNESS:-0}" = "1" ]; then
  witness_dir="$DX_DATA_DIR/witness"
  witness_listen="${DX_WITNESS_LISTEN:-127.0.0.1:7380}"
  witness_name="${DX_WITNESS_NAME:-witness.localhost/run-sh}"
  log_origin="${DX_LEDGER_ORIGIN:-dataexchange.local/ledger}"
  mkdir -p "$witness_dir"
  if [ ! -f "$witness_dir/witness.key" ]; then
    scripts/dx witness keygen --name "$witness_name" --out "$witness_dir/witness.key" >"$witness_dir/witness.vkey"
    echo "Made the witness key $witness_dir/witness.key ($(cat "$witness_dir/witness.vkey"))"
  fi
  # The log's verifier keys, read from the server itself: again whenever its key files are newer than what was read.
  sm2_key="${DX_LEDGER_SM2_KEY:-$DX_DATA_DIR/keys/ledger-sm2.pem}"
  ed_key="${DX_LEDGER_ED25519_KEY:-$DX_DATA_DIR/keys/ledger-ed25519.pem}"
  stamp="$witness_dir/log-keys/.read"
  if [ ! -f "$stamp" ] || [ ! -f "$sm2_key" ] || [ ! -f "$ed_key" ] || [ "$sm2_key" -nt "$stamp" ] || [ "$ed_key" -nt "$stamp" ]; then
    echo "Starting the server once without the witness, to read the log's public keys for it ..."
    start_server
    rm -rf "$witness_dir/log-keys"
    scripts/dx ledger keys --out "$witness_dir/log-keys" >/dev/null
    touch "$stamp"
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  fi
  log_keys=()
  for f in "$witness_dir"/log-keys/*.vkey; do log_keys+=(--log-key "$(cat "$f")"); done
  scripts/dx witness serve --name "$witness_name" --key "$witness_dir/witness.key" --state "$witness_dir/state.json" \
    --listen "$witness_listen" --log-origin "$log_origin" --log-hash "${DX_LEDGER_HASH:-sha256}" "${log_keys[@]}" >"$witness_dir/witness.log" 2>&1 &
  witness_pid=$!
  witness_url="http://$witness_listen/"
  for _ in $(seq 1 120); do
    if ! kill -0 "$witness_pid" 2>/dev/null; then cat "$witness_dir/witness.log" >&2; echo "The witness exited." >&2; exit 1; fi
    if grep -q "^witness " "$witness_dir/witness.log" 2>/dev/null; then break; fi
    sleep 0.5
  done
  echo "Witness $witness_name on $witness_url (log: $witness_dir/witness.log)"
  export DX_WITNESSES="${DX_WITNESSES:+$DX_WITNESSES;}$witness_url @$witness_dir/witness.vkey"
fi

start_server

if [ "${DX_SEED:-1}" != "0" ] && [ -n "$DX_TOKEN" ]; then
  scripts/dx seed || echo "Seeding failed; the server keeps running." >&2
fi

# Say where the operator's token is, never what it is (issue 12: no script prints a token or key).
if [ -n "${DX_BOOTSTRAP_TOKEN:-}" ]; then
  token_where="the DX_BOOTSTRAP_TOKEN variable this was started with"
  token_export='export DX_TOKEN="$DX_BOOTSTRAP_TOKEN"   # where that variable is set'
else
  token_where="$token_file (owner-only)"
  token_export="export DX_TOKEN=\$(cat $token_file)"
fi

cat <<MSG

DataExchange is serving gRPC ($([ "$scheme" = https ] && echo "HTTP/2 over TLS" || echo "HTTP/2 cleartext")) on $DX_ADDRESS
$([ "$DX_HTTP_LISTEN" = off ] || echo "REST/JSON on $scheme://${DX_HTTP_LISTEN/0.0.0.0/127.0.0.1} (OpenAPI at /openapi/v1.json)")
$([ "$DX_HTTP_LISTEN" = off ] || echo "The public explorer (公共浏览器): open $scheme://${DX_HTTP_LISTEN/0.0.0.0/127.0.0.1}/ in a browser")
The operator token is in $token_where. In another shell:

  export DX_ADDRESS=$DX_ADDRESS
${DX_CA:+  export DX_CA=$DX_CA
}${DX_CERT:+  export DX_CERT=$DX_CERT DX_KEY=${DX_KEY:-}
}  $token_export
  scripts/dx participants list
$([ -z "$witness_url" ] || printf '\nA witness cosigns every checkpoint: %s (key, state and log under %s/).\n  scripts/dx ledger witnesses          # each witness: state, cosigned size, last contact and error\n  scripts/dx ledger checkpoint --json   # the note with its cosignatures and witness_quorum_state\n%s' "$witness_url" "$witness_dir" "$([ "$DX_HTTP_LISTEN" = off ] || printf '  curl -s -H "Authorization: Bearer $DX_TOKEN" %s/v1/ledger/witnesses   # the same over REST\n' "$scheme://${DX_HTTP_LISTEN/0.0.0.0/127.0.0.1}")")
Press Ctrl-C to stop.
MSG
wait "$server_pid"
