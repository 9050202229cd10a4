#!/usr/bin/env bash
# peers.sh — part of scripts/bench.sh: kdeck beside the tools SREs use today, on the benchmark
# cluster, each pair run in turn A B A B ($BENCH_RUNS times):
#   1. group scan      kdeck lag --all -o json   vs  kafka-consumer-groups --describe --all-groups
#   2. topic read      kdeck topics -o json, kdeck describe --all -o json
#                      vs  kafka-topics --describe, and kcat -L (Debian's kcat) for metadata
#   6. start-up        kdeck --version           vs  kafka-topics --version
# and checks that the answers agree (total lag against the scenario's, partition layouts).
# Kafka's tools run as bin/kafka-run-class.sh runs them (-Xmx256M, G1, the same 4.1.1 jars).
# Environment: KDECK (release binary), BENCH_RUNS (default 5), BENCH_SIZE (full|small),
# KDECK_BENCH_BOOTSTRAP and KDECK_KAFKA_CLASSPATH (KDECK_BENCH=1 scripts/kafka-cluster.sh env),
# BENCH_SCENARIO (optional: the JSON line of scripts/bench-scenario.sh, for the expected lag).
# Markdown on stdout, progress on stderr.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
# shellcheck source=lib.sh
source "$ROOT/scripts/bench/lib.sh"
: "${KDECK:?set KDECK to a release kdeck binary}"
: "${KDECK_BENCH_BOOTSTRAP:?eval \"\$(KDECK_BENCH=1 scripts/kafka-cluster.sh env)\" first}"
: "${KDECK_KAFKA_CLASSPATH:?eval \"\$(KDECK_BENCH=1 scripts/kafka-cluster.sh env)\" first}"
RUNS="${BENCH_RUNS:-5}"
B="$KDECK_BENCH_BOOTSTRAP"
bench_init
W="$BENCH_WORK"
say() { echo "peers: $*" >&2; }

