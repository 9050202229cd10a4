# lib.sh — what the parts of scripts/bench.sh may share: timing a command (wall time, peak RSS,
# output size), medians with min–max, and Markdown cells. Sourced, not run.
#
#   bench_init                   a work dir in $BENCH_WORK (removed on exit)
#   bench_run NAME OUT CMD...    runs CMD once with stdout to OUT; appends "ms rss_kib bytes" to
#                                the runs of NAME; a failing CMD stops the part (its stderr shown)
#   bench_cell NAME              "0.21 s (0.20–0.25)" — median (min–max) wall time of NAME
#   bench_median NAME COLUMN     median of a column (1 ms, 2 peak RSS KiB, 3 output bytes)
#   bench_ratio SLOW FAST        ratio of the median wall times, e.g. "102×"
#   bench_mib KIB | bench_size BYTES   human sizes
# Peak RSS comes from GNU time (/usr/bin/time -f %M) if present, else from polling /proc (VmHWM).
# shellcheck shell=bash

bench_init() {
  BENCH_WORK="$(mktemp -d "${TMPDIR:-/tmp}/kdeck-bench.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$BENCH_WORK'" EXIT
}

# Peak RSS of CMD in KiB written to $1 (the /proc fallback: polled every 10 ms).
# CMD may be a shell function the caller exported (`export -f`): /usr/bin/time cannot run one
# itself, so it runs in a child bash, whose peak RSS counts its children's (the JVM's).
_bench_rss() {
  local rss_file=$1; shift
  if declare -F "$1" >/dev/null; then
    set -- bash -c '"$@"' bash "$@"
  fi
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f %M -o "$rss_file" "$@"
    return
  fi
  "$@" &
  local pid=$! hwm=0 v
  while kill -0 "$pid" 2>/dev/null; do
    v="$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
    [[ -n "$v" ]] && hwm=$v
    sleep 0.01
  done
  local rc=0
  wait "$pid" || rc=$?
  echo "$hwm" >"$rss_file"
  return $rc
}

bench_run() {
  local name=$1 out=$2; shift 2
  local t0 t1 rc=0
  t0=$(date +%s%N)
  _bench_rss "$BENCH_WORK/$name.rss" "$@" >"$out" 2>"$BENCH_WORK/$name.err" || rc=$?
  t1=$(date +%s%N)
  if ((rc != 0)); then
    echo "bench: $name failed (exit $rc): $*" >&2
    tail -n 20 "$BENCH_WORK/$name.err" >&2
    return "$rc"
  fi
  echo "$(((t1 - t0) / 1000000)) $(tail -n 1 "$BENCH_WORK/$name.rss") $(stat -c %s "$out")" >>"$BENCH_WORK/$name.runs"
}

# bench_stat NAME COLUMN WHAT (median|min|max)
bench_stat() {
  awk -v c="$2" '{print $c}' "$BENCH_WORK/$1.runs" | sort -n | awk -v what="$3" '
    { v[NR] = $1 }
    END {
      if (what == "min") print v[1];
      else if (what == "max") print v[NR];
      else if (NR % 2) print v[(NR + 1) / 2];
      else print (v[NR / 2] + v[NR / 2 + 1]) / 2;
    }'
}

bench_median() { bench_stat "$1" "$2" median; }

# Milliseconds as seconds (or ms below one second).
bench_secs() {
  awk -v ms="$1" 'BEGIN { if (ms < 1000) printf "%d ms", ms; else if (ms < 10000) printf "%.2f s", ms / 1000; else printf "%.1f s", ms / 1000 }'
}

bench_cell() {
  local n
  n=$(wc -l <"$BENCH_WORK/$1.runs")
  echo "$(bench_secs "$(bench_median "$1" 1)") ($(bench_secs "$(bench_stat "$1" 1 min)")–$(bench_secs "$(bench_stat "$1" 1 max)"), $n runs)"
}

bench_ratio() {
  awk -v a="$(bench_median "$1" 1)" -v b="$(bench_median "$2" 1)" 'BEGIN {
    if (b <= 0) b = 1; r = a / b;
    if (r >= 10) printf "%d×", r + 0.5; else printf "%.1f×", r }'
}

bench_mib() { awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; }

bench_size() {
  awk -v b="$1" 'BEGIN {
    if (b >= 1048576) printf "%.1f MiB", b / 1048576;
    else if (b >= 1024) printf "%.0f KiB", b / 1024;
    else printf "%d B", b }'
}
