#!/usr/bin/env bash
# bench.sh — the one command that re-runs every benchmark of issue #15 and writes BENCHMARKS.md:
#   1. cargo build --release (kdeck and the scenario loader)
#   2. the benchmark cluster (KDECK_BENCH=1 scripts/kafka-cluster.sh up: ports +100, its own data)
#   3. the scenario (scripts/bench-scenario.sh: idempotent, only the first run loads anything)
#   4. live members in a few groups (bench_scenario live) while measuring, stopped at the end;
#      then a wait (at most 5 minutes) for the box to settle: 1-minute load average under 2
#   (before 2: the planner's timing, a pure computation, on a box without the cluster's load)
#   5. the parts, in turn: scripts/bench/peers.sh (measurements 1, 2, 6 --version),
#      scripts/bench/console.sh (3, 4, 6 first screen), scripts/bench/planner.sh (5);
#      a missing part is skipped with a line saying so
#   6. BENCHMARKS.md: machine, date, Kafka version, scenario sizes, this command, each part's section
#
#   scripts/bench.sh [--small] [--runs N] [--out FILE] [--parts LIST]
#     defaults: full size, 5 runs, BENCHMARKS.md, every part (LIST: comma-separated among
#     peers, console, planner — e.g. `--parts console --out /tmp/console.md` re-runs one part)
#
# The parts read KDECK, BENCH_RUNS, BENCH_SIZE, BENCH_SCENARIO and the benchmark cluster's
# coordinates (KDECK_BENCH_BOOTSTRAP, …, KDECK_KAFKA_CLASSPATH), and print a Markdown section.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
SIZE=full
RUNS=5
OUT="$ROOT/BENCHMARKS.md"
PARTS=peers,console,planner
ARGS=("$@")
while (($#)); do
  case "$1" in
    --small) SIZE=small ;;
    --runs) RUNS="${2:?--runs needs a number}"; shift ;;
    --out) OUT="${2:?--out needs a file}"; shift ;;
    --parts) PARTS="${2:?--parts needs a list such as peers,console}"; shift ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown argument '$1' (use --small, --runs N, --out FILE, --parts LIST)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "bench: --runs needs a positive number (got '$RUNS')" >&2; exit 2; }
IFS=, read -r -a SELECTED <<<"$PARTS"
for part in "${SELECTED[@]}"; do
  case "$part" in
    peers|console|planner) ;;
    *) echo "bench: unknown part '$part' in --parts (use peers, console, planner)" >&2; exit 2 ;;
  esac
done
say() { echo "bench: $*" >&2; }
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

