#!/bin/sh
# synthmod-stats benchmark: end to end on 100k and 1M generated posts (default char 5-grams),
# then the word-5-gram job side by side with Debian's golang-github-ekzhu-minhash-lsh.
# Not a test. Results go to bench/RESULTS.md by hand.
#
# usage: bench/run_stats_bench.sh [OUT_DIR] [BUILD_DIR]     (needs python3; the Go part needs
#        golang-go and golang-github-ekzhu-minhash-lsh-dev, and is skipped without them)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:-/tmp/synthmod-stats-bench}
build=${2:-$root/build}
mkdir -p "$out"
stats="$build/stats/synthmod-stats"
[ -x "$stats" ] || { cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null &&
                     cmake --build "$build" --target synthmod-stats; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in 100000 1000000; do
    csv="$out/corpus_$n.csv"
    [ -f "$csv" ] || python3 "$here/make_corpus.py" "$n" "$csv" --truth "$out/truth_char_$n.csv" \
                                                         --word-truth "$out/truth_word_$n.csv"
    echo "== synthmod-stats, $n rows, char 5-grams (defaults), load $(cut -d' ' -f1 /proc/loadavg)"
    /usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB" \
        "$stats" --in "$csv" --report-dir "$out/report_$n" --pairs "$out/pairs_char_$n.csv" \
        --timings --quiet
    python3 "$here/stats_recall.py" "$out/truth_char_$n.csv" "$out/pairs_char_$n.csv"
done

n=1000000
csv="$out/corpus_$n.csv"
echo "== synthmod-stats, $n rows, word 5-grams, 128 perms, threshold 0.8, load $(cut -d' ' -f1 /proc/loadavg)"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB" \
    "$stats" --in "$csv" --report-dir "$out/report_word_$n" --shingle word --ngram 5 \
    --threshold 0.8 --num-perm 128 --pairs "$out/pairs_word_$n.csv" --timings --quiet
python3 "$here/stats_recall.py" "$out/truth_word_$n.csv" "$out/pairs_word_$n.csv"

if [ -d /usr/share/gocode/src/github.com/ekzhu/minhash-lsh ] && command -v go >/dev/null; then
    (cd "$here/stats_lsh_go" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$out/gocache" \
        go build -o "$out/stats_lsh_go" .)
    echo "== ekzhu/minhash-lsh (Go), $n rows, same job, load $(cut -d' ' -f1 /proc/loadavg)"
    /usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB" \
        "$out/stats_lsh_go" "$csv" "$out/pairs_word_go_$n.csv"
    python3 "$here/stats_recall.py" "$out/truth_word_$n.csv" "$out/pairs_word_go_$n.csv"
    echo "go pairs against synthmod pairs:"
    python3 "$here/stats_recall.py" "$out/pairs_word_$n.csv" "$out/pairs_word_go_$n.csv"
else
    echo "(Go comparison skipped: apt-get install golang-go golang-github-ekzhu-minhash-lsh-dev)"
fi
