#!/usr/bin/env bash
# A real SOCKS5 server for the tests of --socks5 (tests/cluster/doctor.rs): pproxy from PyPI,
# installed into the cache like the Kafka jars, run in a private mount namespace whose
# /etc/hosts names hosts that only the proxy side can resolve (a bastion's view of the VPC).
#
#   scripts/socks5-proxy.sh install
#       pip-installs pproxy $PPROXY_VERSION into $KDECK_CACHE_DIR/pproxy-$PPROXY_VERSION
#       (default ~/.cache/kdeck); nothing when it is there already
#   scripts/socks5-proxy.sh run PORT NAME=IP[,NAME=IP…]
#       installs if needed, then runs (in the foreground, until killed) a SOCKS5 server on
#       127.0.0.1:PORT that resolves NAME to IP on its side; with -v it logs one line per
#       connection, naming the target as the client sent it ("socks5 127.0.0.1:N -> NAME:PORT")
#
# Needs python3 with pip, and unshare(1) with user namespaces (util-linux).
set -euo pipefail

PPROXY_VERSION=2.7.9
CACHE="${KDECK_CACHE_DIR:-$HOME/.cache/kdeck}"
DIR="$CACHE/pproxy-$PPROXY_VERSION"

die() { echo "socks5-proxy: $*" >&2; exit 1; }

install() {
  [[ -f $DIR/.installed ]] && return 0
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.pproxy.lock"
  flock -w 600 9 || die "could not lock $CACHE/.pproxy.lock"
  [[ -f $DIR/.installed ]] && return 0
  command -v python3 >/dev/null || die "python3 is needed (pproxy is a Python package)"
  rm -rf "$DIR.tmp"
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --target "$DIR.tmp" "pproxy==$PPROXY_VERSION" >&2 || die "pip install pproxy==$PPROXY_VERSION failed"
  rm -rf "$DIR"
  mv "$DIR.tmp" "$DIR"
  touch "$DIR/.installed"
  exec 9>&-
}

run() {
  local port=${1:?PORT} names=${2:?NAME=IP[,NAME=IP…]} hosts entry
  install
  command -v unshare >/dev/null || die "unshare (util-linux) is needed"
  hosts="$(mktemp "${TMPDIR:-/tmp}/kdeck-socks5-hosts.XXXXXX")"
  { echo "127.0.0.1 localhost"; echo "::1 localhost"; } >"$hosts"
  IFS=, read -ra entries <<<"$names"
  for entry in "${entries[@]}"; do echo "${entry#*=} ${entry%%=*}" >>"$hosts"; done
  # The bind mount exists only in the proxy's own namespace: the rest of the machine (kdeck)
  # still cannot resolve these names. exec: the pid the caller holds is the proxy's.
  exec unshare --user --map-root-user --mount sh -c \
    'mount --bind "$1" /etc/hosts && rm -f "$1" && PYTHONPATH="$2" exec python3 -m pproxy -l "socks5://127.0.0.1:$3" -v' \
    sh "$hosts" "$DIR" "$port"
}

case "${1:-}" in
  install) install ;;
  run) shift; run "$@" ;;
  *) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
