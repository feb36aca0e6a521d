# shellcheck shell=bash
# A private PostgreSQL cluster owned by the project. Source this file, then call pg_up DIR PORT.
# Works as a normal user (the cluster runs as you) and as root (it runs as the 'postgres' user,
# because PostgreSQL refuses to run as root). Installs the Debian 'postgresql' package if the binaries are missing.

pg_find_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    PG_BIN="$(dirname "$(command -v pg_ctl)")"
    return 0
  fi
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/pg_ctl" ]; then PG_BIN="$dir"; return 0; fi
  done
  return 1
}

pg_ensure_installed() {
  pg_find_bin && return 0
  echo "PostgreSQL binaries not found; installing the 'postgresql' package..." >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
  pg_find_bin || { echo "PostgreSQL is still missing after apt-get install" >&2; return 1; }
}

# Runs a PostgreSQL binary as the cluster's owner.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# pg_up DIR PORT: initialise DIR if new, start the cluster on 127.0.0.1:PORT, create database 'dataexchange',
# and export DX_DATABASE_URL.
pg_up() {
  local dir="$1" port="$2"
  pg_ensure_installed || return 1
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown postgres "$dir"
  fi
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    pg_as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  pg_as_owner mkdir -p "$dir/socket"
  if ! pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $dir/socket -c max_connections=300 -c shared_buffers=256MB -c fsync=${DX_PG_FSYNC:-on} -c synchronous_commit=${DX_PG_SYNC_COMMIT:-on}" \
      start >/dev/null || { tail -20 "$dir/postgres.log" >&2; return 1; }
  fi
  PG_DIR="$dir"
  PG_PORT="$port"
  if ! psql -h 127.0.0.1 -p "$port" -U postgres -tAc "select 1 from pg_database where datname='dataexchange'" postgres | grep -q 1; then
    psql -h 127.0.0.1 -p "$port" -U postgres -qc "create database dataexchange" postgres >/dev/null
  fi
  export DX_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/dataexchange"
}

pg_down() {
  [ -n "${PG_DIR:-}" ] || return 0
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}
