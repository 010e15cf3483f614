#!/usr/bin/env bash
# Local Apache Kafka (KRaft, no Docker) for development, tests and CI.
#
# usage: deploy/kafka.sh up [--brokers N]   start N combined broker+controller nodes (default 1)
#        deploy/kafka.sh down [--purge]     stop every node (SIGTERM, then SIGKILL); --purge deletes the data
#        deploy/kafka.sh clean              same as down --purge
#        deploy/kafka.sh status             one line per node; exit 0 when all nodes run, 3 otherwise
#        deploy/kafka.sh logs [I] [-f] [-n LINES]   tail a node's log (default node 1)
#        deploy/kafka.sh stop-node I        stop node I of the running layout (for failure tests)
#        deploy/kafka.sh start-node I       start node I again and wait until it serves
#        deploy/kafka.sh bootstrap          print the bootstrap servers (host:port,...)
#        deploy/kafka.sh provision [ARGS]   create the declared topics, users and ACLs again (idempotent;
#                                           ARGS go to `python -m deploy.kafka_access apply`)
#
# Topics and their settings are declared once, in deploy/topics.py (partitions, replication,
# min.insync.replicas, retention; `python -m deploy.topics plan|apply`). With --brokers 3 or more
# the platform's topics and Kafka's internal ones get replication 3 and min.insync.replicas 2:
# acks=all then means two brokers have the record, and one broker may be down without stopping
# writes (tests/integration/test_broker_cluster.py SIGKILLs one during a run).
#
# Security: the client listener speaks SASL_PLAINTEXT with SCRAM-SHA-512, the controller listener
# SASL_PLAINTEXT with PLAIN (static, admin only), and StandardAuthorizer checks ACLs with
# allow.everyone.if.no.acl.found=false; auto.create.topics.enable=false. The super user `admin`
# is used between brokers and by deploy/ to create users, topics and ACLs (deploy/kafka_access.py:
# one principal per service, `ent-<id>` per enterprise). Passwords are generated once into
# <state>/kafka/users.env (mode 600); <state>/kafka-credentials.env holds the admin's client
# settings (CRAFTSMAN_KAFKA_*) for `set -a; . kafka-credentials.env`.
#
# environment:
#   KAFKA_PORT        client port of node 1 (default 19092); node I listens on KAFKA_PORT+2(I-1),
#                     its controller on the port above that (19093, 19095, ...)
#   CRAFTSMAN_CACHE   download cache (default ~/.cache/craftsman); jars in kafka-4.1.1/libs
#   CRAFTSMAN_STATE   state root (default <repo>/.local); this script uses its kafka/ folder
#   KAFKA_HEAP_OPTS   JVM heap flags (default -Xmx1g for one node, -Xmx384m each for more)
#   KAFKA_JVM_OPTS    extra JVM flags
#   KAFKA_START_TIMEOUT  seconds to wait for a node to serve (default 90)
#   CRAFTSMAN_PYTHON  the Python that runs deploy/kafka_access.py (default <repo>/.venv/bin/python)
#
# The broker's jars come from Maven Central via deploy/kafka/pom.xml (mvn dependency:copy-dependencies),
# downloaded once into the cache. Each layout (number of brokers) has its own formatted data under
# <state>/kafka/brokers-N/node-I; storage is formatted once per data dir; `down` keeps it.
set -euo pipefail

KAFKA_VERSION=4.1.1
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
POM=$SCRIPT_DIR/kafka/pom.xml
LOG4J=$SCRIPT_DIR/kafka/log4j.properties
LOG4J2=$SCRIPT_DIR/kafka/log4j2.properties

CACHE_DIR=${CRAFTSMAN_CACHE:-$HOME/.cache/craftsman}/kafka-$KAFKA_VERSION
LIBS=$CACHE_DIR/libs
STATE_ROOT=${CRAFTSMAN_STATE:-$REPO_ROOT/.local}
STATE=$STATE_ROOT/kafka
USERS_FILE=$STATE/users.env
CREDENTIALS_ENV=$STATE_ROOT/kafka-credentials.env
SCRAM=SCRAM-SHA-512
SECURITY_MARK=sasl-scram-sha-512+acl
# Principals created with the cluster; enterprises are added by deploy/kafka_access.py.
BUILTIN_USERS=(admin registry competitions training rewards dashboard)
BASE_PORT=${KAFKA_PORT:-19092}
START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}

