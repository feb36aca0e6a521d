#!/usr/bin/env bash
# A development certificate authority for DataExchange's TLS and mTLS, made with openssl (EC P-256 keys).
#
#   scripts/dev-ca.sh                      the CA and the server's certificate (kept when they exist and still fit)
#   scripts/dev-ca.sh client PARTICIPANT   a client certificate bound to PARTICIPANT (participants/<uuid> or <uuid>)
#
# Writes under DX_TLS_DIR (default: $DX_DATA_DIR/tls, DX_DATA_DIR defaulting to the repository's .data):
#   ca.crt                       the CA certificate: give it to clients (dx --ca / DX_CA) and to the server for mTLS (DX_TLS_CLIENT_CA)
#   ca.key                       the CA's key, in DX_TLS_CA_DIR when set (default: beside ca.crt); only this script needs it
#   server.crt, server.key       the server's certificate and key (DX_TLS_CERT, DX_TLS_KEY), for the names in
#                                DX_TLS_SERVER_NAMES (default localhost,127.0.0.1,::1); reissued when those names change
#   clients/<uuid>.crt, .key     a participant's client certificate and key (dx --cert, --key): its subject alternative
#                                name URI urn:dataexchange:participants/<uuid> binds it to that participant
# Keys are created owner-only (0600) and never printed; the script prints paths and SHA-256 fingerprints only.
# Development only: a production CA keeps its key offline and issues certificates through its own process.
set -euo pipefail
umask 077

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${DX_TLS_DIR:-${DX_DATA_DIR:-$root/.data}/tls}"
ca_dir="${DX_TLS_CA_DIR:-$dir}"
server_names="${DX_TLS_SERVER_NAMES:-localhost,127.0.0.1,::1}"

usage() { sed -n '4,5p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

command -v openssl >/dev/null || { echo "dev-ca.sh needs openssl on PATH." >&2; exit 1; }
mkdir -p "$dir" "$ca_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fingerprint() { openssl x509 -noout -fingerprint -sha256 -in "$1" | sed 's/^.*=//'; }
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }
serial() { echo "0x$(openssl rand -hex 16)"; }

ensure_ca() {
  if [ -f "$dir/ca.crt" ] && [ -f "$ca_dir/ca.key" ]; then return; fi
  if [ -f "$dir/ca.crt" ] || [ -f "$ca_dir/ca.key" ]; then
    echo "Only half of the CA exists ($dir/ca.crt, $ca_dir/ca.key); remove both to start again." >&2
    exit 1
  fi
  new_key "$ca_dir/ca.key"
  cat > "$work/ca.cnf" <<'CNF'
[req]
prompt = no
distinguished_name = dn
x509_extensions = v3_ca
[dn]
O = DataExchange development
CN = DataExchange development CA
[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
CNF
  openssl req -x509 -new -config "$work/ca.cnf" -key "$ca_dir/ca.key" -sha256 -days 3650 -set_serial "$(serial)" -out "$dir/ca.crt"
  chmod 644 "$dir/ca.crt"
  echo "Created the development CA: $dir/ca.crt (SHA-256 $(fingerprint "$dir/ca.crt"))"
}

# issue NAME KEY CERT EXTENSIONS: a certificate for NAME's key, signed by the CA, valid 825 days.
issue() {
  local common_name="$1" key="$2" cert="$3" extensions="$4"
  new_key "$key"
  cat > "$work/leaf.cnf" <<CNF
[req]
prompt = no
distinguished_name = dn
[dn]
O = DataExchange development
CN = $common_name
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
$extensions
CNF
  openssl req -new -config "$work/leaf.cnf" -key "$key" -out "$work/leaf.csr"
  openssl x509 -req -in "$work/leaf.csr" -CA "$dir/ca.crt" -CAkey "$ca_dir/ca.key" -set_serial "$(serial)" -sha256 -days 825 \
    -extfile "$work/leaf.cnf" -extensions ext -out "$cert" 2>/dev/null
  chmod 644 "$cert"
}

ensure_server() {
  local alt="" name
  IFS=',' read -ra names <<< "$server_names"
  for name in "${names[@]}"; do
    name="${name// /}"
    [ -n "$name" ] || continue
    if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then alt+="${alt:+,}IP:$name"; else alt+="${alt:+,}DNS:$name"; fi
  done
  [ -n "$alt" ] || { echo "DX_TLS_SERVER_NAMES names no host." >&2; exit 2; }
  if [ -f "$dir/server.crt" ] && [ -f "$dir/server.key" ] && [ "$(cat "$dir/server.names" 2>/dev/null)" = "$alt" ] \
    && openssl x509 -checkend 2592000 -noout -in "$dir/server.crt" >/dev/null; then
    echo "Server certificate kept: $dir/server.crt for $alt (SHA-256 $(fingerprint "$dir/server.crt"))"
    return
  fi
  issue "DataExchange server" "$dir/server.key" "$dir/server.crt" "extendedKeyUsage = serverAuth
subjectAltName = $alt"
  echo "$alt" > "$dir/server.names"
  chmod 644 "$dir/server.names"
  echo "Issued the server certificate: $dir/server.crt for $alt (SHA-256 $(fingerprint "$dir/server.crt"))"
}

issue_client() {
  local participant="${1#participants/}"
  if ! [[ "$participant" =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]]; then
    echo "'$1' is not a participant name: expected participants/<uuid> or a bare UUID." >&2
    exit 2
  fi
  participant="${participant,,}"
  mkdir -p "$dir/clients"
  issue "participant $participant" "$dir/clients/$participant.key" "$dir/clients/$participant.crt" "extendedKeyUsage = clientAuth
subjectAltName = URI:urn:dataexchange:participants/$participant"
  echo "Issued a client certificate for participants/$participant: $dir/clients/$participant.crt (SHA-256 $(fingerprint "$dir/clients/$participant.crt"))"
  echo "  dx --ca $dir/ca.crt --cert $dir/clients/$participant.crt --key $dir/clients/$participant.key ..."
}

case "${1:-server}" in
  server)
    [ $# -le 1 ] || usage
    ensure_ca
    ensure_server
    echo "Serve with: DX_TLS_CERT=$dir/server.crt DX_TLS_KEY=$dir/server.key (mTLS: DX_TLS_CLIENT_CA=$dir/ca.crt)"
    ;;
  client)
    [ $# -eq 2 ] || usage
    ensure_ca
    issue_client "$2"
    ;;
  -h|--help) usage ;;
  *) usage ;;
esac
