#!/bin/sh
set -eu
user="${POSTGRES_USER:-postgres}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA"
    printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" > /tmp/pwfile
    chown postgres /tmp/pwfile
    su postgres -c "/usr/lib/postgresql/15/bin/initdb -D '$PGDATA' -U '$user' --pwfile=/tmp/pwfile -A scram-sha-256 -E UTF8 --locale=C.UTF-8" >/dev/null
    rm /tmp/pwfile
    echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
    if [ -n "${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != "$user" ]; then
        su postgres -c "/usr/lib/postgresql/15/bin/postgres --single -D '$PGDATA' postgres" <<SQL >/dev/null
CREATE DATABASE "$POSTGRES_DB";
SQL
    fi
fi
exec su postgres -c "exec /usr/lib/postgresql/15/bin/postgres -D '$PGDATA' -c listen_addresses='*' -c fsync=off"
