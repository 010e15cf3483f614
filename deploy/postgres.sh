#!/usr/bin/env bash
# Local PostgreSQL (no Docker) for development, tests and CI: a private cluster on its own port.
#
# usage: deploy/postgres.sh up              init (once) and start the cluster, create role and databases
#        deploy/postgres.sh down [--purge]  stop it (fast shutdown); --purge also deletes its data
#        deploy/postgres.sh clean           same as down --purge
#        deploy/postgres.sh status          exit 0 when it runs and accepts connections, 3 otherwise
#        deploy/postgres.sh url             print the SQLAlchemy URL without a database name
#        deploy/postgres.sh psql [ARGS]     psql as the superuser, e.g. psql -d registry
#
# environment:
#   PG_PORT            TCP port on 127.0.0.1 (default 15432)
#   CRAFTSMAN_PG_DATA  folder of the cluster (default /var/tmp/craftsman-pg-$PG_PORT), holding
#                      data/ (PGDATA), socket/ (unix socket) and postgres.log
#
# When no initdb is found in /usr/lib/postgresql/*/bin, Debian's postgresql package is installed.
# Role `craftsman` (superuser, no password; trust auth on loopback) owns the databases
# registry, competitions, training, rewards, dashboard and craftsman_test.
set -euo pipefail