log() { printf 'kafka: %s\n' "$*" >&2; }
die() { printf 'kafka: error: %s\n' "$*" >&2; exit 1; }

[[ $BASE_PORT =~ ^[0-9]+$ ]] || die "KAFKA_PORT must be a number"
[[ $START_TIMEOUT =~ ^[0-9]+$ ]] || die "KAFKA_START_TIMEOUT must be a number of seconds"

usage() {
    sed -n '3,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

# ---------------------------------------------------------------- tools, jars

ensure_java_maven() {
    local missing=()
    command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
    command -v mvn >/dev/null 2>&1 || [[ -d $LIBS ]] || missing+=(maven)
    ((${#missing[@]} == 0)) && return 0
    [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]})"
    log "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

pom_sum() { sha256sum "$POM" | cut -d' ' -f1; }

# Download the broker's jars once. Maven writes into a temporary folder next to the final one,
# which is renamed into place only when complete, so an interrupted download is never taken as done.
ensure_jars() {
    local want
    want=$(pom_sum)
    if [[ -f $LIBS/.pom.sha256 && $(<"$LIBS/.pom.sha256") == "$want" ]]; then
        return 0
    fi
    mkdir -p "$CACHE_DIR"
    (
        flock -w 600 8 || die "timed out waiting for $CACHE_DIR/.lock"
        if [[ -f $LIBS/.pom.sha256 && $(<"$LIBS/.pom.sha256") == "$want" ]]; then
            exit 0 # another process finished the download while we waited
        fi
        command -v mvn >/dev/null 2>&1 || ensure_java_maven
        rm -rf "$CACHE_DIR"/.download.* # left by an interrupted run (we hold the lock)
        local tmp start
        tmp=$(mktemp -d "$CACHE_DIR/.download.XXXXXX")
        trap 'rm -rf "$tmp"' EXIT
        cp "$POM" "$tmp/pom.xml"
        log "downloading Kafka $KAFKA_VERSION jars with Maven into $LIBS (once)"
        start=$SECONDS
        if ! (cd "$tmp" && mvn -q -B -f "$tmp/pom.xml" dependency:copy-dependencies \
            -DoutputDirectory="$tmp/libs" -DincludeScope=runtime >"$tmp/mvn.log" 2>&1); then
            tail -n 40 "$tmp/mvn.log" >&2
            die "maven could not download the Kafka jars"
        fi
        [[ -f "$tmp/libs/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "kafka jar missing after download"
        printf '%s\n' "$want" >"$tmp/libs/.pom.sha256"
        if [[ -d $LIBS ]]; then
            mv "$LIBS" "$tmp/old-libs"
        fi
        mv "$tmp/libs" "$LIBS"
        log "jars ready in $((SECONDS - start)) s"
    ) 8>"$CACHE_DIR/.lock"
}

java_bin() {
    if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
        printf '%s\n' "$JAVA_HOME/bin/java"
    else
        printf 'java\n'
    fi
}

# ---------------------------------------------------------------- credentials

# Generate a password for each built-in principal once (hex: safe inside JAAS and .env files).
ensure_users() {
    local user
    mkdir -p "$STATE"
    (umask 077 && touch "$USERS_FILE")
    for user in "${BUILTIN_USERS[@]}"; do
        if ! grep -q "^$user=" "$USERS_FILE"; then
            printf '%s=%s\n' "$user" "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >>"$USERS_FILE"
        fi
    done
}

password_of() {
    local line
    line=$(grep -m1 "^$1=" "$USERS_FILE") || die "no password for $1 in $USERS_FILE"
    printf '%s\n' "${line#*=}"
}

write_credentials_env() {
    local n=$1
    {
        echo "# Written by deploy/kafka.sh: the admin's Kafka client settings; service processes"
        echo "# get their own principal from deploy/local_services.py (passwords in $USERS_FILE)."
        echo "KAFKA_BOOTSTRAP_SERVERS=$(bootstrap_servers "$n")"
        echo "CRAFTSMAN_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT"
        echo "CRAFTSMAN_KAFKA_SASL_MECHANISM=$SCRAM"
        echo "CRAFTSMAN_KAFKA_USERNAME=admin"
        echo "CRAFTSMAN_KAFKA_PASSWORD=$(password_of admin)"
        echo "CRAFTSMAN_KAFKA_USERS_FILE=$USERS_FILE"
    } >"$CREDENTIALS_ENV.$$"
    chmod 600 "$CREDENTIALS_ENV.$$"
    mv "$CREDENTIALS_ENV.$$" "$CREDENTIALS_ENV"
}

python_bin() {
    if [[ -n ${CRAFTSMAN_PYTHON:-} ]]; then
        printf '%s\n' "$CRAFTSMAN_PYTHON"
    elif [[ -x $REPO_ROOT/.venv/bin/python ]]; then
        printf '%s\n' "$REPO_ROOT/.venv/bin/python"
    else
        die "no Python environment to provision users and ACLs: run 'make install' (or set CRAFTSMAN_PYTHON)"
    fi
}

# Users, topics and ACLs of the running cluster, from the declarations (idempotent).
provision() {
    local n=$1
    shift
    (cd "$REPO_ROOT" && "$(python_bin)" -m deploy.kafka_access apply \
        --bootstrap "$(bootstrap_servers "$n")" --users-file "$USERS_FILE" --replication "$((n < 3 ? n : 3))" "$@") ||
        die "provisioning users, topics and ACLs failed"
}

# ---------------------------------------------------------------- layout

layout_dir() { printf '%s/brokers-%s\n' "$STATE" "$1"; }
node_dir() { printf '%s/node-%s\n' "$(layout_dir "$1")" "$2"; }
client_port() { echo $((BASE_PORT + 2 * ($1 - 1))); }
controller_port() { echo $((BASE_PORT + 2 * ($1 - 1) + 1)); }

# Number of brokers of the layout last brought up (1 when nothing was).
current_layout() {
    local n=1
    [[ -f $STATE/current ]] && n=$(<"$STATE/current")
    is_uint "$n" && ((n >= 1)) || n=1
    echo "$n"
}

bootstrap_servers() {
    local n=$1 i out=""
    for ((i = 1; i <= n; i++)); do
        out+="${out:+,}127.0.0.1:$(client_port "$i")"
    done
    echo "$out"
}

write_config() {
    local n=$1 i=$2 dir rf min_isr voters="" j admin_pw
    dir=$(node_dir "$n" "$i")
    admin_pw=$(password_of admin)
    rf=$((n < 3 ? n : 3))
    min_isr=$((n >= 3 ? 2 : 1))
    for ((j = 1; j <= n; j++)); do
        voters+="${voters:+,}$j@127.0.0.1:$(controller_port "$j")"
    done
    mkdir -p "$dir/data"
    cat >"$dir/server.properties.tmp" <<EOF
# Generated by deploy/kafka.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=CLIENT://127.0.0.1:$(client_port "$i"),CONTROLLER://127.0.0.1:$(controller_port "$i")
advertised.listeners=CLIENT://127.0.0.1:$(client_port "$i")
inter.broker.listener.name=CLIENT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
log.dirs=$dir/data

# Authentication: SCRAM for clients and between brokers (the admin's SCRAM credential is written
# into the storage at format time, so brokers can authenticate before any metadata exists); PLAIN
# with a static admin-only user on the controller listener, where SCRAM cannot be used.
sasl.enabled.mechanisms=$SCRAM
sasl.mechanism.inter.broker.protocol=$SCRAM
listener.name.client.sasl.enabled.mechanisms=$SCRAM
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_pw";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin_pw" user_admin="$admin_pw";
# Authorisation: nothing is allowed unless an ACL allows it.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false

num.partitions=6
# Topics come from contracts/topics.py through deploy/kafka_access.py, never from a client's request.
auto.create.topics.enable=false
delete.topic.enable=true
default.replication.factor=$rf
min.insync.replicas=$min_isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0

# Small machine (2 cores).
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
EOF
    mv "$dir/server.properties.tmp" "$dir/server.properties"
}

cluster_id() {
    local n=$1 file
    file=$(layout_dir "$n")/cluster.id
    if [[ ! -s $file ]]; then
        mkdir -p "$(dirname "$file")"
        "$(java_bin)" -cp "$LIBS/*" -Dlog4j.configuration="file:$LOG4J" -Dlog4j2.configurationFile="$LOG4J2" \
            kafka.tools.StorageTool random-uuid 2>/dev/null | grep -E '^[A-Za-z0-9_-]{22}$' | tail -n 1 >"$file.tmp" || true
        [[ -s $file.tmp ]] || die "could not generate a cluster id"
        mv "$file.tmp" "$file"
    fi
    cat "$file"
}

# Format a node's storage, once per data dir (meta.properties marks a formatted one), with the
# admin's SCRAM credential. Data formatted by an older, unsecured kafka.sh has no admin user:
# say so rather than start a broker nobody can authenticate to.
format_node() {
    local n=$1 i=$2 dir cid
    dir=$(node_dir "$n" "$i")
    if [[ -f $dir/data/meta.properties ]]; then
        [[ -f $dir/security && $(<"$dir/security") == "$SECURITY_MARK" ]] && return 0
        die "node $i's data ($dir) was formatted without SASL/ACLs; 'deploy/kafka.sh clean' deletes it so the next 'up' formats it secured"
    fi
    cid=$(cluster_id "$n")
    log "formatting storage of node $i (cluster $cid)"
    if ! "$(java_bin)" -cp "$LIBS/*" -Dlog4j.configuration="file:$LOG4J" -Dlog4j2.configurationFile="$LOG4J2" \
        kafka.tools.StorageTool format -t "$cid" -c "$dir/server.properties" \
        --add-scram "$SCRAM=[name=admin,password=$(password_of admin)]" >"$dir/format.log" 2>&1; then
        cat "$dir/format.log" >&2
        die "formatting node $i failed"
    fi
    echo "$SECURITY_MARK" >"$dir/security"
}

# ---------------------------------------------------------------- processes

# True when PID is a live (not zombie) process.
pid_alive() {
    local pid=$1 stat
    [[ -n $pid && -r /proc/$pid/stat ]] || return 1
    stat=$(<"/proc/$pid/stat") || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# PID of node I of layout N when it runs, else nothing (and status 1).
node_pid() {
    local dir pid
    dir=$(node_dir "$1" "$2")
    [[ -f $dir/kafka.pid ]] || return 1
    pid=$(<"$dir/kafka.pid")
    is_uint "$pid" || return 1
    pid_alive "$pid" || return 1
    # guard against a recycled pid: the process must be our broker with this config
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/server.properties" || return 1
    echo "$pid"
}

port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

port_owner() {
    { ss -Hltnp "sport = :$1" 2>/dev/null || true; } | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n 1
}

check_port_free() {
    local port=$1 what=$2 owner
    if port_open "$port"; then
        owner=$(port_owner "$port")
        die "port $port ($what) is already in use by another process${owner:+: $owner}; stop it or choose another KAFKA_PORT"
    fi
}

launch_node() {
    local n=$1 i=$2 dir heap
    dir=$(node_dir "$n" "$i")
    if ((n == 1)); then heap=${KAFKA_HEAP_OPTS:--Xmx1g -Xms256m}; else heap=${KAFKA_HEAP_OPTS:--Xmx384m -Xms128m}; fi
    [[ -f $dir/server.log ]] && mv -f "$dir/server.log" "$dir/server.log.1"
    # shellcheck disable=SC2086  # heap and extra JVM flags are word lists
    setsid nohup "$(java_bin)" $heap \
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        ${KAFKA_JVM_OPTS:-} \
        -Dlog4j.configuration="file:$LOG4J" -Dlog4j2.configurationFile="$LOG4J2" -Dkafka.logs.dir="$dir" \
        -cp "$LIBS/*" kafka.Kafka "$dir/server.properties" \
        </dev/null >"$dir/server.log" 2>&1 9>&- &
    echo $! >"$dir/kafka.pid"
}

# Start node I of layout N unless it already runs (does not wait).
start_node_nowait() {
    local n=$1 i=$2 pid
    if pid=$(node_pid "$n" "$i"); then
        log "node $i already running (pid $pid, 127.0.0.1:$(client_port "$i"))"
        return 0
    fi
    check_port_free "$(client_port "$i")" "node $i client"
    check_port_free "$(controller_port "$i")" "node $i controller"
    write_config "$n" "$i"
    format_node "$n" "$i"
    launch_node "$n" "$i"
    log "node $i starting (pid $(<"$(node_dir "$n" "$i")/kafka.pid"), 127.0.0.1:$(client_port "$i"))"
}

# Wait until node I has logged "Kafka Server started" and accepts TCP connections.
wait_node() {
    local n=$1 i=$2 dir deadline pid
    dir=$(node_dir "$n" "$i")
    deadline=$((SECONDS + START_TIMEOUT))
    # The launched pid, not node_pid: until the forked shell has exec'd java, its cmdline
    # does not name the config yet, and node_pid's recycled-pid guard would call a
    # starting broker dead (a CI run failed so, its broker alive at the cleanup).
    pid=$(<"$dir/kafka.pid")
    while :; do
        if ! pid_alive "$pid"; then
            tail -n 60 "$dir/server.log" >&2 2>/dev/null || true
            die "node $i exited during startup (log: $dir/server.log)"
        fi
        if grep -q "Kafka Server started" "$dir/server.log" 2>/dev/null && port_open "$(client_port "$i")"; then
            return 0
        fi
        if ((SECONDS >= deadline)); then
            tail -n 60 "$dir/server.log" >&2 2>/dev/null || true
            die "node $i (pid $pid) did not start within ${START_TIMEOUT}s; it is left running (deploy/kafka.sh down stops it; log: $dir/server.log)"
        fi
        sleep 0.5
    done
}

# SIGTERM the given pids together, wait up to STOP_TIMEOUT, then SIGKILL what is left.
stop_pids() {
    local pid deadline left
    (($# == 0)) && return 0
    kill -TERM "$@" 2>/dev/null || true
    deadline=$((SECONDS + STOP_TIMEOUT))
    while :; do
        left=()
        for pid in "$@"; do pid_alive "$pid" && left+=("$pid"); done
        ((${#left[@]} == 0)) && return 0
        if ((SECONDS >= deadline)); then
            log "still running after ${STOP_TIMEOUT}s, sending SIGKILL to ${left[*]}"
            kill -KILL "${left[@]}" 2>/dev/null || true
            sleep 1
            return 0
        fi
        sleep 0.5
    done
}

# ---------------------------------------------------------------- commands

lock_state() {
    mkdir -p "$STATE"
    exec 9>"$STATE/.lock"
    flock -w 300 9 || die "timed out waiting for $STATE/.lock (another kafka.sh running?)"
}

# Layouts (other than $1) that have a running node.
other_running_layouts() {
    local keep=$1 d n i
    for d in "$STATE"/brokers-*; do
        [[ -d $d ]] || continue
        n=${d##*/brokers-}
        if ! is_uint "$n" || [[ $n == "$keep" ]]; then continue; fi
        for ((i = 1; i <= n; i++)); do
            if node_pid "$n" "$i" >/dev/null; then echo "$n"; break; fi
        done
    done
}

cmd_up() {
    local n=1 i other t0
    while (($#)); do
        case $1 in
        --brokers) n=${2:-}; shift 2 || usage ;;
        --brokers=*) n=${1#*=}; shift ;;
        *) usage ;;
        esac
    done
    if ! is_uint "$n" || ((n < 1 || n > 9)); then die "--brokers must be between 1 and 9"; fi
    lock_state
    other=$(other_running_layouts "$n" | head -n 1)
    [[ -z $other ]] || die "Kafka is running with $other broker(s); run 'deploy/kafka.sh down' first"
    ensure_java_maven
    ensure_jars
    t0=$SECONDS
    echo "$n" >"$STATE/current"
    ensure_users
    for ((i = 1; i <= n; i++)); do start_node_nowait "$n" "$i"; done
    for ((i = 1; i <= n; i++)); do wait_node "$n" "$i"; done
    provision "$n"
    write_credentials_env "$n"
    log "up: $n broker(s) at $(bootstrap_servers "$n") (ready after $((SECONDS - t0)) s; state in $(layout_dir "$n"); credentials in $CREDENTIALS_ENV)"
}

cmd_provision() {
    local n
    n=$(current_layout)
    ensure_users
    provision "$n" "$@"
}

collect_pids() { # all running broker pids of every layout
    local d n i
    for d in "$STATE"/brokers-*; do
        [[ -d $d ]] || continue
        n=${d##*/brokers-}
        is_uint "$n" || continue
        for ((i = 1; i <= n; i++)); do node_pid "$n" "$i" || true; done
    done
}

cmd_down() {
    local purge=0 pids
    while (($#)); do
        case $1 in
        --purge) purge=1; shift ;;
        *) usage ;;
        esac
    done
    [[ -d $STATE ]] || { log "not running"; return 0; }
    lock_state
    mapfile -t pids < <(collect_pids)
    if ((${#pids[@]} == 0)); then
        log "not running"
    else
        log "stopping pid(s) ${pids[*]}"
        stop_pids "${pids[@]}"
        log "stopped"
    fi
    rm -f "$STATE"/brokers-*/node-*/kafka.pid
    if ((purge)); then
        rm -rf "$STATE"/brokers-* "$STATE/current"
        log "data removed ($STATE)"
    fi
}

node_arg() {
    local n=$1 i=${2:-}
    if ! is_uint "$i" || ((i < 1 || i > n)); then die "node must be between 1 and $n (current layout has $n broker(s))"; fi
}

cmd_stop_node() {
    local n i pid
    n=$(current_layout)
    i=${1:-}
    node_arg "$n" "$i"
    lock_state
    if pid=$(node_pid "$n" "$i"); then
        log "stopping node $i (pid $pid)"
        stop_pids "$pid"
        rm -f "$(node_dir "$n" "$i")/kafka.pid"
        log "node $i stopped"
    else
        log "node $i not running"
    fi
}

cmd_start_node() {
    local n i
    n=$(current_layout)
    i=${1:-}
    node_arg "$n" "$i"
    lock_state
    ensure_java_maven
    ensure_jars
    start_node_nowait "$n" "$i"
    wait_node "$n" "$i"
    log "node $i up at 127.0.0.1:$(client_port "$i")"
}

cmd_status() {
    local n i pid all=0 state
    n=$(current_layout)
    for ((i = 1; i <= n; i++)); do
        if pid=$(node_pid "$n" "$i"); then
            if port_open "$(client_port "$i")"; then state="running"; else state="starting"; all=1; fi
            echo "kafka node $i: $state (pid $pid) 127.0.0.1:$(client_port "$i") controller :$(controller_port "$i")"
        else
            all=3
            echo "kafka node $i: stopped (127.0.0.1:$(client_port "$i"))"
        fi
    done
    echo "kafka bootstrap: $(bootstrap_servers "$n")  state: $(layout_dir "$n")"
    ((all == 0)) || return 3
}

cmd_logs() {
    local n i=1 follow=() lines=100
    n=$(current_layout)
    while (($#)); do
        case $1 in
        -f) follow=(-F); shift ;;
        -n) lines=${2:-100}; shift 2 || usage ;;
        *) i=$1; shift ;;
        esac
    done
    node_arg "$n" "$i"
    local f
    f=$(node_dir "$n" "$i")/server.log
    [[ -f $f ]] || die "no log yet ($f)"
    tail -n "$lines" "${follow[@]}" "$f"
}

main() {
    (($#)) || usage
    local cmd=$1
    shift
    case $cmd in
    up | start) cmd_up "$@" ;;
    down | stop) cmd_down "$@" ;;
    clean) cmd_down --purge ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    stop-node) cmd_stop_node "$@" ;;
    start-node) cmd_start_node "$@" ;;
    bootstrap) bootstrap_servers "$(current_layout)" ;;
    provision) cmd_provision "$@" ;;
    -h | --help | help) usage ;;
    *) usage ;;
    esac
}

main "$@"
