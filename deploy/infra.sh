#!/usr/bin/env bash
# Local infrastructure for development, tests and CI (no Docker): Kafka + PostgreSQL.
#
# usage: deploy/infra.sh up [--brokers N]   start Kafka (N nodes, default 1) and PostgreSQL,
#                                           then write <state>/infra.env
#        deploy/infra.sh down [--purge]     stop both (--purge also deletes their data)
#        deploy/infra.sh status             exit 0 when both run, 3 otherwise
#
# <state> is ${CRAFTSMAN_STATE:-<repo>/.local}. infra.env holds, for `set -a; . infra.env`:
#   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092[,...]
#   DATABASE_URL_BASE=postgresql+asyncpg://craftsman@127.0.0.1:15432
#   CRAFTSMAN_KAFKA_* = the admin's SASL settings and the users file (from <state>/kafka-credentials.env);
#   service processes get their own principal from deploy/local_services.py
# Ports and other settings: see deploy/kafka.sh and deploy/postgres.sh.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
STATE=${CRAFTSMAN_STATE:-$REPO_ROOT/.local}
ENV_FILE=$STATE/infra.env

usage() {
    sed -n '3,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

cmd_up() {
    local t0=$SECONDS
    bash "$SCRIPT_DIR/kafka.sh" up "$@"
    bash "$SCRIPT_DIR/postgres.sh" up
    mkdir -p "$STATE"
    {
        echo "KAFKA_BOOTSTRAP_SERVERS=$(bash "$SCRIPT_DIR/kafka.sh" bootstrap)"
        echo "DATABASE_URL_BASE=$(bash "$SCRIPT_DIR/postgres.sh" url)"
        grep '^CRAFTSMAN_KAFKA_' "$STATE/kafka-credentials.env"
    } >"$ENV_FILE.$$"
    chmod 600 "$ENV_FILE.$$"
    mv "$ENV_FILE.$$" "$ENV_FILE"
    printf 'infra: up in %s s; wrote %s:\n' "$((SECONDS - t0))" "$ENV_FILE" >&2
    sed -e 's/^/  /' -e 's/\(PASSWORD=\).*/\1***/' "$ENV_FILE" >&2
}

cmd_down() {
    local rc=0
    bash "$SCRIPT_DIR/kafka.sh" down "$@" || rc=$?
    bash "$SCRIPT_DIR/postgres.sh" down "$@" || rc=$?
    rm -f "$ENV_FILE"
    return "$rc"
}

cmd_status() {
    local rc=0
    bash "$SCRIPT_DIR/kafka.sh" status || rc=3
    bash "$SCRIPT_DIR/postgres.sh" status || rc=3
    if [[ -f $ENV_FILE ]]; then
        echo "infra.env: $ENV_FILE"
    fi
    return "$rc"
}

(($#)) || usage
cmd=$1
shift
case $cmd in
up | start) cmd_up "$@" ;;
down | stop) cmd_down "$@" ;;
clean) cmd_down --purge ;;
status) cmd_status ;;
*) usage ;;
esac
