#!/usr/bin/env bash
# kafka-cluster.sh — a local 3-node Apache Kafka 4.1.1 KRaft cluster for kdeck's
# integration tests. Jars come from Maven Central (assets/kafka/pom.xml); no
# Docker, no tarballs. Everything listens on 127.0.0.1 only.
#
# Usage:
#   scripts/kafka-cluster.sh up              start all nodes (idempotent), wait until healthy
#   scripts/kafka-cluster.sh down [--purge]  stop all nodes; --purge also deletes data + logs
#   scripts/kafka-cluster.sh status          show nodes; exit 0 iff all three are up
#   scripts/kafka-cluster.sh env             print KDECK_* assignments for `eval`
#   scripts/kafka-cluster.sh start-node N    start node N (1..3), wait until it answers
#   scripts/kafka-cluster.sh stop-node N     stop node N (controlled shutdown)
#   scripts/kafka-cluster.sh kill-node N     kill node N at once (SIGKILL: a crash, leaders not moved)
#
# Nodes: 3 combined KRaft nodes (process.roles=broker,controller), static quorum.
#
#   node  id  rack  PLAINTEXT  CONTROLLER  SASL_PLAINTEXT  SSL     MTLS
#   1     1   az-a  19092      19093       19094           19095   19096
#   2     2   az-b  29092      29093       29094           29095   29096
#   3     3   az-c  39092      39093       39094           39095   39096
#
#   PLAINTEXT       no auth; also the inter-broker listener
#   CONTROLLER      KRaft quorum (PLAINTEXT); not for clients
#   SASL_PLAINTEXT  SCRAM-SHA-256 and SCRAM-SHA-512; users (both mechanisms):
#                     kdeck-admin / kdeck-secret, kdeck-user / user-secret
#   SSL             TLS, server cert from the generated CA, ssl.client.auth=requested
#   MTLS            TLS (security protocol SSL), ssl.client.auth=required
#
# Files (outside the repo):
#   $KDECK_CACHE_DIR (default ~/.cache/kdeck)
#     m2/                     Maven local repository
#     classpath-<hash>.txt    resolved classpath, keyed by the pom's sha256
#     tools-conf/             log4j2.properties for CLI tools (WARN -> stderr); first on the classpath
#   $KDECK_CLUSTER_DIR (default $KDECK_CACHE_DIR/cluster)
#     cluster.id              KRaft cluster id
#     certs/ca.pem ca.key     test CA
#     certs/broker.pem broker.key broker-keystore.pem (key + cert, Kafka PEM keystore)
#     certs/client.pem client.key client-keystore.pem (mTLS client; key is PKCS#8, unencrypted)
#     node<N>/server.properties node<N>/data/ node<N>/logs/server.log node<N>/kafka.pid
#
# Tunables: KDECK_CLUSTER_TIMEOUT (seconds to wait for readiness, default 120),
#           KDECK_STOP_TIMEOUT (seconds before SIGKILL, default 30),
#           KDECK_KAFKA_HEAP_OPTS (default "-Xms256m -Xmx512m"; benchmark cluster: see below),
#           JAVA_HOME, MVN.
#
# The benchmark cluster (KDECK_BENCH=1): a second, separate cluster of the same shape for
# scripts/bench.sh and its scenario (20k partitions, 10k groups), so the tests and CI never meet
# that load. Every command above works on it when KDECK_BENCH=1 is set; the default (unset or 0)
# is the test cluster, unchanged. What differs:
#   ports      every port + 100 (node 1: 19192..19196, node 2: 29192..29196, node 3: 39192..39196;
#              controller quorum 19193, 29193, 39193)
#   data dir   $KDECK_CACHE_DIR/bench-cluster (KDECK_CLUSTER_DIR still overrides it)
#   lock       $KDECK_CACHE_DIR/.kafka-bench.lock (the two clusters never wait for each other)
#   heap       KDECK_KAFKA_HEAP_OPTS default "-Xms2g -Xmx2g" per node (at 1 GiB a node held
#              ~680 MiB old generation with the full scenario, GC-bound, and was fenced under load)
#   fetching   replica.fetch.wait.max.ms=3000 (idle replica fetching of 20k partitions otherwise
#              costs a third of this 2-core box; see EXTRA_SETTINGS below)
#   timeouts   KDECK_CLUSTER_TIMEOUT default 600 s, KDECK_STOP_TIMEOUT default 180 s
#   env        prints KDECK_BENCH_BOOTSTRAP, KDECK_BENCH_SASL_BOOTSTRAP, KDECK_BENCH_SSL_BOOTSTRAP,
#              KDECK_BENCH_MTLS_BOOTSTRAP, KDECK_BENCH_CERTS_DIR and KDECK_KAFKA_CLASSPATH (never
#              KDECK_TEST_*, so an `eval` of it cannot point the tests at the benchmark cluster)
set -euo pipefail

