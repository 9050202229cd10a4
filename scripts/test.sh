#!/usr/bin/env bash
# The test command (README, "The two commands"; CI runs exactly this): fast failures first —
# formatting, then clippy with every warning an error — then every test, which starts the local
# Kafka clusters itself (scripts/kafka-cluster.sh; jars cached in ~/.cache/kdeck).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --locked --all-targets -- -D warnings
echo "== cargo test"
cargo test --locked "$@"
