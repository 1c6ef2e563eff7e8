#!/usr/bin/env bash
# Regenerates the offline demo with the built tools and fails on any byte of difference from the
# committed reports/example/: the offline pipeline must be deterministic.
# usage: tests/check_example.sh BIN_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$root/scripts/pipeline" "$bin" "$tmp/out" "$tmp/work" --provider offline --quiet
if ! diff -r "$root/reports/example" "$tmp/out"; then
  echo "reports/example differs from a fresh offline run (run scripts/demo and review the diff)" >&2
  exit 1
fi
echo "reports/example is identical to a fresh offline run ($(ls "$tmp/out" | wc -l) files)"
