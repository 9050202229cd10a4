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
#           KDECK_KAFKA_HEAP_OPTS (default "-Xms256m -Xmx512m"), JAVA_HOME, MVN.
set -euo pipefail

# ---------------------------------------------------------------- settings ---
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
POM="$ROOT/assets/kafka/pom.xml"

CACHE="${KDECK_CACHE_DIR:-$HOME/.cache/kdeck}"
CLUSTER_DIR="${KDECK_CLUSTER_DIR:-$CACHE/cluster}"
CERTS="$CLUSTER_DIR/certs"
TOOLS_CONF="$CACHE/tools-conf"

READY_TIMEOUT="${KDECK_CLUSTER_TIMEOUT:-120}"
STOP_TIMEOUT="${KDECK_STOP_TIMEOUT:-30}"
HEAP_OPTS="${KDECK_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"

NODES=(1 2 3)
RACKS=([1]=az-a [2]=az-b [3]=az-c)
VOTERS="1@127.0.0.1:19093,2@127.0.0.1:29093,3@127.0.0.1:39093"

# SCRAM users written into the metadata log at format time (name password).
SCRAM_USERS=("kdeck-admin kdeck-secret" "kdeck-user user-secret")

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="java"
fi
MVN="${MVN:-mvn}"

CLASSPATH_VALUE=""   # filled by ensure_classpath

# ----------------------------------------------------------------- helpers ---
log() { printf 'kafka-cluster: %s\n' "$*" >&2; }
die() { printf 'kafka-cluster: error: %s\n' "$*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found on PATH ($2)"; }

port() { echo "$1$2"; }               # port N 9092 -> 19092
node_dir() { echo "$CLUSTER_DIR/node$1"; }
pid_file() { echo "$(node_dir "$1")/kafka.pid"; }

bootstrap_for() {                     # bootstrap_for 9092 -> 127.0.0.1:19092,...
  local suffix=$1 out="" n
  for n in "${NODES[@]}"; do out+="${out:+,}127.0.0.1:$(port "$n" "$suffix")"; done
  echo "$out"
}

# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Serialize state-changing commands (tests may call `up` concurrently).
# fd 9 must not leak into the brokers: see `9>&-` where they are started.
take_lock() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.kafka-cluster.lock"
  flock -w 600 9 || die "could not lock $CACHE/.kafka-cluster.lock"
}

# Single-quote a value for eval.
shquote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# ----------------------------------------------------------- jars (maven) ---
write_tools_conf() {
  mkdir -p "$TOOLS_CONF"
  local f="$TOOLS_CONF/log4j2.properties" tmp
  tmp="$(mktemp "$TOOLS_CONF/.log4j2.XXXXXX")"
  cat >"$tmp" <<'EOF'
# log4j2 config for Kafka CLI tools run with KDECK_KAFKA_CLASSPATH:
# warnings and errors go to stderr, stdout stays clean for the tool's output.
status = error
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
EOF
  if cmp -s "$tmp" "$f"; then rm -f "$tmp"; else mv -f "$tmp" "$f"; fi
}

# Sets CLASSPATH_VALUE; runs Maven only when the pom changed or a jar is gone.
ensure_classpath() {
  [[ -f "$POM" ]] || die "missing $POM"
  mkdir -p "$CACHE"
  write_tools_conf
  local hash cp_file jars ok=1 jar
  hash="$(sha256sum "$POM" | cut -c1-16)"
  cp_file="$CACHE/classpath-$hash.txt"
  if [[ -s "$cp_file" ]]; then
    jars="$(cat "$cp_file")"
    local -a entries
    IFS=':' read -r -a entries <<<"$jars"
    for jar in "${entries[@]}"; do [[ -f "$jar" ]] || { ok=0; break; }; done
  else
    ok=0
  fi
  if [[ $ok == 0 ]]; then
    need "$MVN" "Maven is needed once to fetch the Kafka jars from Maven Central"
    log "resolving Kafka jars with Maven into $CACHE/m2 (first run only) ..."
    local tmp="$cp_file.tmp.$$"
    if ! "$MVN" -q -B -f "$POM" -Dmaven.repo.local="$CACHE/m2" \
          dependency:build-classpath -Dmdep.outputFile="$tmp" >"$CACHE/mvn.log" 2>&1; then
      cat "$CACHE/mvn.log" >&2
      rm -f "$tmp"
      die "maven failed to resolve $POM (log: $CACHE/mvn.log)"
    fi
    [[ -s "$tmp" ]] || die "maven wrote an empty classpath (log: $CACHE/mvn.log)"
    mv -f "$tmp" "$cp_file"
    jars="$(cat "$cp_file")"
  fi
  CLASSPATH_VALUE="$TOOLS_CONF:$jars"
}

