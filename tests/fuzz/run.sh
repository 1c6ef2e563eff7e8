#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for SECONDS.
# usage: tests/fuzz/run.sh SECONDS [target...]
#   targets: csv jsonl spec anthropic_message anthropic_batch error_body openai_chat patch
#   (default all)
# Build dir: $FUZZ_BUILD_DIR (default build-fuzz); FUZZ_NO_BUILD=1 skips the build (to run two
# targets at once from one build). New corpus entries go to $FUZZ_BUILD_DIR/corpus/<target>/;
# the committed seeds in tests/fuzz/corpus/<target>/ are only read. A crash, leak, timeout or
# sanitizer report leaves its input in $FUZZ_BUILD_DIR/artifacts/ and the script exits 1.
set -euo pipefail
seconds=${1:?usage: run.sh SECONDS [target...]}
shift
all=(csv jsonl spec anthropic_message anthropic_batch error_body openai_chat patch)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSYNTHMOD_FUZZ=ON -DSYNTHMOD_TESTS=OFF >/dev/null
  cmake --build "$build" --target "${targets[@]/#/fuzz_}"
fi
mkdir -p "$build/artifacts"
# Any sanitizer report is a finding: UBSan stops at the first one (libFuzzer then saves the
# input). ubsan.supp names the one known false alarm and says why.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$root/tests/fuzz/ubsan.supp"
export ASAN_OPTIONS="detect_leaks=1:print_stacktrace=1"
status=0
for t in "${targets[@]}"; do
  work="$build/corpus/$t"
  mkdir -p "$work"
  log="$build/fuzz_$t.log"
  echo "== fuzz_$t for ${seconds}s"
  start=$(date +%s)
  if ! "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
      -artifact_prefix="$build/artifacts/$t-" -print_final_stats=1 \
      "$work" "$root/tests/fuzz/corpus/$t" 2>"$log"; then
    status=1
    echo "fuzz_$t FOUND A CRASH: see $log and $build/artifacts/"
    grep -E -m1 -A12 "^==[0-9]+==ERROR|runtime error|^SUMMARY" "$log" || tail -20 "$log"
  fi
  # A report libFuzzer survived (it should not with halt_on_error) still counts.
  if grep -q -E "runtime error:|^==[0-9]+==ERROR" "$log"; then
    status=1
    echo "fuzz_$t: sanitizer report in $log"
  fi
  execs=$(grep -E "^stat::number_of_executed_units" "$log" | awk '{print $2}' || true)
  new=$(grep -E "^stat::new_units_added" "$log" | awk '{print $2}' || true)
  rss=$(grep -E "^stat::peak_rss_mb" "$log" | awk '{print $2}' || true)
  corpus=$(find "$work" -type f | wc -l)
  seeds=$(find "$root/tests/fuzz/corpus/$t" -type f | wc -l)
  echo "fuzz_$t: $(( $(date +%s) - start ))s, ${execs:-?} executions, corpus $corpus files" \
       "(+$seeds seeds), ${new:-?} new units this run, peak RSS ${rss:-?} MB"
done
exit $status