# ---------------------------------------------------------------- settings ---
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
POM="$ROOT/assets/kafka/pom.xml"

CACHE="${KDECK_CACHE_DIR:-$HOME/.cache/kdeck}"
case "${KDECK_BENCH:-0}" in
  0)
    LOG_NAME=kafka-cluster
    PORT_OFFSET=0
    CLUSTER_DIR="${KDECK_CLUSTER_DIR:-$CACHE/cluster}"
    LOCK_FILE="$CACHE/.kafka-cluster.lock"
    HEAP_OPTS="${KDECK_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
    ENV_PREFIX=KDECK_TEST
    CLUSTER_NAME="kafka cluster"
    EXTRA_SETTINGS=""
    ;;
  1)
    LOG_NAME=kafka-bench
    PORT_OFFSET=100
    CLUSTER_DIR="${KDECK_CLUSTER_DIR:-$CACHE/bench-cluster}"
    LOCK_FILE="$CACHE/.kafka-bench.lock"
    HEAP_OPTS="${KDECK_KAFKA_HEAP_OPTS:--Xms2g -Xmx2g}"
    ENV_PREFIX=KDECK_BENCH
    # 20k partitions: a start loads every log (minutes after an unclean stop on a busy box) and a
    # controlled shutdown moves 6k+ leaders.
    KDECK_CLUSTER_TIMEOUT="${KDECK_CLUSTER_TIMEOUT:-600}"
    KDECK_STOP_TIMEOUT="${KDECK_STOP_TIMEOUT:-180}"
    CLUSTER_NAME="kafka benchmark cluster"
    # Idle, each follower's fetch waits 500 ms (the default) and then reads every partition it
    # follows (~6,700 here): measured 35 CPU-s a minute across the three nodes (jstack:
    # DelayedFetch.tryComplete and ReplicaManager.readFromLog) on a 2-core box that also runs the
    # tools being measured. A longer wait only slows a follower's idle round; new data still
    # answers a waiting fetch at once. Must stay under replica.lag.time.max.ms (30 s).
    EXTRA_SETTINGS="replica.fetch.wait.max.ms=3000"
    ;;
  *) echo "kafka-cluster: error: KDECK_BENCH must be 0 or 1 (got '$KDECK_BENCH')" >&2; exit 2 ;;
esac
CERTS="$CLUSTER_DIR/certs"

NODES=(1 2 3)
RACKS=([1]=az-a [2]=az-b [3]=az-c)

# SCRAM users written into the metadata log at format time (name password).
SCRAM_USERS=("kdeck-admin kdeck-secret" "kdeck-user user-secret")

# shellcheck source=lib/kafka-common.sh
source "$SCRIPT_DIR/lib/kafka-common.sh"

# ------------------------------------------------------------------ nodes ---
port() { echo $(($1$2 + PORT_OFFSET)); }   # port N 9092 -> 19092 (benchmark cluster: 19192)
node_dir() { echo "$CLUSTER_DIR/node$1"; }
node_command() { echo "kafka.Kafka $(node_dir "$1")/server.properties"; }
node_ports() { local s; for s in 9092 9093 9094 9095 9096; do port "$1" "$s"; done; }
node_port() { port "$1" 9092; }
node_heap() { echo "$HEAP_OPTS"; }
node_note() { echo ", rack ${RACKS[$1]}"; }

bootstrap_for() {                     # bootstrap_for 9092 -> 127.0.0.1:19092,...
  local suffix=$1 out="" n
  for n in "${NODES[@]}"; do out+="${out:+,}127.0.0.1:$(port "$n" "$suffix")"; done
  echo "$out"
}

VOTERS="1@127.0.0.1:$(port 1 9093),2@127.0.0.1:$(port 2 9093),3@127.0.0.1:$(port 3 9093)"

