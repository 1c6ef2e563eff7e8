#!/usr/bin/env bash
# generator_bench: synthmod-generate end to end with the offline provider (plan, prompts, answers,
# runner, journal, output), a no-op resume, and the offline posts' near-duplicate rate by size.
# usage: bench/generator_bench.sh [BUILD_DIR]   (results: bench/RESULTS.md, generator section)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "${1:-$root/build}" && pwd)/generator/synthmod-generate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$root/examples/moderation.toml" "$root/examples/personas.jsonl" "$work/"
cd "$work"
for n in 1000 20000 100000; do
  rm -f b.csv b.csv.journal
  /usr/bin/time -f "generate $n rows: %e s wall, %U s user, %S s sys, %M KB max RSS" \
    "$bin" --spec moderation.toml --provider offline --out b.csv --rows "$n" --quiet
  /usr/bin/time -f "resume (nothing left) $n rows: %e s wall, %M KB max RSS" \
    "$bin" --spec moderation.toml --provider offline --out b.csv --rows "$n" --quiet
  if [ "$n" -le 20000 ]; then
    python3 "$root/tests/data/real/near_dup_truth.py" b.csv |
      python3 -c "import json,sys; m=json.load(sys.stdin); print('  near_dup_rate %.4f exact_dup_rate %.4f' % (m['near_dup_rate'], m['exact_dup_rate']))"
  fi
done
