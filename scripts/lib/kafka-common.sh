# kafka-common.sh — what scripts/kafka-cluster.sh (the main 4.1.1 cluster) and
# scripts/kafka-compat.sh (the 2.8 and 3.9 compatibility clusters) share: resolving
# Kafka jars from Maven Central, the lock, starting, finding, stopping and waiting
# for JVM node processes. Sourced, not run.
#
# The sourcing script sets, before calling anything here:
#   LOG_NAME      prefix of messages (e.g. kafka-cluster)
#   POM           the pom whose dependencies make the classpath
#   CACHE         cache dir (jars, classpaths, tools' logging config)
#   CLUSTER_DIR   this cluster's data dir (node dirs, cluster.id, probe.properties)
#   LOCK_FILE     the lock serializing this cluster's state changes
#   NODES         array of node names
# and defines, for a node name N:
#   node_dir N        its directory (server config, data, logs, pid file)
#   node_command N    main class and arguments (e.g. "kafka.Kafka <dir>/server.properties");
#                     also how the process is recognised on the process table
#   node_ports N      the ports it listens on (must be free before it starts)
#   node_port N       the port that answers once it is up
#   node_heap N       JVM heap options
#   node_note N       what `status` adds after the address (e.g. ", rack az-a"; may be empty)
# shellcheck shell=bash

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="java"
fi
MVN="${MVN:-mvn}"
TOOLS_CONF="$CACHE/tools-conf"
READY_TIMEOUT="${KDECK_CLUSTER_TIMEOUT:-120}"
STOP_TIMEOUT="${KDECK_STOP_TIMEOUT:-30}"
CLASSPATH_VALUE=""   # filled by ensure_classpath

# ----------------------------------------------------------------- helpers ---
log() { printf '%s: %s\n' "$LOG_NAME" "$*" >&2; }
die() { printf '%s: error: %s\n' "$LOG_NAME" "$*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found on PATH ($2)"; }

pid_file() { echo "$(node_dir "$1")/kafka.pid"; }

# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Serialize state-changing commands (tests may call `up` concurrently).
# fd 9 must not leak into the nodes: see `9>&-` where they are started.
take_lock() {
  mkdir -p "$(dirname "$LOCK_FILE")"
  exec 9>"$LOCK_FILE"
  flock -w 600 9 || die "could not lock $LOCK_FILE"
}

