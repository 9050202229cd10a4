#!/usr/bin/env bash
# Movement benchmark: kdeck's planner against Kafka's own `kafka-reassign-partitions --generate`
# on the same cluster state, in two scenarios:
#   new-broker  topics on brokers 1 and 2 only, rebalanced over 1,2,3 (shared seed 004's case)
#   balanced    topics already spread evenly over 1,2,3: nothing needs to move
#   sized       like new-broker, with data (topic tN gets N x 400 records of 1 KB, spread by
#               Kafka's sticky partitioner): bytes moved and bytes per broker after each plan
# Prints replicas moved by each tool, the lower bound and the ratio; for sized also the bytes
# (sizes from Kafka's own LogDirsCommand).
#
#   scripts/bench-planner.sh [TOPICS] [PARTITIONS]   (default 6 topics × 24 partitions, RF 2)
#
# Needs a cluster with brokers 1, 2, 3: the benchmark cluster when KDECK_BENCH_BOOTSTRAP and
# KDECK_KAFKA_CLASSPATH are set (`KDECK_BENCH=1 scripts/kafka-cluster.sh env`), else the local test
# cluster (scripts/kafka-cluster.sh up); and a built kdeck (KDECK, default target/debug/kdeck).
# Its topics get names unique to the run and are deleted at the end. BENCH_MD=1: one Markdown
# table row per scenario instead of the report (scripts/bench/planner.sh).
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
TOPICS="${1:-6}"
PARTS="${2:-24}"
if [[ -n "${KDECK_BENCH_BOOTSTRAP:-}" && -n "${KDECK_KAFKA_CLASSPATH:-}" ]]; then
  B="$KDECK_BENCH_BOOTSTRAP"
else
  eval "$("$ROOT/scripts/kafka-cluster.sh" env)"
  B="$KDECK_TEST_BOOTSTRAP"
fi
KDECK="${KDECK:-$ROOT/target/debug/kdeck}"
kafka() { java -Xmx256m -XX:TieredStopAtLevel=1 -cp "$KAFKA_CP" "$@"; }
KAFKA_CP="$KDECK_KAFKA_CLASSPATH"
WORK="$(mktemp -d)"
RUN_ID="$(date +%s)-$$"
PREFIX="bench.plan.$RUN_ID"
cleanup() {
  kafka org.apache.kafka.tools.TopicCommand --bootstrap-server "$B" --delete --topic "${PREFIX//./\\.}\\..*" \
    >/dev/null 2>&1 || echo "bench-planner: could not delete the topics $PREFIX.*" >&2
  rm -rf "$WORK"
}
trap cleanup EXIT

# replica pair for partition p of topic t in each scenario
pair() {
  local scenario=$1 t=$2 p=$3
  if [ "$scenario" != balanced ]; then
    if (( (p + t) % 2 )); then echo 1:2; else echo 2:1; fi
  else
    local a=$(( (p + t) % 3 + 1 )); echo "$a:$(( a % 3 + 1 ))"
  fi
}