# Run a Kafka class with the tools' logging config; stdout/stderr as given.
kafka_run() { "$JAVA" -Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$CLASSPATH_VALUE" "$@"; }

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

# Small and fast
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
num.replica.fetchers=1
background.threads=2
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
offsets.topic.replication.factor=3
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.num.partitions=6
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
  cat >"$dir/log4j2.properties" <<EOF
# Broker logging: everything to logs/server.log, nothing to the terminal.
status = error
appender.server.type = RollingFile
appender.server.name = SERVER
appender.server.fileName = $dir/logs/server.log
appender.server.filePattern = $dir/logs/server.log.%i
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
appender.server.policies.type = Policies
appender.server.policies.size.type = SizeBasedTriggeringPolicy
appender.server.policies.size.size = 20MB
appender.server.strategy.type = DefaultRolloverStrategy
appender.server.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.server.ref = SERVER
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

cluster_id() {
  local f="$CLUSTER_DIR/cluster.id" id=""
  if [[ ! -s "$f" ]]; then
    mkdir -p "$CLUSTER_DIR"
    # 16 random bytes, base64url without padding (Kafka's Uuid text form);
    # avoid a leading '-' so it can't be mistaken for a CLI option.
    while [[ -z "$id" || "$id" == -* ]]; do
      id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    done
    echo "$id" >"$f"
  fi
  cat "$f"
}

# Format the storage of every given node whose data dir has no meta.properties.
format_nodes() {
  local n dir cid pids=() todo=() args=() u name pw mech i
  for n in "$@"; do
    [[ -f "$(node_dir "$n")/data/meta.properties" ]] || todo+=("$n")
  done
  ((${#todo[@]})) || return 0
  cid="$(cluster_id)"
  for u in "${SCRAM_USERS[@]}"; do
    read -r name pw <<<"$u"
    for mech in SCRAM-SHA-256 SCRAM-SHA-512; do
      # A fixed salt per user and mechanism: every node's bootstrap records are then the same
      # credential. With a random salt per node (the default) each node formats a different
      # one, and after restarts brokers were seen to disagree on them and refuse the password.
      args+=(--add-scram "$mech=[name=$name,password=$pw,salt=\"$(printf 'kdeck-%s-%s' "$name" "$mech" | base64 -w0)\",iterations=4096]")
    done
  done
  log "formatting storage of node(s) ${todo[*]} (cluster id $cid)"
  for n in "${todo[@]}"; do
    dir="$(node_dir "$n")"
    rm -rf "$dir/data"
    mkdir -p "$dir/data" "$dir/logs"
    kafka_run kafka.tools.StorageTool format --config "$dir/server.properties" \
      --cluster-id "$cid" --ignore-formatted "${args[@]}" >"$dir/logs/format.log" 2>&1 9>&- &
    pids+=($!)
  done
  for i in "${!todo[@]}"; do
    if ! wait "${pids[$i]}"; then
      cat "$(node_dir "${todo[$i]}")/logs/format.log" >&2
      die "formatting node ${todo[$i]} failed"
    fi
  done
}

# ---------------------------------------------------------- node processes ---
# Prints the pid of node N's broker if it runs (pid file first, then a search
# for its exact config path in case the pid file was lost).
node_pid() {
  local n=$1 pf pid conf
  pf="$(pid_file "$n")"
  conf="$(node_dir "$n")/server.properties"
  if [[ -s "$pf" ]]; then
    pid="$(cat "$pf")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
       tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $conf"; then
      echo "$pid"; return 0
    fi
  fi
  pid="$(pgrep -f -- "kafka\.Kafka $conf" | head -n1 || true)"
  [[ -n "$pid" ]] && { echo "$pid"; return 0; }
  return 1
}

node_running() { node_pid "$1" >/dev/null; }

# Running and accepting connections on its PLAINTEXT port.
node_up() { node_running "$1" && port_open "$(port "$1" 9092)"; }

check_ports_free() {
  local n=$1 s p
  for s in 9092 9093 9094 9095 9096; do
    p="$(port "$n" "$s")"
    if port_open "$p"; then
      ss -ltnp "sport = :$p" >&2 2>/dev/null || true
      die "port $p (node $n) is already taken by another process"
    fi
  done
}

launch_node() {
  local n=$1 dir
  dir="$(node_dir "$n")"
  if node_running "$n"; then return 0; fi
  check_ports_free "$n"
  rm -f "$(pid_file "$n")"
  log "starting node $n (logs: $dir/logs/server.log)"
  # setsid: own session, so ^C in the caller's terminal does not hit the broker.
  # 9>&-: do not inherit the lock. stdout/stderr (JVM crashes, GC) -> stdout.log.
  (
    cd "$dir"
    # shellcheck disable=SC2086
    exec setsid "$JAVA" $HEAP_OPTS -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true -Dlog4j2.configurationFile="$dir/log4j2.properties" \
      -cp "$CLASSPATH_VALUE" kafka.Kafka "$dir/server.properties" \
      </dev/null >>"$dir/logs/stdout.log" 2>&1 9>&-
  ) &
  echo $! >"$(pid_file "$n")"
}

stop_nodes() {
  local n pid pids=() nodes=() deadline
  for n in "$@"; do
    if pid="$(node_pid "$n")"; then
      log "stopping node $n (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); nodes+=("$n")
    fi
  done
  deadline=$((SECONDS + STOP_TIMEOUT))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  done
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
  done
  for n in "$@"; do rm -f "$(pid_file "$n")"; done
}

show_logs() {
  local n dir
  for n in "$@"; do
    dir="$(node_dir "$n")"
    printf '\n===== node %s: tail of %s =====\n' "$n" "$dir/logs/server.log" >&2
    tail -n 40 "$dir/logs/server.log" >&2 2>/dev/null || true
    if [[ -s "$dir/logs/stdout.log" ]]; then
      printf -- '----- node %s: tail of %s -----\n' "$n" "$dir/logs/stdout.log" >&2
      tail -n 20 "$dir/logs/stdout.log" >&2 || true
    fi
  done
}

# Wait until each given node runs, answers ApiVersions on its PLAINTEXT
# listener and is a registered (unfenced) broker in the cluster metadata.
wait_answering() {
  local deadline=$1; shift
  local n out missing bootstrap=""
  for n in "$@"; do bootstrap+="${bootstrap:+,}127.0.0.1:$(port "$n" 9092)"; done
  local cfg="$CLUSTER_DIR/probe.properties"
  printf 'request.timeout.ms=5000\ndefault.api.timeout.ms=8000\n' >"$cfg"
  while :; do
    for n in "$@"; do
      node_running "$n" || { show_logs "$n"; die "node $n exited during startup"; }
    done
    missing=()
    if out="$(timeout 30 "$JAVA" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
                -cp "$CLASSPATH_VALUE" org.apache.kafka.tools.BrokerApiVersionsCommand \
                --bootstrap-server "$bootstrap" --command-config "$cfg" 2>/dev/null 9>&-)"; then
      for n in "$@"; do
        grep -Eq "^127\.0\.0\.1:$(port "$n" 9092) \(id: $n rack: ${RACKS[$n]}[ )].* -> \($" <<<"$out" ||
          missing+=("$n")
      done
    else
      missing=("$@")
    fi
    ((${#missing[@]} == 0)) && return 0
    if ((SECONDS >= deadline)); then
      show_logs "${missing[@]}"
      die "node(s) ${missing[*]} not ready after ${READY_TIMEOUT}s"
    fi
    sleep 1
  done
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
  need "$JAVA" "install a JDK (17+)"
  "$JAVA" -version >/dev/null 2>&1 || die "$JAVA does not run"
  need flock "util-linux"
  need setsid "util-linux"
  ensure_classpath
  ensure_certs
  for n in "$@"; do write_node_config "$n"; done
  format_nodes "$@"
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
all_up() {
  local n
  for n in "${NODES[@]}"; do node_up "$n" || return 1; done
}

cmd_up() {
  [[ $# == 0 ]] || die "usage: $0 up   (single nodes: start-node N)"
  # Checked before and after the lock: a concurrent `up` may have done the work.
  if all_up || { take_lock && all_up; }; then
    echo "kafka cluster already up: $(bootstrap_for 9092)"
    return 0
  fi
  local t0=$SECONDS
  start_nodes "${NODES[@]}"
  echo "kafka cluster up in $((SECONDS - t0))s: $(bootstrap_for 9092)"
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
    echo "kafka cluster down; data purged (certificates kept in $CERTS)"
  else
    echo "kafka cluster down"
  fi
}

cmd_status() {
  local n pid rc=0
  for n in "${NODES[@]}"; do
    if pid="$(node_pid "$n")"; then
      if port_open "$(port "$n" 9092)"; then
        echo "node $n: up (pid $pid, 127.0.0.1:$(port "$n" 9092), rack ${RACKS[$n]})"
      else
        echo "node $n: starting (pid $pid, port $(port "$n" 9092) not answering)"; rc=1
      fi
    else
      echo "node $n: down"; rc=1
    fi
  done
  return $rc
}

cmd_env() {
  take_lock
  ensure_classpath
  local k v
  local -a keys=(KDECK_TEST_BOOTSTRAP KDECK_TEST_SASL_BOOTSTRAP KDECK_TEST_SSL_BOOTSTRAP
                 KDECK_TEST_MTLS_BOOTSTRAP KDECK_TEST_CERTS_DIR KDECK_KAFKA_CLASSPATH)
  local -A vals=(
    [KDECK_TEST_BOOTSTRAP]="$(bootstrap_for 9092)"
    [KDECK_TEST_SASL_BOOTSTRAP]="$(bootstrap_for 9094)"
    [KDECK_TEST_SSL_BOOTSTRAP]="$(bootstrap_for 9095)"
    [KDECK_TEST_MTLS_BOOTSTRAP]="$(bootstrap_for 9096)"
    [KDECK_TEST_CERTS_DIR]="$CERTS"
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
