#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests: installs Debian's postgresql-15 where it is
# missing, creates a cluster with initdb in a temporary folder, starts it with pg_ctl on a free
# loopback port, and exports
#   SWITCHYARD_TEST_POSTGRES_URL   postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
#   SWITCHYARD_TEST_POSTGRES_DATA  the cluster's data folder (the live tests stop and restart it)
#   SWITCHYARD_TEST_POSTGRES_BIN   the folder holding pg_ctl
# The cluster is stopped and its folder removed when the shell exits.
#
# Two ways to use it:
#   source scripts/postgres.sh && postgres_start     (from a bash script; sets an EXIT trap)
#   scripts/postgres.sh COMMAND [ARGS...]            (runs COMMAND with the variables set)

postgres_bin_dir() {
    local dir
    for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

postgres_install() {
    postgres_bin_dir >/dev/null && return 0
    echo "postgres.sh: installing postgresql-15 with apt" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql-15 >/dev/null
    # Debian's package starts its own cluster on 5432; the tests use a private one.
    $sudo service postgresql stop >/dev/null 2>&1 || true
    postgres_bin_dir >/dev/null
}

postgres_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Runs a command as the cluster's owner: `postgres` when we are root (initdb refuses root).
postgres_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

postgres_start() {
    postgres_install || { echo "postgres.sh: cannot install PostgreSQL" >&2; return 1; }
    local bin port dir
    bin="$(postgres_bin_dir)"
    dir="$(mktemp -d "${TMPDIR:-/tmp}/switchyard-pg.XXXXXX")"
    chmod 755 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /usr/sbin/nologin postgres
        chown postgres "$dir"
    fi
    SWITCHYARD_TEST_POSTGRES_DIR="$dir"
    trap postgres_stop EXIT
    postgres_as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; return 1; }
    port="$(postgres_free_port)"
    # In the cluster's own configuration, so a test that stops the server (an outage) restarts it
    # with a plain `pg_ctl -D DATA start`.
    cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
max_connections = 400
CONF
    postgres_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { cat "$dir/server.log" >&2; return 1; }
    export SWITCHYARD_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
    export SWITCHYARD_TEST_POSTGRES_DATA="$dir/data"
    export SWITCHYARD_TEST_POSTGRES_BIN="$bin"
    echo "postgres.sh: PostgreSQL $("$bin/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)" >&2
}

postgres_stop() {
    local dir="${SWITCHYARD_TEST_POSTGRES_DIR:-}"
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    if [ -f "$dir/data/postmaster.pid" ]; then
        postgres_as_owner "$(postgres_bin_dir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    unset SWITCHYARD_TEST_POSTGRES_DIR
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    if [ "$#" -eq 0 ]; then
        echo "usage: scripts/postgres.sh COMMAND [ARGS...]   (or: source scripts/postgres.sh && postgres_start)" >&2
        exit 2
    fi
    postgres_start
    status=0
    "$@" || status=$?
    exit "$status"
fi