run() {
local scenario=$1
names=()
for t in $(seq 1 "$TOPICS"); do
  name="$PREFIX.$scenario.t$t"
  names+=("$name")
  if ! "$KDECK" -b "$B" describe "$name" >/dev/null 2>&1; then
    assign=$(for p in $(seq 0 $((PARTS - 1))); do printf '%s,' "$(pair "$scenario" "$t" "$p")"; done)
    kafka org.apache.kafka.tools.TopicCommand --bootstrap-server "$B" --create --topic "$name" \
      --replica-assignment "${assign%,}" >/dev/null
    if [ "$scenario" = sized ]; then
      kafka org.apache.kafka.tools.ProducerPerformance --topic "$name" --num-records $((t * 400)) \
        --record-size 1000 --throughput -1 --producer-props bootstrap.servers="$B" acks=all >/dev/null
    fi
  fi
done
list=$(IFS=,; echo "${names[*]}")
python3 - "$list" > "$WORK/topics.json" <<'PY'
import json, sys
print(json.dumps({"version": 1, "topics": [{"topic": t} for t in sys.argv[1].split(",")]}))
PY

"$KDECK" -b "$B" -o json reassign plan --goal rebalance --topics "$list" --brokers 1,2,3 --out "$WORK/kdeck.json" > "$WORK/summary.json"
kafka org.apache.kafka.tools.reassign.ReassignPartitionsCommand --bootstrap-server "$B" --generate \
  --topics-to-move-json-file "$WORK/topics.json" --broker-list 1,2,3 > "$WORK/generate.txt"
: > "$WORK/logdirs.txt"
if [ "$scenario" = sized ]; then
  kafka org.apache.kafka.tools.LogDirsCommand --bootstrap-server "$B" --describe --topic-list "$list" > "$WORK/logdirs.txt"
fi

python3 - "$WORK" "$scenario" "${BENCH_MD:-0}" <<'PY'
import json, sys
work, scenario, md = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
lines = open(f"{work}/generate.txt").read().splitlines()
current = json.loads(lines[lines.index("Current partition replica assignment") + 1])
proposed = json.loads(lines[lines.index("Proposed partition reassignment configuration") + 1])
cur = {(p["topic"], p["partition"]): set(p["replicas"]) for p in current["partitions"]}
def moves(plan):
    return sum(len([b for b in p["replicas"] if b not in cur[(p["topic"], p["partition"])]]) for p in plan["partitions"])
def leaders(plan):
    lead = {k: None for k in cur}
    for p in current["partitions"]: lead[(p["topic"], p["partition"])] = p["replicas"][0]
    changed = sum(1 for p in plan["partitions"] if p["replicas"][0] != lead[(p["topic"], p["partition"])])
    return changed
kd = json.load(open(f"{work}/kdeck.json"))
s = json.load(open(f"{work}/summary.json"))["summary"]
km, gm = moves(kd), moves(proposed)
def replicas_after(plan):
    a = {k: list(v) for k, v in cur.items()}
    for p in plan["partitions"]:
        a[(p["topic"], p["partition"])] = p["replicas"]
    return "/".join(str(sum(1 for rs in a.values() if b in rs)) for b in (1, 2, 3))
if md:
    ratio = f"{gm / km:.2f}×" if km else "kdeck moves nothing"
    replicas = sum(len(v) for v in cur.values())
    print(f"| {scenario} | {len(cur)} partitions, {replicas} replicas | {s['lower_bound']} | {km} | {gm} | {ratio} "
          f"| {replicas_after(kd)} | {replicas_after(proposed)} |")
    sys.exit(0)
print(f"== {scenario}: {len(cur)} partitions, {sum(len(v) for v in cur.values())} replicas, brokers 1,2,3")
print(f"lower bound:                          {s['lower_bound']}")
print(f"kdeck reassign plan:                  {km} replicas moved, {len(kd['partitions'])} partitions touched, {leaders(kd)} leader changes")
print(f"kafka-reassign-partitions --generate: {gm} replicas moved, {len(proposed['partitions'])} partitions in its plan, {leaders(proposed)} leader changes")
print(f"ratio kafka/kdeck:                    {gm / km:.2f}" if km else f"ratio: kdeck moves nothing, Kafka moves {gm}")
def counts(plan):
    a = {k: list(v) for k, v in cur.items()}
    lead = {p2["topic"] + str(p2["partition"]): p2["replicas"][0] for p2 in current["partitions"]}
    for p in plan["partitions"]:
        a[(p["topic"], p["partition"])] = p["replicas"]
        lead[p["topic"] + str(p["partition"])] = p["replicas"][0]
    reps = {b: sum(1 for rs in a.values() if b in rs) for b in (1, 2, 3)}
    leads = {b: sum(1 for l in lead.values() if l == b) for b in (1, 2, 3)}
    spread = max(max(c) - min(c) for c in ([sum(1 for (t2, _), rs in a.items() if t2 == t and b in rs) for b in (1, 2, 3)] for t in {t for t, _ in a}))
    return ("replicas per broker " + "/".join(str(reps[b]) for b in (1, 2, 3)) + ", preferred leaders "
            + "/".join(str(leads[b]) for b in (1, 2, 3)) + f", worst topic spread {spread}")
print(f"{'  kdeck after:':38s}{counts(kd)}")
print(f"{'  --generate after:':38s}{counts(proposed)}")
dirs = [l for l in open(f"{work}/logdirs.txt").read().splitlines() if l.startswith("{")]
if dirs:
    size = {}
    for b in json.loads(dirs[0])["brokers"]:
        for d in b["logDirs"]:
            for p in d["partitions"]:
                t, _, n = p["partition"].rpartition("-")
                size[(t, int(n))] = max(size.get((t, int(n)), 0), p["size"])
    def after(plan):
        a = {k: list(v) for k, v in cur.items()}
        for p in plan["partitions"]:
            a[(p["topic"], p["partition"])] = p["replicas"]
        return a
    def bytes_moved(plan):
        return sum(size[(p["topic"], p["partition"])] for p in plan["partitions"] for b in p["replicas"] if b not in cur[(p["topic"], p["partition"])])
    def per_broker(assignment):
        out = {1: 0, 2: 0, 3: 0}
        for k, rs in assignment.items():
            for b in rs:
                out[b] += size[k]
        return out
    mib = lambda n: f"{n / 2**20:.1f} MiB"
    def show(name, plan):
        pb = per_broker(after(plan))
        mean = sum(pb.values()) / 3
        print(f"{name:38s}{mib(bytes_moved(plan))} moved; per broker after " + ", ".join(mib(pb[b]) for b in (1, 2, 3))
              + f" (max/mean {max(pb.values()) / mean:.3f})")
    print(f"{'bytes before:':38s}per broker " + ", ".join(mib(v) for v in per_broker(cur).values()))
    show("kdeck reassign plan:", kd)
    show("kafka-reassign-partitions --generate:", proposed)
    print(f"{'ratio kafka/kdeck bytes moved:':38s}{bytes_moved(proposed) / max(1, bytes_moved(kd)):.2f}")
PY
}

run new-broker
run balanced
if [[ "${BENCH_MD:-0}" != 1 ]]; then
  run sized
fi
