#!/usr/bin/env bash
# Issue #15, measurements 3 (requests per snapshot, counted in the client), 4 (the console at
# scale) and the console's first screen (part of 6), as Markdown sections on stdout; progress on
# stderr. Part of scripts/bench.sh, runnable alone:
#
#   KDECK=target/release/kdeck BENCH_RUNS=5 BENCH_SIZE=full scripts/bench/console.sh
#
# Reads KDECK (a release kdeck; default target/release/kdeck), BENCH_RUNS (runs per measurement,
# default 5), BENCH_SIZE (full|small: the long console session lasts 10 or 2 minutes, or
# BENCH_CONSOLE_MINUTES) and the benchmark cluster's coordinates (KDECK_BENCH_BOOTSTRAP,
# KDECK_KAFKA_CLASSPATH; from `KDECK_BENCH=1 scripts/kafka-cluster.sh env` when unset). It only
# reads the cluster. Consoles run in tmux (160×48) with `--stats`, which makes the console write
# its own timings (first frame, each refresh from request to screen, draw times, memory) and its
# requests to stderr when it quits. The frame render times come from `cargo bench --bench render`
# (criterion over ratatui's TestBackend; BENCH_RENDER=0 skips it).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KDECK=${KDECK:-$root/target/release/kdeck}
RUNS=${BENCH_RUNS:-5}
SIZE=${BENCH_SIZE:-full}
case "$SIZE" in
  full) minutes=${BENCH_CONSOLE_MINUTES:-10} ;;
  small) minutes=${BENCH_CONSOLE_MINUTES:-2} ;;
  *) echo "console.sh: BENCH_SIZE must be full or small (got '$SIZE')" >&2; exit 2 ;;
esac
if [[ -z "${KDECK_BENCH_BOOTSTRAP:-}" ]]; then
  eval "$(KDECK_BENCH=1 "$root/scripts/kafka-cluster.sh" env)"
fi
B=$KDECK_BENCH_BOOTSTRAP
for tool in tmux jq java; do
  command -v "$tool" >/dev/null || { echo "console.sh: needs $tool" >&2; exit 2; }
done
[[ -x "$KDECK" ]] || { echo "console.sh: no kdeck binary at $KDECK (cargo build --release)" >&2; exit 2; }

