#!/usr/bin/env bash
# kafka-compat.sh — the older Kafka versions MSK runs, as small local clusters for
# kdeck's compatibility tests (tests/compat). Jars from Maven Central like the main
# cluster's (scripts/kafka-cluster.sh, which shares scripts/lib/kafka-common.sh).
# Everything listens on 127.0.0.1 only, PLAINTEXT, no authentication.
#
# Usage:
#   scripts/kafka-compat.sh CLUSTER up              start its nodes (idempotent), wait until ready
#   scripts/kafka-compat.sh CLUSTER down [--purge]  stop its nodes; --purge also deletes its files
#   scripts/kafka-compat.sh CLUSTER status          show nodes; exit 0 iff all are up
#   scripts/kafka-compat.sh CLUSTER env             print KDECK_COMPAT_* assignments for `eval`
#   scripts/kafka-compat.sh CLUSTER stop-node N     stop one node (tests); `up` starts it again
#
# Clusters:
#   zk28     Kafka 2.8.2 in ZooKeeper mode (assets/kafka/kafka-2.8/pom.xml)
#              node zk    ZooKeeper 3.5.9        127.0.0.1:42181
#              node 1     broker 1, no rack      PLAINTEXT 127.0.0.1:42092
#   kraft39  Kafka 3.9.1 KRaft with a separate controller (assets/kafka/kafka-3.9/pom.xml)
#              node 3000  controller 3000        CONTROLLER 127.0.0.1:43093 (not a broker)
#              node 1     broker 1, rack az-a    PLAINTEXT 127.0.0.1:43192
#              node 2     broker 2, rack az-b    PLAINTEXT 127.0.0.1:43292
#   unreachable  Kafka 4.1.1 (the main cluster's jars), one KRaft node (broker+controller)
#              whose listeners advertise what a client cannot reach, for `kdeck doctor`,
#              --broker-map and --socks5 (tests/cluster/doctor.rs):
#              node 1     INTERNAL 127.0.0.1:45092 (advertised as is; inter-broker)
#                         EXTERNAL 127.0.0.1:45094 advertised kafka-1.kdeck.invalid:45094
#                         BADPORT  127.0.0.1:45095 advertised 127.0.0.1:45099 (nothing there)
#                         TLSEXT   127.0.0.1:45096 advertised kafka-1.kdeck.invalid:45096, SSL
#                                  with a certificate for that name from its own CA
#                                  (compat-unreachable/node1/certs/ca.pem)
#                         CONTROLLER 127.0.0.1:45093
#
# A cluster starts from empty data whenever none of its nodes runs (it keeps no data
# across a full stop: no stale ZooKeeper sessions, no cluster id to match); while
# some of its nodes run, `up` starts only the missing ones.
#
# Files (outside the repo): $KDECK_CACHE_DIR (default ~/.cache/kdeck) holds the jars
# and classpaths as for the main cluster, and
#   compat-<CLUSTER>/node<N>/ and zookeeper/   config, data/, logs/server.log, kafka.pid
#   .kafka-compat-<CLUSTER>.lock
# Tunables: KDECK_CLUSTER_TIMEOUT, KDECK_STOP_TIMEOUT, JAVA_HOME, MVN (as for the main cluster).
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
LOG_NAME=kafka-compat
CACHE="${KDECK_CACHE_DIR:-$HOME/.cache/kdeck}"

usage() {
  sed -n '2,32p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

CLUSTER="${1:-}"
case "$CLUSTER" in
  zk28)
    VERSION=2.8.2
    POM="$ROOT/assets/kafka/kafka-2.8/pom.xml"
    NODES=(zk 1)
    BROKERS=(1)
    # Kafka 2.8 has its tools in kafka.admin.
    API_VERSIONS_TOOL=kafka.admin.BrokerApiVersionsCommand
    ;;
  kraft39)
    VERSION=3.9.1
    POM="$ROOT/assets/kafka/kafka-3.9/pom.xml"
    NODES=(3000 1 2)
    BROKERS=(1 2)
    CONTROLLER_PORT=43093
    API_VERSIONS_TOOL=kafka.admin.BrokerApiVersionsCommand
    ;;
  unreachable)
    VERSION=4.1.1
    POM="$ROOT/assets/kafka/pom.xml"
    NODES=(1)
    BROKERS=(1)
    CONTROLLER_PORT=45093
    API_VERSIONS_TOOL=org.apache.kafka.tools.BrokerApiVersionsCommand
    ;;
  -h|--help|help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac
shift

