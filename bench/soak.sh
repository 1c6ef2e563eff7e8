#!/usr/bin/env bash
# soak: the fault soak of issue 6 — synthmod-generate against the loopback fake Anthropic server
# with 25 % mixed faults and two kill -9 / resume cycles, then checks rows, journal, request log
# and cost (bench/soak.py says what exactly). Exit 0 only if every check passes.
# usage: bench/soak.sh [BUILD_DIR] [--rows N] [--fault-rate R] [--kill-at F1,F2] [--keep DIR] ...
#        (results: bench/RESULTS.md, "Fault soak")
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  build=$1
  shift
fi
exec python3 "$root/bench/soak.py" --build-dir "$build" "$@"