# Single-quote a value for eval.
shquote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# ----------------------------------------------------------- jars (maven) ---
# Logging config for CLI tools run with the classpath (it is first on it): warnings
# and errors go to stderr, stdout stays clean for the tool's output. log4j2 for
# Kafka 4.x, log4j 1.2 (reload4j) for Kafka 2.8 and 3.x.
write_tools_conf() {
  mkdir -p "$TOOLS_CONF"
  replace_if_changed "$TOOLS_CONF/log4j2.properties" <<'EOF'
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
  replace_if_changed "$TOOLS_CONF/log4j.properties" <<'EOF'
# log4j 1.2 config for the CLI tools of Kafka 2.8 and 3.x (same as log4j2.properties).
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

# Writes stdin to $1 unless $1 already has exactly that content (concurrent
# readers never see a half-written file).
replace_if_changed() {
  local f=$1 tmp
  tmp="$(mktemp "$(dirname "$f")/.tmp.XXXXXX")"
  cat >"$tmp"
  if cmp -s "$tmp" "$f"; then rm -f "$tmp"; else mv -f "$tmp" "$f"; fi
}

# Sets CLASSPATH_VALUE; runs Maven only when the pom changed or a jar is gone.
ensure_classpath() {
  [[ -f "$POM" ]] || die "missing $POM"
  mkdir -p "$CACHE"
  write_tools_conf
  local hash cp_file jars
  hash="$(sha256sum "$POM" | cut -c1-16)"
  cp_file="$CACHE/classpath-$hash.txt"
  if ! classpath_complete "$cp_file"; then
    # One Maven at a time on the shared local repository (the clusters resolve their
    # jars under their own locks, possibly at the same time).
    exec 8>"$CACHE/.maven.lock"
    flock -w 600 8 || die "could not lock $CACHE/.maven.lock"
    if ! classpath_complete "$cp_file"; then
      resolve_classpath "$cp_file"
    fi
    exec 8>&-
  fi
  jars="$(cat "$cp_file")"
  CLASSPATH_VALUE="$TOOLS_CONF:$jars"
}

# True if the cached classpath file exists and every jar in it is there.
classpath_complete() {
  local cp_file=$1 jar
  [[ -s "$cp_file" ]] || return 1
  local -a entries
  IFS=':' read -r -a entries <"$cp_file"
  for jar in "${entries[@]}"; do [[ -f "$jar" ]] || return 1; done
}

resolve_classpath() {
  local cp_file=$1 mvn_log
  mvn_log="$CACHE/mvn-$(basename "$cp_file" .txt).log"
  need "$MVN" "Maven is needed once to fetch the Kafka jars from Maven Central"
  log "resolving Kafka jars of $POM with Maven into $CACHE/m2 (first run only) ..."
  local tmp="$cp_file.tmp.$$"
  if ! "$MVN" -q -B -f "$POM" -Dmaven.repo.local="$CACHE/m2" \
        dependency:build-classpath -Dmdep.outputFile="$tmp" >"$mvn_log" 2>&1 8>&- 9>&-; then
    cat "$mvn_log" >&2
    rm -f "$tmp"
    die "maven failed to resolve $POM (log: $mvn_log)"
  fi
  [[ -s "$tmp" ]] || die "maven wrote an empty classpath (log: $mvn_log)"
  mv -f "$tmp" "$cp_file"
}

# Run a Kafka class with the tools' logging config; stdout/stderr as given.
kafka_run() { "$JAVA" -Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$CLASSPATH_VALUE" "$@"; }

# ------------------------------------------------------------ node config ---
# Broker/controller logging: everything to logs/server.log, nothing to the terminal.
# Both formats: Kafka 4.x reads log4j2.properties, 2.8 and 3.x log4j.properties.
write_node_logging() {
  local dir=$1
  cat >"$dir/log4j2.properties" <<EOF
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
  cat >"$dir/log4j.properties" <<EOF
log4j.rootLogger=INFO, server
log4j.appender.server=org.apache.log4j.RollingFileAppender
log4j.appender.server.File=$dir/logs/server.log
log4j.appender.server.MaxFileSize=20MB
log4j.appender.server.MaxBackupIndex=3
log4j.appender.server.layout=org.apache.log4j.PatternLayout
log4j.appender.server.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
EOF
}

# small_broker_settings RF PARTITIONS — broker settings of a small, fast test cluster whose
# internal topics have replication factor RF and PARTITIONS partitions.
small_broker_settings() {
  cat <<EOF
# Small and fast
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
num.replica.fetchers=1
background.threads=2
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
offsets.topic.replication.factor=$1
offsets.topic.num.partitions=$2
transaction.state.log.replication.factor=$1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=$2
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
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

# Format the KRaft storage of every given node whose data dir has no meta.properties
# (config in <node dir>/server.properties), with the extra StorageTool arguments in
# the array FORMAT_ARGS.
format_nodes() {
  local n dir cid pids=() todo=() i
  for n in "$@"; do
    [[ -f "$(node_dir "$n")/data/meta.properties" ]] || todo+=("$n")
  done
  ((${#todo[@]})) || return 0
  cid="$(cluster_id)"
  log "formatting storage of node(s) ${todo[*]} (cluster id $cid)"
  for n in "${todo[@]}"; do
    dir="$(node_dir "$n")"
    rm -rf "$dir/data"
    mkdir -p "$dir/data" "$dir/logs"
    kafka_run kafka.tools.StorageTool format --config "$dir/server.properties" \
      --cluster-id "$cid" --ignore-formatted "${FORMAT_ARGS[@]}" >"$dir/logs/format.log" 2>&1 9>&- &
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
# Prints the pid of node N if it runs (pid file first, then a search for its exact
# command in case the pid file was lost).
node_pid() {
  local n=$1 pf pid cmd
  pf="$(pid_file "$n")"
  cmd="$(node_command "$n")"
  if [[ -s "$pf" ]]; then
    pid="$(cat "$pf")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
       tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$cmd"; then
      echo "$pid"; return 0
    fi
  fi
  pid="$(pgrep -f -- "${cmd//./\\.}" | head -n1 || true)"
  [[ -n "$pid" ]] && { echo "$pid"; return 0; }
  return 1
}

node_running() { node_pid "$1" >/dev/null; }

# Running and accepting connections on its client (or controller) port.
node_up() { node_running "$1" && port_open "$(node_port "$1")"; }

all_up() {
  local n
  for n in "${NODES[@]}"; do node_up "$n" || return 1; done
}

check_ports_free() {
  local n=$1 p
  for p in $(node_ports "$n"); do
    if port_open "$p"; then
      ss -ltnp "sport = :$p" >&2 2>/dev/null || true
      die "port $p (node $n) is already taken by another process"
    fi
  done
}

# The ports of every cluster of the project (test, benchmark +100, compat 42xxx/43xxx/45xxx, IAM
# 44xxx). Those inside the kernel's ephemeral range (32768-60999 by default) can be given to a
# client as its own source port: a client retrying a stopped node on loopback may connect to
# itself (a TCP self-connect) and hold the port, and any client that had the port and closed leaves
# it in TIME_WAIT for a minute; either way a node (re)started then fails with "Address already in
# use" (CI: node 3's 39092 and 39096, the IAM stand-in's 44098). Reserved ports are never handed out
# by connect(); all of them at the first start, since clients of one cluster can take another's.
PROJECT_PORTS="19092-19096,29092-29096,39092-39096,19192-19196,29192-29196,39192-39196,42000-45999"

# Needs root (sysctl net.ipv4.ip_local_reserved_ports); best effort, said once if refused.
reserve_ports() {
  local f=/proc/sys/net/ipv4/ip_local_reserved_ports have
  have="$(cat "$f" 2>/dev/null)" || return 0
  if ! { echo "${have:+$have,}$PROJECT_PORTS" >"$f"; } 2>/dev/null && [[ -z "${RESERVE_WARNED:-}" ]]; then
    RESERVE_WARNED=1
    log "note: could not reserve ports $PROJECT_PORTS against the kernel's own use (sysctl net.ipv4.ip_local_reserved_ports needs root); a node (re)started while clients retry it may fail with 'Address already in use'"
  fi
}

launch_node() {
  local n=$1 dir
  dir="$(node_dir "$n")"
  if node_running "$n"; then return 0; fi
  reserve_ports
  check_ports_free "$n"
  rm -f "$(pid_file "$n")"
  log "starting node $n (logs: $dir/logs/server.log)"
  # setsid: own session, so ^C in the caller's terminal does not hit the node.
  # 9>&-: do not inherit the lock. stdout/stderr (JVM crashes, GC) -> stdout.log.
  (
    cd "$dir"
    # shellcheck disable=SC2086,SC2046
    exec setsid "$JAVA" $(node_heap "$n") -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true -Dlog4j2.configurationFile="$dir/log4j2.properties" \
      -Dlog4j.configuration="file:$dir/log4j.properties" \
      -cp "$CLASSPATH_VALUE" $(node_command "$n") \
      </dev/null >>"$dir/logs/stdout.log" 2>&1 9>&-
  ) &
  echo $! >"$(pid_file "$n")"
}

stop_nodes() {
  local n pid pids=() deadline
  for n in "$@"; do
    if pid="$(node_pid "$n")"; then
      log "stopping node $n (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
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

# wait_registered DEADLINE TOOL_CLASS "NODE..." BROKER... — wait until every NODE
# runs, and each broker answers ApiVersions on its client port and is a registered
# (in KRaft: unfenced) broker of the cluster. A broker is given as
# "node:port:id:rack" (rack empty for none). TOOL_CLASS is the version's
# BrokerApiVersionsCommand.
wait_registered() {
  local deadline=$1 tool=$2 running=$3; shift 3
  local b node port id rack out missing bootstrap=""
  for b in "$@"; do
    IFS=: read -r node port id rack <<<"$b"
    bootstrap+="${bootstrap:+,}127.0.0.1:$port"
  done
  local cfg="$CLUSTER_DIR/probe.properties"
  printf 'request.timeout.ms=5000\ndefault.api.timeout.ms=8000\n' >"$cfg"
  while :; do
    for node in $running; do
      node_running "$node" || { show_logs "$node"; die "node $node exited during startup"; }
    done
    missing=()
    if out="$(timeout 30 "$JAVA" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
                -cp "$CLASSPATH_VALUE" "$tool" \
                --bootstrap-server "$bootstrap" --command-config "$cfg" 2>/dev/null 9>&-)"; then
      for b in "$@"; do
        IFS=: read -r node port id rack <<<"$b"
        grep -Eq "^127\.0\.0\.1:$port \(id: $id rack: ${rack:-null}[ )].* -> \($" <<<"$out" ||
          missing+=("$node")
      done
    else
      for b in "$@"; do missing+=("${b%%:*}"); done
    fi
    ((${#missing[@]} == 0)) && return 0
    if ((SECONDS >= deadline)); then
      show_logs "${missing[@]}"
      die "node(s) ${missing[*]} not ready after ${READY_TIMEOUT}s"
    fi
    sleep 1
  done
}

# Checks that can fail before anything starts.
check_tools() {
  need "$JAVA" "install a JDK (17+)"
  "$JAVA" -version >/dev/null 2>&1 || die "$JAVA does not run"
  need flock "util-linux"
  need setsid "util-linux"
}

# ---------------------------------------------------------------- commands ---
# up_cluster NAME BOOTSTRAP START_FN — `up`: nothing to do when every node is up
# (checked before and after the lock: a concurrent `up` may have done the work),
# else START_FN starts what is missing and waits for it.
up_cluster() {
  local name=$1 bootstrap=$2 start=$3 t0=$SECONDS
  if all_up || { take_lock && all_up; }; then
    echo "$name already up: $bootstrap"
    return 0
  fi
  "$start"
  echo "$name up in $((SECONDS - t0))s: $bootstrap"
}

# Every node, up or not; exit 0 iff all are up.
cmd_status() {
  local n pid rc=0
  for n in "${NODES[@]}"; do
    if pid="$(node_pid "$n")"; then
      if port_open "$(node_port "$n")"; then
        echo "node $n: up (pid $pid, 127.0.0.1:$(node_port "$n")$(node_note "$n"))"
      else
        echo "node $n: starting (pid $pid, port $(node_port "$n") not answering)"; rc=1
      fi
    else
      echo "node $n: down"; rc=1
    fi
  done
  return $rc
}
