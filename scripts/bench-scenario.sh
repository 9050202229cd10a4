#!/usr/bin/env bash
# bench-scenario.sh — the benchmark scenario of issue #15 on the benchmark cluster
# (KDECK_BENCH=1 scripts/kafka-cluster.sh, started here if it is not up):
#   full (default)  2,000 topics × 10 partitions (RF 2) = 20,000 partitions, 10 records each,
#                   10,000 consumer groups with committed offsets (2 topics each, every 4th lagging)
#   --small         200 topics × 10 partitions, 1,000 groups
#   --remove        delete every `bench.` topic and group
# Idempotent: a second run creates, produces and commits nothing (and deletes what lies beyond
# the asked size, so switching between sizes works). The loader is examples/bench_scenario.rs
# (kdeck's own control-plane client + rdkafka); its doc comment says exactly what it makes.
# Prints the scenario as one JSON line (sizes, expected total lag, seconds taken) on stdout.
# Groups with running members (`bench.live.N`) are not made here: scripts/bench.sh runs them
# (`bench_scenario live`) while it measures.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
size=(--topics 2000 --partitions 10 --groups 10000)
action=load
for arg in "$@"; do
  case "$arg" in
    --small) size=(--topics 200 --partitions 10 --groups 1000) ;;
    --remove) action=remove ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-scenario: unknown argument '$arg' (use --small, --remove)" >&2; exit 2 ;;
  esac
done
KDECK_BENCH=1 "$ROOT/scripts/kafka-cluster.sh" up >&2
eval "$(KDECK_BENCH=1 "$ROOT/scripts/kafka-cluster.sh" env)"
echo "bench-scenario: building the loader (cargo build --release --example bench_scenario)" >&2
(cd "$ROOT" && cargo build --release --quiet --example bench_scenario)
LOADER="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/bench_scenario"
"$LOADER" --bootstrap "$KDECK_BENCH_BOOTSTRAP" "${size[@]}" "$action"
