#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for SECONDS.
# usage: tests/fuzz/run.sh SECONDS [target...]      (targets: csv jsonl spec; default all)
# Build dir: $FUZZ_BUILD_DIR (default build-fuzz). New corpus entries go to the build dir; the
# committed seeds in tests/fuzz/corpus/<target>/ are only read. Crashes land in
# $FUZZ_BUILD_DIR/artifacts/ and the script exits 1.
set -euo pipefail
seconds=${1:?usage: run.sh SECONDS [target...]}
shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(csv jsonl spec)
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSYNTHMOD_FUZZ=ON -DSYNTHMOD_TESTS=OFF >/dev/null
cmake --build "$build" --target "${targets[@]/#/fuzz_}"
mkdir -p "$build/artifacts"
status=0
for t in "${targets[@]}"; do
  work="$build/corpus/$t"
  mkdir -p "$work"
  echo "== fuzz_$t for ${seconds}s"
  if ! "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
      -artifact_prefix="$build/artifacts/$t-" -print_final_stats=1 \
      "$work" "$root/tests/fuzz/corpus/$t" 2>"$build/fuzz_$t.log"; then
    status=1
    echo "fuzz_$t FOUND A CRASH: see $build/fuzz_$t.log and $build/artifacts/"
  fi
  grep -E "^stat::(number_of_executed_units|new_units_added|peak_rss_mb)|^#[0-9]+ *DONE" "$build/fuzz_$t.log" || true
done
exit $status
