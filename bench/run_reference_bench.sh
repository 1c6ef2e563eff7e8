#!/bin/sh
# synthmod-stats --reference benchmark (issue 13): a 1M-row dataset against a 100k-row reference
# set, with its baseline in the same run: the same command without --reference (so the cost of
# the reference search is the difference), and, when given, an earlier synthmod-stats binary on
# the same files, whose --reference-pairs, report.md, rejected.csv, filtered.csv and contamination
# figures must be byte-identical.
# Not a test. Results go to bench/RESULTS.md by hand.
#
# usage: bench/run_reference_bench.sh [OUT_DIR] [BUILD_DIR] [EARLIER_SYNTHMOD_STATS]
#        (needs python3; the corpus, ~420 MB, is written once to OUT_DIR and reused)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:-/tmp/synthmod-reference-bench}
build=${2:-$root/build}
earlier=${3:-}
mkdir -p "$out"
stats="$build/stats/synthmod-stats"
[ -x "$stats" ] || { echo "no $stats: build first" >&2; exit 2; }

csv="$out/corpus_1000000.csv"
ref="$out/reference_100000.csv"
[ -f "$csv" ] || python3 "$here/make_corpus.py" 1000000 "$csv"
[ -f "$out/fresh_100000.csv" ] || python3 "$here/make_corpus.py" 100000 "$out/fresh_100000.csv" --seed 8
[ -f "$ref" ] || python3 "$here/make_reference.py" "$csv" "$out/fresh_100000.csv" "$ref"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB"
# run NAME BINARY [FLAGS...]: wall, CPU and peak memory of the whole run, and its stage times.
run() {
    name=$1 bin=$2
    shift 2
    echo "== $name, load $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -f "$name: wall %e s, user %U s, sys %S s, peak RSS %M KB" \
        "$bin" --in "$csv" --report-dir "$out/report_$name" --timings --quiet "$@"
}
run baseline "$stats"
run current "$stats" --reference "$ref" --reference-pairs "$out/pairs_current.csv"
if [ -n "$earlier" ]; then
    run earlier "$earlier" --reference "$ref" --reference-pairs "$out/pairs_earlier.csv"
    cmp "$out/pairs_earlier.csv" "$out/pairs_current.csv" && echo "--reference-pairs: identical"
    for f in report.md rejected.csv filtered.csv; do
        cmp "$out/report_earlier/$f" "$out/report_current/$f" && echo "$f: identical"
    done
    # metrics.json gains keys over time: its contamination figures are compared.
    for side in earlier current; do
        grep -E '"contamination_(rows|rate|exact_rows|pairs)"' "$out/report_$side/metrics.json" \
            >"$out/contamination_$side.txt"
    done
    cmp "$out/contamination_earlier.txt" "$out/contamination_current.txt" &&
        echo "contamination figures in metrics.json: identical"
fi
echo "pairs: $(($(wc -l <"$out/pairs_current.csv") - 1)); contamination: $(grep -E '"contamination_(rows|rate)"' "$out/report_current/metrics.json" | tr -d ' \n')"