# As bin/kafka-run-class.sh starts a tool (KAFKA_HEAP_OPTS and KAFKA_JVM_PERFORMANCE_OPTS defaults).
kafka_tool() {
  java -Xmx256M -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true \
    -cp "$KDECK_KAFKA_CLASSPATH" "$@"
}
consumer_groups() { kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@"; }
kafka_topics() { kafka_tool org.apache.kafka.tools.TopicCommand "$@"; }
export -f kafka_tool consumer_groups kafka_topics  # bench_run times them in a child bash

# pair A_NAME B_NAME A_CMD... -- B_CMD... : RUNS runs of A then B in turn; the last outputs stay
# in $W/NAME.out.
pair() {
  local a=$1 b=$2; shift 2
  local -a acmd=() bcmd=()
  while [[ $1 != -- ]]; do acmd+=("$1"); shift; done
  shift
  bcmd=("$@")
  local i
  for ((i = 1; i <= RUNS; i++)); do
    say "$a vs $b: run $i/$RUNS"
    bench_run "$a" "$W/$a.out" "${acmd[@]}"
    bench_run "$b" "$W/$b.out" "${bcmd[@]}"
  done
}

# row LABEL KDECK_NAME PEER_LABEL PEER_NAME
row() {
  echo "| $1 | $(bench_cell "$2") | $3 | $(bench_cell "$4") | **$(bench_ratio "$4" "$2")** |" \
       "$(bench_mib "$(bench_median "$2" 2)") / $(bench_mib "$(bench_median "$4" 2)") |" \
       "$(bench_size "$(bench_median "$2" 3)") / $(bench_size "$(bench_median "$4" 3)") |"
}
header() {
  echo "| kdeck | time, median (min–max) | peer | time, median (min–max) | ratio | peak RSS kdeck / peer | output kdeck / peer |"
  echo "|---|---|---|---|---|---|---|"
}
# goal "123×" 50: met if the ratio is at least the goal
goal() { awk -v r="${1%×}" -v g="$2" 'BEGIN { print (r + 0 >= g ? "met" : "**missed**") " (" r "×)" }'; }
agree() { if [[ "$1" == "$2" ]]; then echo "agree"; else echo "**DISAGREE**"; fi; }

expected_lag=""
[[ -n "${BENCH_SCENARIO:-}" ]] && expected_lag="$(jq -r '.expected_total_lag' <<<"$BENCH_SCENARIO")"
load="$(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------ 1. group scan ---
say "1. group scan"
pair kdeck_lag kcg \
  "$KDECK" -b "$B" lag --all -o json -- \
  consumer_groups --bootstrap-server "$B" --describe --all-groups
load1="$(cut -d' ' -f1-3 /proc/loadavg)"
# Totals over the scenario's groups (bench.*; others may come and go), from the last runs.
kdeck_groups="$(jq '[.[] | select(.group | startswith("bench."))] | length' "$W/kdeck_lag.out")"
kdeck_total="$(jq '[.[] | select(.group | startswith("bench.")) | .total_lag // 0] | add // 0' "$W/kdeck_lag.out")"
read -r kcg_groups kcg_total < <(awk '
  $1 ~ /^bench\./ && $6 ~ /^[0-9]+$/ { lag += $6 }
  $1 ~ /^bench\./ && NF >= 6 { g[$1] = 1 }
  END { n = 0; for (k in g) n++; printf "%d %d\n", n, lag }' "$W/kcg.out")
groups_checked="kdeck $kdeck_groups, kafka-consumer-groups $kcg_groups: $(agree "$kdeck_groups" "$kcg_groups")"
lag_checked="kdeck $kdeck_total, kafka-consumer-groups $kcg_total: $(agree "$kdeck_total" "$kcg_total")"
[[ -n "$expected_lag" ]] && lag_checked+="; the scenario made $expected_lag: $(agree "$kdeck_total" "$expected_lag")"

cat <<MD
## 1. Group scan: every group's lag

\`$(basename "$KDECK") lag --all -o json\` against \`kafka-consumer-groups --describe --all-groups\` (Kafka 4.1.1's
ConsumerGroupCommand on the same jars, started as \`kafka-run-class.sh\` starts it), $RUNS runs each in turn,
on the benchmark cluster ($B). Load average before / after: $load / $load1.

$(header)
$(row '`lag --all -o json`' kdeck_lag '`kafka-consumer-groups --describe --all-groups`' kcg)

Check, on the last runs (no producer runs during the measurement): groups named \`bench.*\`: $groups_checked;
their total lag: $lag_checked.

What bounds kdeck: the brokers' answers, four round trips in a row — ListGroups on every broker (a
broker lists the groups it coordinates, so no FindCoordinator is needed), DescribeGroups and OffsetFetch
per coordinator (all its groups in one request each), Metadata for the topics the groups committed on,
ListOffsets for those partitions; then building and writing 200k JSON rows. The longest round trip is
OffsetFetch: each coordinator reads a third of the groups' offsets on its group-coordinator thread.
kdeck's own CPU is a fraction of a second (\`/usr/bin/time\`; writing the JSON rows included).

Goals of #15 (set for 10,000 groups; here $kdeck_groups): ≥ 50× faster than Kafka's tool — $(goal "$(bench_ratio kcg kdeck_lag)" 50);
under 1 s on loopback — $(awk -v ms="$(bench_median kdeck_lag 1)" 'BEGIN { print (ms < 1000 ? "met" : "**missed**") }')
(median $(bench_secs "$(bench_median kdeck_lag 1)")).

MD

# ------------------------------------------------------------ 2. topic read ---
say "2. topics and partitions"
pair kdeck_topics kt_describe1 \
  "$KDECK" -b "$B" topics -o json -- \
  kafka_topics --bootstrap-server "$B" --describe
pair kdeck_describe kt_describe2 \
  "$KDECK" -b "$B" describe --all -o json -- \
  kafka_topics --bootstrap-server "$B" --describe
have_kcat=0
if command -v kcat >/dev/null; then
  have_kcat=1
  pair kdeck_describe3 kcat_L \
    "$KDECK" -b "$B" describe --all -o json -- \
    kcat -L -b "$B"
fi
load2="$(cut -d' ' -f1-3 /proc/loadavg)"
# Layout of every bench.* partition: "topic partition leader replicas isr", sorted.
jq -r '.[] | select(.name | startswith("bench.")) | .name as $t | .partitions[] |
  "\($t) \(.partition) \(.leader) \(.replicas | join(",")) \(.isr | sort | join(","))"' \
  "$W/kdeck_describe.out" | sort >"$W/layout.kdeck"
awk '{ for (i = 1; i <= NF; i++) f[$i] = $(i + 1) }
  /Partition:/ && f["Topic:"] ~ /^bench\./ {
    n = split(f["Isr:"], isr, ",")
    for (i = 2; i <= n; i++) { v = isr[i]; j = i - 1; while (j > 0 && isr[j] + 0 > v + 0) { isr[j + 1] = isr[j]; j-- }; isr[j + 1] = v }
    s = isr[1]; for (i = 2; i <= n; i++) s = s "," isr[i]
    print f["Topic:"], f["Partition:"], f["Leader:"], f["Replicas:"], s }' \
  "$W/kt_describe2.out" | sort >"$W/layout.kt"
kdeck_parts=$(wc -l <"$W/layout.kdeck")
kt_parts=$(wc -l <"$W/layout.kt")
topics_parts="$(jq '[.[] | select(.name | startswith("bench.")) | .partitions] | add // 0' "$W/kdeck_topics.out")"
if cmp -s "$W/layout.kdeck" "$W/layout.kt"; then layout="identical"; else
  layout="**DIFFERENT** ($(diff "$W/layout.kdeck" "$W/layout.kt" | grep -c '^[<>]') lines differ)"; fi
kcat_check=""
if ((have_kcat)); then
  kcat_parts=$(awk '/^  topic "bench\./ { on = 1; next } /^  topic / { on = 0 } on && /^    partition / { n++ } END { print n + 0 }' "$W/kcat_L.out")
  kcat_check=" kcat -L $kcat_parts: $(agree "$kdeck_parts" "$kcat_parts");"
fi
expected_parts=""
[[ -n "${BENCH_SCENARIO:-}" ]] && expected_parts="; the scenario made $(jq -r '.partitions' <<<"$BENCH_SCENARIO")"

cat <<MD
## 2. Topics and partitions

\`kdeck topics -o json\` (topics with partition counts, RF, health and message counts: metadata + log start/end
offsets) and \`kdeck describe --all -o json\` (every partition: leader, replicas, ISR, offsets) against
\`kafka-topics --describe\` (every partition: leader, replicas, ISR; no offsets) and \`kcat -L\` (Debian's kcat
$(kcat -V 2>/dev/null | awk '/^Version/ {print $2; exit}' || true), metadata only: one Metadata request). $RUNS runs each in turn. Load average before / after: $load1 / $load2.

$(header)
$(row '`topics -o json`' kdeck_topics '`kafka-topics --describe`' kt_describe1)
$(row '`describe --all -o json`' kdeck_describe '`kafka-topics --describe`' kt_describe2)
$(if ((have_kcat)); then row '`describe --all -o json`' kdeck_describe3 '`kcat -L`' kcat_L; fi)
$(if ((!have_kcat)); then echo; echo "kcat is not installed (apt-get install kcat): its row is skipped."; fi)

Check, on the last runs: partitions of \`bench.*\` topics: kdeck describe $kdeck_parts, kdeck topics $topics_parts,
kafka-topics $kt_parts;$kcat_check leader, replicas and ISR of every partition, kdeck against kafka-topics:
$layout$expected_parts.

MD

# ---------------------------------------------------------------- 6. start-up ---
say "6. --version"
pair kdeck_version kt_version \
  "$KDECK" --version -- \
  kafka_topics --version
cat <<MD
## 6. Start-up: \`--version\`

A process that starts, prints its version and exits: the floor under every CLI call of each tool.
$RUNS runs each in turn.

$(header)
$(row '`kdeck --version`' kdeck_version '`kafka-topics --version`' kt_version)

Bounded by: kdeck, process start-up (a static-ish Rust binary, dynamic libs of librdkafka/OpenSSL); the JVM tool,
JVM start-up and class loading.

MD