t0=$SECONDS
say "building (cargo build --release)"
(cd "$ROOT" && cargo build --release --quiet --bin kdeck --example bench_scenario)
export KDECK="$TARGET/release/kdeck"
LOADER="$TARGET/release/examples/bench_scenario"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kdeck-bench.XXXXXX")"
live_pid=""
cleanup() {
  if [[ -n "$live_pid" ]]; then kill -TERM "$live_pid" 2>/dev/null || true; wait "$live_pid" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The planner's timing (scripts/bench/planner.sh, part a) is a pure computation on one thread: it
# runs first, before this script starts the benchmark cluster and its live members, which take a
# good part of this 2-core box even when idle and would be timed along with the planner.
if [[ ",$PARTS," == *,planner,* ]]; then
  if KDECK_BENCH=1 "$ROOT/scripts/kafka-cluster.sh" status >/dev/null 2>&1; then
    cluster_then="the benchmark cluster was already up, idle"
  else
    cluster_then="no benchmark cluster running yet"
  fi
  say "timing the planner first ($cluster_then)"
  (cd "$ROOT" && cargo build --release --quiet --example plan_timing)
  "$TARGET/release/examples/plan_timing" "$RUNS" >"$WORK/plan_timing.tsv"
  export PLAN_TIMING_TSV="$WORK/plan_timing.tsv"
  export PLAN_TIMING_WHEN="timed first, before the scenario's live members and the other parts ran: $cluster_then; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

say "benchmark cluster and scenario ($SIZE)"
scenario_args=()
[[ $SIZE == small ]] && scenario_args=(--small)
BENCH_SCENARIO="$("$ROOT/scripts/bench-scenario.sh" "${scenario_args[@]}")"
eval "$(KDECK_BENCH=1 "$ROOT/scripts/kafka-cluster.sh" env)"
export BENCH_RUNS="$RUNS" BENCH_SIZE="$SIZE" BENCH_SCENARIO

LIVE_MEMBERS=4
say "starting $LIVE_MEMBERS live members (groups bench.live.0..$((LIVE_MEMBERS - 1)))"
"$LOADER" --bootstrap "$KDECK_BENCH_BOOTSTRAP" live --members "$LIVE_MEMBERS" >"$WORK/live.out" 2>"$WORK/live.err" &
live_pid=$!
deadline=$((SECONDS + 120))
until grep -qx ready "$WORK/live.out"; do
  if ! kill -0 "$live_pid" 2>/dev/null || ((SECONDS > deadline)); then
    cat "$WORK/live.err" >&2
    echo "bench: the live members did not catch up within 120 s" >&2
    exit 1
  fi
  sleep 0.2
done

# A cluster that has just started (or just loaded the scenario) keeps this box busy for a minute or
# two (the brokers' JIT, the group coordinators loading 200k committed offsets): measuring then
# measured that, for kdeck and its peers alike. Wait until the 1-minute load average is under 2
# (the idle cluster and live members stay below it), at most 5 minutes.
settle_from=$SECONDS
while awk '{ exit !($1 >= 2.0) }' /proc/loadavg && ((SECONDS - settle_from < 300)); do sleep 5; done
SETTLED="after waiting $((SECONDS - settle_from)) s for the 1-minute load average to fall under 2 (then: $(cut -d' ' -f1-3 /proc/loadavg))"
say "measuring $SETTLED"

sections="$WORK/sections.md"
: >"$sections"
for part in "${SELECTED[@]}"; do
  script="$ROOT/scripts/bench/$part.sh"
  if [[ ! -f "$script" ]]; then
    say "scripts/bench/$part.sh is missing: skipped"
    printf '## scripts/bench/%s.sh\n\nNot in this tree yet: skipped.\n\n' "$part" >>"$sections"
    continue
  fi
  say "running scripts/bench/$part.sh"
  if ! bash "$script" >"$WORK/$part.md"; then
    say "scripts/bench/$part.sh failed"
    printf '## scripts/bench/%s.sh\n\n**Failed** (exit status non-zero; its messages went to stderr).\n\n' "$part" >>"$sections"
  fi
  cat "$WORK/$part.md" >>"$sections"
done

cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
cores="$(nproc)"
mem="$(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
kafka_version="$(awk -F'kafka_2.13-' 'NF > 1 {split($2, v, ".jar"); print v[1]; exit}' RS=: <<<"$KDECK_KAFKA_CLASSPATH")"
kdeck_version="$("$KDECK" --version)"
jq_s() { jq -r "$1" <<<"$BENCH_SCENARIO"; }
{
  cat <<MD
# Benchmarks

kdeck beside the tools SREs use today, on a scenario that hurts them (issue #15). Re-run everything with

    scripts/bench.sh ${ARGS[*]}

(minutes; the first run also loads the scenario, once). Numbers below are medians with min–max of
$RUNS runs, each pair run in turn A B A B so drift cancels; a ratio is the peer's median over kdeck's.

- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); $kdeck_version (commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown))
- Machine: $cpu, $cores cores, $mem RAM; measured $SETTLED; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)
- Kafka: $kafka_version, 3 KRaft nodes (broker + controller each) on loopback, started by
  \`KDECK_BENCH=1 scripts/kafka-cluster.sh up\` ($KDECK_BENCH_BOOTSTRAP); idle replica fetching slowed
  to one round per 3 s (\`replica.fetch.wait.max.ms=3000\`: at the default 500 ms the idle cluster took a
  third of a 2-core box)
- Scenario ($SIZE, \`scripts/bench-scenario.sh\`): $(jq_s .topics) topics × $(jq_s .partitions_per_topic) partitions
  = $(jq_s .partitions) partitions, RF $(jq_s .replication_factor), at least $(jq_s .min_records_per_partition) records each;
  $(jq_s .groups) consumer groups with committed offsets ($(jq_s .lagging_groups) lagging, total lag
  $(jq_s .expected_total_lag)) and $LIVE_MEMBERS groups with a live member each (caught up)

MD
  cat "$sections"
} >"$OUT"
say "wrote $OUT in $((SECONDS - t0)) s"