# ------------------------------------------------------------ certificates ---
# Certificates acceptable to rustls/webpki: v3, SANs, CA:FALSE leaves with
# key usage + EKU, a CA with CA:TRUE + keyCertSign. RSA 2048, PKCS#8 keys.
ensure_certs() {
  need openssl "needed to generate the test CA and certificates"
  mkdir -p "$CERTS"
  local d="$CERTS"
  if [[ ! -s "$d/ca.pem" || ! -s "$d/ca.key" ]]; then
    log "generating test CA in $d"
    rm -f "$d"/*.pem "$d"/*.key "$d"/*.srl
    cat >"$d/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = kdeck test CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$d/ca.key" -sha256 -days 3650 -config "$d/ca.cnf" \
      -extensions v3_ca -out "$d/ca.pem"
  fi
  issue_cert broker "/CN=localhost" \
    "serverAuth" "subjectAltName = IP:127.0.0.1, DNS:localhost"
  issue_cert client "/CN=kdeck-client" \
    "clientAuth" "subjectAltName = DNS:kdeck-client"
  chmod 600 "$d"/*.key "$d"/*-keystore.pem
}

# issue_cert NAME SUBJECT EKU EXTRA_EXT: NAME.key (PKCS#8), NAME.pem,
# NAME-keystore.pem (key + cert, for Kafka's ssl.keystore.type=PEM).
issue_cert() {
  local name=$1 subj=$2 eku=$3 extra=$4 d="$CERTS"
  [[ -s "$d/$name.pem" && -s "$d/$name.key" && -s "$d/$name-keystore.pem" ]] && return 0
  log "issuing $name certificate"
  cat >"$d/$name.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = $eku
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
$extra
EOF
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/$name.key" 2>/dev/null
  openssl req -new -key "$d/$name.key" -subj "$subj" -config "$d/ca.cnf" -out "$d/$name.csr"
  openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
    -CAcreateserial -CAserial "$d/ca.srl" -days 3650 -sha256 \
    -extfile "$d/$name.ext" -out "$d/$name.pem" 2>/dev/null
  cat "$d/$name.key" "$d/$name.pem" >"$d/$name-keystore.pem"
  rm -f "$d/$name.csr"
}

# ------------------------------------------------------------ node config ---
write_node_config() {
  local n=$1 dir
  dir="$(node_dir "$n")"
  mkdir -p "$dir/data" "$dir/logs"
  cat >"$dir/server.properties" <<EOF
# Generated by scripts/kafka-cluster.sh — rewritten on every start.
process.roles=broker,controller
node.id=$n
broker.rack=${RACKS[$n]}
controller.quorum.voters=$VOTERS
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$(port "$n" 9092),CONTROLLER://127.0.0.1:$(port "$n" 9093),SASL_PLAINTEXT://127.0.0.1:$(port "$n" 9094),SSL://127.0.0.1:$(port "$n" 9095),MTLS://127.0.0.1:$(port "$n" 9096)
advertised.listeners=PLAINTEXT://127.0.0.1:$(port "$n" 9092),SASL_PLAINTEXT://127.0.0.1:$(port "$n" 9094),SSL://127.0.0.1:$(port "$n" 9095),MTLS://127.0.0.1:$(port "$n" 9096)
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,MTLS:SSL
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data

# SASL/SCRAM (credentials live in the metadata log, added at format time)
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;

# TLS (PEM key store: unencrypted PKCS#8 key + cert; PEM trust store: the CA)
ssl.keystore.type=PEM
ssl.keystore.location=$CERTS/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$CERTS/ca.pem
listener.name.ssl.ssl.client.auth=requested
listener.name.mtls.ssl.client.auth=required

$(small_broker_settings 3 6)
# Leadership moves only when a test or the user asks (elect-leaders). With the default (true),
# the controller elects preferred leaders on its own every 300 s once any partition is led
# elsewhere (as after a test restarts a broker), and that timer can fire between a reorder and
# the check that its leaders have not moved yet.
auto.leader.rebalance.enable=false
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.num.partitions=6
$EXTRA_SETTINGS
EOF
  write_node_logging "$dir"
}

# Format storage with the SCRAM users in the metadata log.
format_cluster_nodes() {
  local u name pw mech
  FORMAT_ARGS=()
  for u in "${SCRAM_USERS[@]}"; do
    read -r name pw <<<"$u"
    for mech in SCRAM-SHA-256 SCRAM-SHA-512; do
      # A fixed salt per user and mechanism: every node's bootstrap records are then the same
      # credential. With a random salt per node (the default) each node formats a different
      # one, and after restarts brokers were seen to disagree on them and refuse the password.
      FORMAT_ARGS+=(--add-scram "$mech=[name=$name,password=$pw,salt=\"$(printf 'kdeck-%s-%s' "$name" "$mech" | base64 -w0)\",iterations=4096]")
    done
  done
  format_nodes "$@"
}

# ---------------------------------------------------------- node processes ---
# Wait until each given node runs, answers ApiVersions on its PLAINTEXT
# listener and is a registered (unfenced) broker in the cluster metadata.
wait_answering() {
  local deadline=$1; shift
  local n brokers=()
  for n in "$@"; do brokers+=("$n:$(port "$n" 9092):$n:${RACKS[$n]}"); done
  wait_registered "$deadline" org.apache.kafka.tools.BrokerApiVersionsCommand "$*" "${brokers[@]}"
}

# Best effort: wait (within the deadline) until no partition is under-replicated,
# so a restarted node is back in every ISR before we return.
wait_in_sync() {
  local deadline=$1 out
  while ((SECONDS < deadline)); do
    if out="$(timeout 30 "$JAVA" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
                -cp "$CLASSPATH_VALUE" org.apache.kafka.tools.TopicCommand \
                --bootstrap-server "$(bootstrap_for 9092)" --describe \
                --under-replicated-partitions 2>/dev/null 9>&-)" && [[ -z "$out" ]]; then
      return 0
    fi
    sleep 1
  done
  log "warning: some partitions are still under-replicated"
}

start_nodes() {
  local n deadline
  check_tools
  ensure_classpath
  ensure_certs
  for n in "$@"; do write_node_config "$n"; done
  format_cluster_nodes "$@"
  deadline=$((SECONDS + READY_TIMEOUT))
  for n in "$@"; do launch_node "$n"; done
  wait_answering "$deadline" "$@"
  # Only wait for ISRs when every node is meant to be running.
  local all=1
  for n in "${NODES[@]}"; do node_running "$n" || all=0; done
  ((all)) && wait_in_sync "$deadline"
  return 0
}

check_node_arg() {
  [[ "${1:-}" =~ ^[123]$ ]] || die "node must be 1, 2 or 3 (got '${1:-}')"
}

# ---------------------------------------------------------------- commands ---
start_all() { start_nodes "${NODES[@]}"; }

cmd_up() {
  [[ $# == 0 ]] || die "usage: $0 up   (single nodes: start-node N)"
  up_cluster "$CLUSTER_NAME" "$(bootstrap_for 9092)" start_all
}

cmd_down() {
  local purge=0
  case "${1:-}" in
    "") ;;
    --purge) purge=1 ;;
    *) die "usage: $0 down [--purge]" ;;
  esac
  take_lock
  stop_nodes "${NODES[@]}"
  if ((purge)); then
    local n
    for n in "${NODES[@]}"; do rm -rf "$(node_dir "$n")"; done
    rm -f "$CLUSTER_DIR/cluster.id" "$CLUSTER_DIR/probe.properties"
    echo "$CLUSTER_NAME down; data purged (certificates kept in $CERTS)"
  else
    echo "$CLUSTER_NAME down"
  fi
}

cmd_env() {
  take_lock
  ensure_classpath
  local k v
  local p=$ENV_PREFIX
  local -a keys=("${p}_BOOTSTRAP" "${p}_SASL_BOOTSTRAP" "${p}_SSL_BOOTSTRAP"
                 "${p}_MTLS_BOOTSTRAP" "${p}_CERTS_DIR" KDECK_KAFKA_CLASSPATH)
  local -A vals=(
    ["${p}_BOOTSTRAP"]="$(bootstrap_for 9092)"
    ["${p}_SASL_BOOTSTRAP"]="$(bootstrap_for 9094)"
    ["${p}_SSL_BOOTSTRAP"]="$(bootstrap_for 9095)"
    ["${p}_MTLS_BOOTSTRAP"]="$(bootstrap_for 9096)"
    ["${p}_CERTS_DIR"]="$CERTS"
    [KDECK_KAFKA_CLASSPATH]="$CLASSPATH_VALUE"
  )
  for k in "${keys[@]}"; do
    v="${vals[$k]}"
    printf '%s=%s\n' "$k" "$(shquote "$v")"
  done
  echo "export ${keys[*]}"
}

cmd_start_node() {
  check_node_arg "${1:-}"
  take_lock
  local t0=$SECONDS
  start_nodes "$1"
  echo "node $1 up in $((SECONDS - t0))s: 127.0.0.1:$(port "$1" 9092)"
}

cmd_kill_node() {
  check_node_arg "${1:-}"
  take_lock
  local pid
  if pid="$(node_pid "$1")"; then
    log "killing node $1 (pid $pid)"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$(pid_file "$1")"
  echo "node $1 killed"
}

cmd_stop_node() {
  check_node_arg "${1:-}"
  take_lock
  stop_nodes "$1"
  echo "node $1 down"
}

usage() {
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  local cmd="${1:-}"
  shift || true
  case "$cmd" in
    up)         cmd_up "$@" ;;
    down)       cmd_down "$@" ;;
    status)     cmd_status "$@" ;;
    env)        cmd_env "$@" ;;
    start-node) cmd_start_node "$@" ;;
    stop-node)  cmd_stop_node "$@" ;;
    kill-node)  cmd_kill_node "$@" ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
