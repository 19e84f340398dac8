#!/bin/sh
# Run migtest against a throw-away PostgreSQL server on this host (initdb + pg_ctl, as `nobody`
# when run as root: PostgreSQL refuses root), removed afterwards whatever happened.
# usage: scripts/on-host-postgres.sh [migtest run options...]     (from examples/contextforge)
# MIGTEST names the migtest program (default: the repository's .venv).
set -eu
migtest=${MIGTEST:-$(cd "$(dirname "$0")/../../.." && pwd)/.venv/bin/migtest}
root=$(mktemp -d /tmp/contextforge-pg-XXXXXX)
as_server() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
stop() {
    as_server pg_ctl -D "$root/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$root"
}
trap stop EXIT INT TERM
password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '%s' "$password" > "$root/pw"
chmod 777 "$root"
[ "$(id -u)" = 0 ] && chown nobody "$root" "$root/pw"
as_server initdb -D "$root/data" -U postgres --pwfile="$root/pw" -A scram-sha-256 >/dev/null
as_server pg_ctl -D "$root/data" -l "$root/log" -w -t 60 \
    -o "-p $port -k $root -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
"$migtest" run --database-url "postgresql://postgres:$password@127.0.0.1:$port/postgres" "$@"
