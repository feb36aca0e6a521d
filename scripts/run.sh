#!/usr/bin/env bash
# Starts DataExchange: a private PostgreSQL under .data/ (unless DX_DATABASE_URL is set) and the gRPC server on
# DX_LISTEN (default 127.0.0.1:5080). Ctrl-C stops both; running it again reuses the data.
# DX_TLS=1 serves TLS with certificates from the development CA (scripts/dev-ca.sh, under $DX_DATA_DIR/tls); setting
# DX_TLS_CERT and DX_TLS_KEY yourself serves TLS with those. Otherwise cleartext, which the server allows on loopback only.
# With DX_TLS_CLIENT_CA (mTLS), its own dx calls need the operator's client certificate in DX_CERT and DX_KEY, and it does
# not seed: `dx seed` acts as many participants over one connection, which certificate binding refuses.
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

dotnet src/DataExchange.Server/bin/Release/net10.0/DataExchange.Server.dll &
server_pid=$!

token_file="$DX_DATA_DIR/bootstrap-token"
export DX_ADDRESS="$scheme://$client_host:${DX_LISTEN##*:}"
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

DataExchange is serving gRPC ($([ "$scheme" = https ] && echo "HTTP/2 over TLS" || echo "HTTP/2 cleartext")) on $DX_ADDRESS
The operator token is in $token_where. In another shell:

  export DX_ADDRESS=$DX_ADDRESS
${DX_CA:+  export DX_CA=$DX_CA
}${DX_CERT:+  export DX_CERT=$DX_CERT DX_KEY=${DX_KEY:-}
}  $token_export
  scripts/dx participants list

Press Ctrl-C to stop.
MSG
wait "$server_pid"