tmp=$(mktemp -d)
sessions=()
cleanup() {
  for s in "${sessions[@]}"; do tmux kill-session -t "$s" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
log() { echo "console.sh: $*" >&2; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime of a process, in clock ticks
hz=$(getconf CLK_TCK)

# "median (min–max)" of the numbers on stdin, printed with format $1
summary() {
  sort -g | awk -v f="$1" '{v[NR] = $1}
    END { if (NR == 0) { print "-"; exit }
          printf f " (" f "–" f ")", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
median() { sort -g | awk '{v[NR] = $1} END { if (NR) print v[int((NR + 1) / 2)] }'; }

# A console in tmux with --stats: starts it and sets $pid; `quit` ends it and leaves its stats in $2.
console() {
  local name=$1 out=$2 refresh=$3
  local s="kdeck-bench-$$-$name"
  sessions+=("$s")
  tmux new-session -d -s "$s" -x 160 -y 48 \
    "exec '$KDECK' -b '$B' --refresh '$refresh' --stats -o json 2>'$out'"
  pid=$(tmux display -p -t "$s" '#{pane_pid}')
  session=$s
}
# Waits until the header shows the data's age (the first snapshot is on screen).
wait_for_data() {
  local i
  for i in $(seq 1 1200); do
    tmux capture-pane -p -t "$1" 2>/dev/null | head -1 | grep -q 's ago' && return 0
    sleep 0.1
  done
  log "no snapshot on screen after 2 minutes:"; tmux capture-pane -p -t "$1" >&2; return 1
}
quit() {
  tmux send-keys -t "$1" q
  local i
  for i in $(seq 1 300); do kill -0 "$2" 2>/dev/null || return 0; sleep 0.1; done
  log "the console did not quit"; return 1
}

groups=$("$KDECK" -b "$B" groups -o json | jq length)
read -r topics partitions < <("$KDECK" -b "$B" topics -o json | jq -r '"\(length) \([.[].partitions] | add // 0)"')
log "cluster $B: $topics topics, $partitions partitions, $groups groups"

# --- 6. the first painted screen, A B A B with kafka-topics --version ---------------------------
log "first screen vs kafka-topics --version ($RUNS runs each, alternating)"
: >"$tmp/first"; : >"$tmp/first-data"; : >"$tmp/jvm"
for run in $(seq 1 "$RUNS"); do
  console "first-$run" "$tmp/first-$run.json" 5s
  wait_for_data "$session"
  quit "$session" "$pid"
  jq -r '.console.first_frame_ms' "$tmp/first-$run.json" >>"$tmp/first"
  jq -r '.console.first_data_frame_ms' "$tmp/first-$run.json" >>"$tmp/first-data"
  t0=$(now_ms)
  java -cp "$KDECK_KAFKA_CLASSPATH" org.apache.kafka.tools.TopicCommand --version >/dev/null 2>&1
  echo $(($(now_ms) - t0)) >>"$tmp/jvm"
done

# --- 4. the long session: every refresh, memory after it, then idle CPU ---------------------------
log "console for $minutes minutes at 5 s refreshes"
console long "$tmp/long.json" 5s
long_pid=$pid long_session=$session
wait_for_data "$long_session"
t0=$(now_ms); c0=$(ticks "$long_pid")
# its RSS once a second: between refreshes most of the time, inside one now and then
: >"$tmp/rss"
for _ in $(seq 1 $((minutes * 60))); do
  sleep 1
  awk '/^VmRSS:/ {print $2}' "/proc/$long_pid/status" >>"$tmp/rss" 2>/dev/null || true
done
cpu_long=$(awk -v c="$(($(ticks "$long_pid") - c0))" -v hz="$hz" -v ms="$(($(now_ms) - t0))" \
  'BEGIN { printf "%.1f", 100 * c / hz / (ms / 1000) }')
quit "$long_session" "$long_pid"

log "CLI reads of the same data ($RUNS runs each: topics, then lag --all)"
: >"$tmp/cli"
for run in $(seq 1 "$RUNS"); do
  t0=$(now_ms)
  "$KDECK" -b "$B" topics -o json >/dev/null
  "$KDECK" -b "$B" lag --all -o json >/dev/null
  echo $(($(now_ms) - t0)) >>"$tmp/cli"
done

log "idle CPU: a console with no refresh due, 30 s after its first snapshot"
console idle "$tmp/idle.json" 60m
wait_for_data "$session"
sleep 2
c0=$(ticks "$pid"); t0=$(now_ms)
sleep 30
cpu_idle=$(awk -v c="$(($(ticks "$pid") - c0))" -v hz="$hz" -v ms="$(($(now_ms) - t0))" \
  'BEGIN { printf "%.2f", 100 * c / hz / (ms / 1000) }')
quit "$session" "$pid"

# --- 3. requests per snapshot --------------------------------------------------------------------
log "requests: lag --all, topics (--stats)"
"$KDECK" -b "$B" lag --all -o json --stats >/dev/null 2>"$tmp/lag-stats.json"
"$KDECK" -b "$B" topics -o json --stats >/dev/null 2>"$tmp/topics-stats.json"
refreshes=$(jq -r '.console.refresh_load.count' "$tmp/long.json")

echo "## 3. Requests per snapshot, counted in the client"
echo
echo "$topics topics, $partitions partitions, $groups groups, 3 brokers. \`kdeck --stats\` counts every request"
echo "the client sends (the handshake's ApiVersions included), by API; the console's column is one"
echo "refresh (the $refreshes refreshes of the long session below, divided; its first refresh opened the"
echo "connections). No peer counts its requests, so no peer column."
echo
echo "| API | \`lag --all\` | \`topics\` | console refresh |"
echo "|---|---:|---:|---:|"
jq -r -n --slurpfile lag "$tmp/lag-stats.json" --slurpfile top "$tmp/topics-stats.json" \
  --slurpfile con "$tmp/long.json" --argjson n "$refreshes" '
  ($lag[0].stats.by_api) as $l | ($top[0].stats.by_api) as $t | ($con[0].refresh_requests.by_api) as $c |
  ([$l, $t, $c] | map(keys) | add | unique) as $apis |
  ($apis[] | "| \(.) | \($l[.].requests // 0) | \($t[.].requests // 0) | \((($c[.].requests // 0) / $n * 10 | round) / 10) |"),
  "| **total** | \($lag[0].stats.total.requests) | \($top[0].stats.total.requests) | \((($con[0].refresh_requests.total.requests / $n) * 10 | round) / 10) |",
  "| bytes received | \($lag[0].stats.total.bytes_received) | \($top[0].stats.total.bytes_received) | \(($con[0].refresh_requests.total.bytes_received / $n) | round) |"'
echo
echo "Bounded by the brokers and the coordinators, not the groups or partitions: ListGroups once per"
echo "broker (which lists the groups it coordinates, so no FindCoordinator unless a group moved), DescribeGroups"
echo "and OffsetFetch once per coordinator (over a connection of their own, so they do not wait behind the"
echo "offsets requests), ListOffsets twice per partition leader (earliest, latest) in the console and"
echo "\`topics\`. \`tests/cluster/requests.rs\` asserts the exact counts for 3 and 30 groups."
echo

echo "## 4. The console at scale"
echo
echo "$topics topics, $partitions partitions, $groups groups; a console in tmux at 160×48, \`--refresh 5s\`,"
echo "for $minutes minutes ($refreshes refreshes). A refresh counts from the request to the frame that shows"
echo "it. The peer is kdeck's own CLI reading the same data (\`topics\` then \`lag --all\`, two processes);"
echo "ratio: peer ÷ kdeck (above 1: the console is faster)."
echo
echo "| measurement | kdeck console | peer | ratio |"
echo "|---|---:|---:|---:|"
refresh_med=$(jq -r '.console.refresh.median_ms' "$tmp/long.json")
cli_med=$(median <"$tmp/cli")
printf '| full refresh (ms) | %s | %s (CLI) | %s |\n' \
  "$(jq -r '.console.refresh | "\(.median_ms | round) (\(.min_ms | round)–\(.max_ms | round))"' "$tmp/long.json")" \
  "$(summary '%.0f' <"$tmp/cli")" \
  "$(awk -v a="$refresh_med" -v b="$cli_med" 'BEGIN { printf "%.1f×", b / a }')"
printf '| - loading, worker (ms) | %s | | |\n' \
  "$(jq -r '.console.refresh_load | "\(.median_ms | round) (\(.min_ms | round)–\(.max_ms | round))"' "$tmp/long.json")"
printf '| - taking it in, UI (ms) | %s | | |\n' \
  "$(jq -r '.console.refresh_apply | "\(.median_ms * 10 | round / 10) (\(.min_ms * 10 | round / 10)–\(.max_ms * 10 | round / 10))"' "$tmp/long.json")"
printf '| frame draw, real terminal (ms) | %s | | |\n' \
  "$(jq -r '.console.draw | "\(.median_ms * 10 | round / 10) (max \(.max_ms * 10 | round / 10))"' "$tmp/long.json")"
printf '| RSS after %s min (MiB) | %s (peak %s) | | |\n' "$minutes" \
  "$(jq -r '.console.rss_kib / 1024 * 10 | round / 10' "$tmp/long.json")" \
  "$(jq -r '.console.peak_rss_kib / 1024 * 10 | round / 10' "$tmp/long.json")"
printf '| RSS sampled each second (MiB): median, 90th percentile, max | %s | | |\n' \
  "$(sort -n "$tmp/rss" | awk '{v[NR] = $1} END { if (NR) printf "%.1f, %.1f, %.1f (%d samples)", v[int((NR + 1) / 2)] / 1024, v[int(NR * 0.9)] / 1024, v[NR] / 1024, NR }')"
printf '| CPU over the session (%% of one core) | %s | | |\n' "$cpu_long"
printf '| idle CPU, no refresh due (%% of one core, 30 s) | %s | | |\n' "$cpu_idle"
echo
if [[ "${BENCH_RENDER:-1}" != 0 ]]; then
  log "render benches (cargo bench --bench render)"
  (cd "$root" && cargo bench --bench render -- --noplot) >"$tmp/render.txt" 2>&1 || { cat "$tmp/render.txt" >&2; exit 1; }
  echo "Render time per frame and per refresh taken in, 20,000 rows, the product's \`App\` on ratatui's"
  echo "TestBackend at 160×48 (\`cargo bench --bench render\`, criterion; median [low high] of its estimate):"
  echo
  echo "| pane | frame | refresh taken in + its frame |"
  echo "|---|---:|---:|"
  for pane in topics partitions groups; do
    t() {
      awk -v n="render/$1/$pane/20k rows" 'index($0, n) { found = 1 }
        found && /time:/ { sub(/.*time: *\[/, ""); sub(/\].*/, ""); split($0, a, " ");
                           printf "%s %s [%s–%s %s]", a[3], a[4], a[1], a[5], a[6]; exit }' "$tmp/render.txt"
    }
    echo "| $pane | $(t frame) | $(t refresh) |"
  done
  echo
fi
echo "What bounds it: the refresh is the slowest of the requests after the Metadata (they go out at once);"
echo "the UI's part is deriving the counts and the lag history (O(groups + partitions)) and, for a sorted"
echo "pane, one sort of its rows. Frames draw only the rows on screen; an idle console draws nothing."
echo

echo "## 6. Start-up: the console's first screen"
echo
echo "From the process start (kdeck's \`main\`) to the first frame, and to the first frame showing the"
echo "snapshot ($topics topics, $groups groups), $RUNS runs alternating with the JVM tool; ratio: peer ÷ kdeck."
echo
echo "| measurement | kdeck | peer | ratio |"
echo "|---|---:|---:|---:|"
printf '| first screen (ms) | %s | %s (`kafka-topics --version`) | %s |\n' "$(summary '%.0f' <"$tmp/first")" \
  "$(summary '%.0f' <"$tmp/jvm")" \
  "$(awk -v a="$(median <"$tmp/first")" -v b="$(median <"$tmp/jvm")" 'BEGIN { printf "%.0f×", b / a }')"
printf '| first screen with data (ms) | %s | | |\n' "$(summary '%.0f' <"$tmp/first-data")"
echo
echo "What bounds it: the first frame waits for the connection (TCP, ApiVersions, Metadata); the first"
echo "frame with data for one full snapshot."
echo