PG_PORT=${PG_PORT:-15432}
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` OS user (made by
# the Debian package). That user must be able to reach its data dir, and the repo may sit in a folder
# it cannot traverse (CI clones into an unknown place, e.g. under /root), so the cluster lives in a
# world-traversable place outside the repo, one per port, instead of in <repo>/.local.
PG_ROOT=${CRAFTSMAN_PG_DATA:-/var/tmp/craftsman-pg-$PG_PORT}
DATA=$PG_ROOT/data
SOCK=$PG_ROOT/socket
LOGFILE=$PG_ROOT/postgres.log
ROLE=craftsman
DATABASES=(registry competitions training rewards dashboard craftsman_test)

log() { printf 'postgres: %s\n' "$*" >&2; }
die() { printf 'postgres: error: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '3,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[[ $PG_PORT =~ ^[0-9]+$ ]] || die "PG_PORT must be a number"

IS_ROOT=0
[[ $(id -u) == 0 ]] && IS_ROOT=1

# ---------------------------------------------------------------- binaries

# bin dir of the PostgreSQL version that made the data dir, else of the newest installed one.
find_bindir() {
    local v
    if [[ -f $DATA/PG_VERSION ]]; then
        v=$(<"$DATA/PG_VERSION")
        if [[ -x /usr/lib/postgresql/$v/bin/initdb ]]; then
            echo "/usr/lib/postgresql/$v/bin"
            return 0
        fi
    fi
    local d
    d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
    if [[ -n $d ]]; then
        dirname "$d"
        return 0
    fi
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

ensure_installed() {
    if BIN=$(find_bindir); then return 0; fi
    ((IS_ROOT)) || die "PostgreSQL is not installed and this is not root: apt-get install postgresql"
    log "no initdb found: installing Debian's postgresql package"
    local t0=$SECONDS
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >&2
    BIN=$(find_bindir) || die "postgresql installed but no initdb found"
    log "installed in $((SECONDS - t0)) s"
}

# Run a command as the cluster's owner (postgres when we are root), from a directory it can read.
as_owner() {
    if ((IS_ROOT)); then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

pg_ctl_() { as_owner "$BIN/pg_ctl" -D "$DATA" "$@"; }

psql_() {
    local psql=$BIN/psql
    [[ -x $psql ]] || psql=psql
    "$psql" -X -q -h "$SOCK" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"
}

is_running() { [[ -f $DATA/PG_VERSION ]] && pg_ctl_ status >/dev/null 2>&1; }

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# ---------------------------------------------------------------- steps

lock() {
    mkdir -p "$PG_ROOT"
    exec 9>"$PG_ROOT/.lock"
    flock -w 300 9 || die "timed out waiting for $PG_ROOT/.lock"
}

init_cluster() {
    if ((IS_ROOT)); then
        chown postgres:postgres "$PG_ROOT"
        chmod 755 "$PG_ROOT"
    fi
    as_owner mkdir -p "$SOCK"
    [[ -f $DATA/PG_VERSION ]] && return 0
    log "initdb $DATA"
    # init into a temporary dir, renamed when complete: a half-made cluster is never taken as done
    as_owner rm -rf "$DATA.init"
    if ! as_owner "$BIN/initdb" -D "$DATA.init" -U postgres --auth=trust -E UTF8 --no-locale \
        >"$PG_ROOT/initdb.log" 2>&1; then
        cat "$PG_ROOT/initdb.log" >&2
        die "initdb failed"
    fi
    printf "\ninclude_if_exists = 'craftsman.conf'\n" | as_owner tee -a "$DATA.init/postgresql.conf" >/dev/null
    as_owner mv "$DATA.init" "$DATA"
}

# Settings rewritten on every start (included last by postgresql.conf, so they win).
write_config() {
    as_owner tee "$DATA/craftsman.conf" >/dev/null <<EOF
# Generated by deploy/postgres.sh on every start; edits are overwritten.
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCK'
max_connections = ${PG_MAX_CONNECTIONS:-300}
shared_buffers = 128MB
fsync = on
logging_collector = off
log_min_messages = warning
log_line_prefix = '%m [%p] %d '
EOF
}

ensure_role_and_databases() {
    psql_ -d postgres -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
            CREATE ROLE $ROLE LOGIN SUPERUSER;
        END IF; END \$\$;"
    local db
    for db in "${DATABASES[@]}"; do
        if [[ -z $(psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
            psql_ -d postgres -c "CREATE DATABASE $db OWNER $ROLE"
            log "created database $db"
        fi
    done
}

# ---------------------------------------------------------------- commands

cmd_up() {
    lock
    ensure_installed
    if is_running; then
        log "already running on 127.0.0.1:$PG_PORT ($DATA)"
    else
        if port_open "$PG_PORT"; then
            local owner
            owner=$({ ss -Hltnp "sport = :$PG_PORT" 2>/dev/null || true; } | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n 1)
            die "port $PG_PORT is already in use by another process${owner:+: $owner}; stop it or choose another PG_PORT"
        fi
        init_cluster
        write_config
        local t0=$SECONDS
        if ! pg_ctl_ start -w -t 60 -l "$LOGFILE" >/dev/null 9>&-; then
            tail -n 40 "$LOGFILE" >&2 || true
            die "could not start PostgreSQL (log: $LOGFILE)"
        fi
        log "started on 127.0.0.1:$PG_PORT in $((SECONDS - t0)) s ($DATA)"
    fi
    ensure_role_and_databases
    log "up: $(url)"
}

cmd_down() {
    local purge=0
    while (($#)); do
        case $1 in
        --purge) purge=1; shift ;;
        *) usage ;;
        esac
    done
    if [[ ! -d $PG_ROOT ]]; then
        log "not running"
        return 0
    fi
    lock
    if [[ -f $DATA/PG_VERSION ]] && BIN=$(find_bindir) && is_running; then
        pg_ctl_ stop -m fast -w -t 60 >/dev/null || pg_ctl_ stop -m immediate -w >/dev/null
        log "stopped"
    else
        log "not running"
    fi
    if ((purge)); then
        rm -rf "$DATA" "$DATA.init" "$SOCK" "$LOGFILE" "$PG_ROOT/initdb.log"
        log "data removed ($PG_ROOT)"
    fi
}

cmd_status() {
    if [[ -f $DATA/PG_VERSION ]] && BIN=$(find_bindir) && is_running; then
        if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
            echo "postgres: running on 127.0.0.1:$PG_PORT ($(url); data $DATA)"
            return 0
        fi
        echo "postgres: starting / not accepting connections on 127.0.0.1:$PG_PORT ($DATA)"
        return 3
    fi
    echo "postgres: stopped (127.0.0.1:$PG_PORT, data $DATA)"
    return 3
}

url() { echo "postgresql+asyncpg://$ROLE@127.0.0.1:$PG_PORT"; }

main() {
    (($#)) || usage
    local cmd=$1
    shift
    case $cmd in
    up | start) cmd_up ;;
    down | stop) cmd_down "$@" ;;
    clean) cmd_down --purge ;;
    status) cmd_status ;;
    url) url ;;
    psql) BIN=$(find_bindir) || die "PostgreSQL not installed"; psql_ "$@" ;;
    *) usage ;;
    esac
}

main "$@"