CLUSTER_DIR="$CACHE/compat-$CLUSTER"
LOCK_FILE="$CACHE/.kafka-compat-$CLUSTER.lock"
# shellcheck source=lib/kafka-common.sh
source "$SCRIPT_DIR/lib/kafka-common.sh"

# ------------------------------------------------------------------ nodes ---
node_dir() { if [[ $1 == zk ]]; then echo "$CLUSTER_DIR/zookeeper"; else echo "$CLUSTER_DIR/node$1"; fi; }

broker_port() {                      # zk28: 42092; kraft39: 43192, 43292
  case "$CLUSTER" in
    zk28) echo 42092 ;;
    kraft39) echo "43${1}92" ;;
    unreachable) echo 45092 ;;
  esac
}

broker_rack() {
  case "$CLUSTER" in
    zk28|unreachable) echo "" ;;
    kraft39) echo "az-$(tr 12 ab <<<"$1")" ;;
  esac
}

node_command() {
  case "$1" in
    zk) echo "org.apache.zookeeper.server.quorum.QuorumPeerMain $(node_dir zk)/zookeeper.properties" ;;
    *) echo "kafka.Kafka $(node_dir "$1")/server.properties" ;;
  esac
}

node_port() {
  case "$1" in
    zk) echo 42181 ;;
    3000) echo "$CONTROLLER_PORT" ;;
    *) broker_port "$1" ;;
  esac
}

node_ports() {
  if [[ $CLUSTER == unreachable ]]; then echo 45092 45093 45094 45095 45096; else node_port "$1"; fi
}

node_note() {
  local rack
  rack="$(broker_rack "$1")"
  if [[ -n $rack && $1 != zk && $1 != 3000 ]]; then echo ", rack $rack"; fi
}

node_heap() {
  case "$1" in
    zk) echo "-Xms64m -Xmx128m" ;;
    3000) echo "-Xms128m -Xmx256m" ;;
    *) echo "-Xms128m -Xmx384m" ;;
  esac
}

bootstrap() {
  local out="" b
  for b in "${BROKERS[@]}"; do out+="${out:+,}127.0.0.1:$(broker_port "$b")"; done
  echo "$out"
}

write_node_config() {
  local n=$1 dir port rack
  dir="$(node_dir "$n")"
  mkdir -p "$dir/data" "$dir/logs"
  write_node_logging "$dir"
  if [[ $n == zk ]]; then
    # admin.enableServer=false: ZooKeeper's admin server would take port 8080.
    cat >"$dir/zookeeper.properties" <<EOF
# Generated by scripts/kafka-compat.sh — rewritten on every start.
dataDir=$dir/data
clientPort=$(node_port zk)
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
EOF
    return 0
  fi
  {
    echo "# Generated by scripts/kafka-compat.sh — rewritten on every start."
    echo "log.dirs=$dir/data"
    case "$CLUSTER:$n" in
      zk28:*)
        port="$(broker_port "$n")"
        cat <<EOF
broker.id=$n
zookeeper.connect=127.0.0.1:$(node_port zk)
zookeeper.connection.timeout.ms=30000
listeners=PLAINTEXT://127.0.0.1:$port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
EOF
        small_broker_settings "${#BROKERS[@]}" 3
        ;;
      kraft39:3000)
        cat <<EOF
process.roles=controller
node.id=$n
controller.quorum.voters=3000@127.0.0.1:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=CONTROLLER://127.0.0.1:$CONTROLLER_PORT
listener.security.protocol.map=CONTROLLER:PLAINTEXT
num.network.threads=1
num.io.threads=2
background.threads=2
EOF
        ;;
      kraft39:*)
        port="$(broker_port "$n")"
        rack="$(broker_rack "$n")"
        cat <<EOF
process.roles=broker
node.id=$n
broker.rack=$rack
controller.quorum.voters=3000@127.0.0.1:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
EOF
        small_broker_settings "${#BROKERS[@]}" 3
        ;;
      unreachable:1)
        unreachable_certs "$dir/certs"
        cat <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=INTERNAL://127.0.0.1:45092,CONTROLLER://127.0.0.1:$CONTROLLER_PORT,EXTERNAL://127.0.0.1:45094,BADPORT://127.0.0.1:45095,TLSEXT://127.0.0.1:45096
advertised.listeners=INTERNAL://127.0.0.1:45092,EXTERNAL://kafka-1.kdeck.invalid:45094,BADPORT://127.0.0.1:45099,TLSEXT://kafka-1.kdeck.invalid:45096
listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,EXTERNAL:PLAINTEXT,BADPORT:PLAINTEXT,TLSEXT:SSL
inter.broker.listener.name=INTERNAL
ssl.keystore.type=PEM
ssl.keystore.location=$dir/certs/broker-keystore.pem
EOF
        small_broker_settings 1 1
        ;;
    esac
  } >"$dir/server.properties"
}

