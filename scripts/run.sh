#!/usr/bin/env bash
# Starts DataExchange: a private PostgreSQL under .data/ (unless DX_DATABASE_URL is set) and the gRPC server on
# DX_LISTEN (default 127.0.0.1:5080). Ctrl-C stops both; running it again reuses the data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/postgres.sh

export DX_LISTEN="${DX_LISTEN:-127.0.0.1:5080}"
export DX_DATA_DIR="${DX_DATA_DIR:-$PWD/.data}"
mkdir -p "$DX_DATA_DIR"

server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  pg_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${DX_DATABASE_URL:-}" ]; then
  echo "Starting PostgreSQL under $DX_DATA_DIR/pg ..."
  pg_up "$DX_DATA_DIR/pg" "${DX_PG_PORT:-55432}"
fi

echo "Building ..."
dotnet build src/DataExchange.Server -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet build src/DataExchange.Cli -c Release --nologo -v quiet -clp:ErrorsOnly

dotnet src/DataExchange.Server/bin/Release/net10.0/DataExchange.Server.dll &
server_pid=$!

token_file="$DX_DATA_DIR/bootstrap-token"
export DX_ADDRESS="http://$DX_LISTEN"
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

DataExchange is serving gRPC (HTTP/2 cleartext) on $DX_ADDRESS
The operator token is in $token_where. In another shell:

  export DX_ADDRESS=$DX_ADDRESS
  $token_export
  scripts/dx participants list

Press Ctrl-C to stop.
MSG
wait "$server_pid"