# unreachable_certs DIR — a CA and a server certificate for kafka-1.kdeck.invalid (the name
# the TLSEXT listener advertises), made once per data dir.
unreachable_certs() {
  local d=$1
  [[ -s "$d/broker-keystore.pem" ]] && return 0
  need openssl "needed to generate the test certificates"
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=kdeck unreachable test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
  printf 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:kafka-1.kdeck.invalid\n' >"$d/broker.ext"
  openssl req -new -newkey rsa:2048 -nodes -subj "/CN=kafka-1.kdeck.invalid" \
    -keyout "$d/broker.key" -out "$d/broker.csr" 2>/dev/null
  openssl x509 -req -in "$d/broker.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$d/broker.ext" -out "$d/broker.pem" 2>/dev/null
  cat "$d/broker.key" "$d/broker.pem" >"$d/broker-keystore.pem"
  rm -f "$d/broker.csr"
}

wait_port() {
  local deadline=$1 n=$2
  until port_open "$(node_port "$n")"; do
    node_running "$n" || { show_logs "$n"; die "node $n exited during startup"; }
    if ((SECONDS >= deadline)); then
      show_logs "$n"
      die "node $n not listening on $(node_port "$n") after ${READY_TIMEOUT}s"
    fi
    sleep 0.5
  done
}

start_cluster() {
  local n running=0 deadline brokers=()
  check_tools
  ensure_classpath
  for n in "${NODES[@]}"; do node_running "$n" && running=1; done
  if ((running == 0)) && [[ -d "$CLUSTER_DIR" ]]; then
    log "starting $CLUSTER from empty data"
    rm -rf "$CLUSTER_DIR"
  fi
  for n in "${NODES[@]}"; do write_node_config "$n"; done
  deadline=$((SECONDS + READY_TIMEOUT))
  if [[ $CLUSTER == zk28 ]]; then
    # The broker gives up if ZooKeeper does not answer within its connection timeout.
    launch_node zk
    wait_port "$deadline" zk
  else
    FORMAT_ARGS=()
    format_nodes "${NODES[@]}"
  fi
  for n in "${NODES[@]}"; do launch_node "$n"; done
  for n in "${BROKERS[@]}"; do brokers+=("$n:$(broker_port "$n"):$n:$(broker_rack "$n")"); done
  wait_registered "$deadline" "$API_VERSIONS_TOOL" "${NODES[*]}" "${brokers[@]}"
}

# ---------------------------------------------------------------- commands ---
cmd_up() {
  [[ $# == 0 ]] || die "usage: $0 $CLUSTER up"
  up_cluster "kafka $VERSION ($CLUSTER)" "$(bootstrap)" start_cluster
}

cmd_down() {
  local purge=0 n
  case "${1:-}" in
    "") ;;
    --purge) purge=1 ;;
    *) die "usage: $0 $CLUSTER down [--purge]" ;;
  esac
  take_lock
  # Brokers first: a broker whose ZooKeeper or KRaft controller is gone cannot shut down
  # cleanly (it waits for the controller until it is killed).
  stop_nodes "${BROKERS[@]}"
  for n in "${NODES[@]}"; do
    if ! [[ " ${BROKERS[*]} " == *" $n "* ]]; then stop_nodes "$n"; fi
  done
  if ((purge)); then
    rm -rf "$CLUSTER_DIR"
    echo "kafka $VERSION ($CLUSTER) down; files purged"
  else
    echo "kafka $VERSION ($CLUSTER) down"
  fi
}

cmd_env() {
  take_lock
  ensure_classpath
  printf 'KDECK_COMPAT_KAFKA_VERSION=%s\n' "$(shquote "$VERSION")"
  printf 'KDECK_COMPAT_BOOTSTRAP=%s\n' "$(shquote "$(bootstrap)")"
  printf 'KDECK_COMPAT_CLASSPATH=%s\n' "$(shquote "$CLASSPATH_VALUE")"
  echo "export KDECK_COMPAT_KAFKA_VERSION KDECK_COMPAT_BOOTSTRAP KDECK_COMPAT_CLASSPATH"
}

cmd_stop_node() {
  [[ " ${NODES[*]} " == *" ${1:-} "* ]] || die "node must be one of: ${NODES[*]} (got '${1:-}')"
  take_lock
  stop_nodes "$1"
  echo "node $1 down"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status "$@" ;;
  env) cmd_env "$@" ;;
  stop-node) cmd_stop_node "$@" ;;
  *) usage >&2; exit 2 ;;
esac
