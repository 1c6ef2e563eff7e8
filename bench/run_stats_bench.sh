#!/bin/sh
# synthmod-stats benchmark (issue 16's targets), end to end with /usr/bin/time:
#   - the default char job (char 5-grams, method auto = LSH at this size) on 100k and 1M posts:
#     target <= 6 s and <= 0.8 GB peak RSS at 1M;
#   - the word job (word 5-grams, 128 perms, 0.8) at 1M posts (15-60 words) and at 100k short
#     posts (20-40 words, ~30), each with the LSH and the exact join (--dedup-method) and beside
#     Debian's golang-github-ekzhu-minhash-lsh (bench/stats_lsh_go) in the same run: target
#     synthmod >= 25x the Go program by wall clock at both sizes;
#   - recall of every run against the planted pairs (bench/stats_recall.py).
# The exact join on char 5-grams is not run: at 100k posts it did not finish in 10 minutes
# (frequent char 5-grams fill every prefix), which is why method auto keeps LSH there.
# Not a test. Ends with a summary table to paste into bench/RESULTS.md.
#
# usage: bench/run_stats_bench.sh [OUT_DIR] [BUILD_DIR]     (needs python3; installs golang-go
#        and golang-github-ekzhu-minhash-lsh-dev with scripts/install-deps when missing)
#   BASELINE_STATS=/path/to/older/synthmod-stats: every synthmod job also runs with that binary,
#   right after the build's own run (same corpus, same moment), as a "(baseline)" row; its
#   report folder and --pairs file must be byte-identical to the build's (checked, printed).
#   SHORT_PAIRS=N: then N alternating pairs of the short job (auto) and the Go program, and
#   the ratio of their medians (see the end of this script); SHORT_PAIRS_ONLY=1 runs only those.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:-/tmp/synthmod-stats-bench}
build=${2:-$root/build}
mkdir -p "$out"
stats="$build/stats/synthmod-stats"
[ -x "$stats" ] || { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
                     cmake --build "$build" --target synthmod-stats; }
if ! [ -d /usr/share/gocode/src/github.com/ekzhu/minhash-lsh ] || ! command -v go >/dev/null; then
    "$root/scripts/install-deps" golang-go golang-github-ekzhu-minhash-lsh-dev ||
        echo "(could not install the Go baseline; its rows will be missing)"
fi
go_bin=""
if [ -d /usr/share/gocode/src/github.com/ekzhu/minhash-lsh ] && command -v go >/dev/null; then
    (cd "$here/stats_lsh_go" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$out/gocache" \
        go build -o "$out/stats_lsh_go" .) && go_bin="$out/stats_lsh_go"
fi

summary="$out/summary.txt"
: >"$summary"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB; $(uptime)" | tee -a "$summary"
corpus() {  # corpus NAME ROWS [make_corpus flags]: generated once, with its planted truth
    name=$1 rows=$2
    shift 2
    [ -f "$out/$name.csv" ] || python3 "$here/make_corpus.py" "$rows" "$out/$name.csv" "$@" \
        --truth "$out/$name.truth_char.csv" --word-truth "$out/$name.truth_word.csv"
}
# run LABEL CORPUS TRUTH(char|word) COMMAND...: one timed run, its recall, one summary line.
run() {
    label=$1 name=$2 kind=$3
    shift 3
    load=$(cut -d' ' -f1 /proc/loadavg)
    echo "== $label (load $load)"
    pairs="$out/pairs.$(echo "$label" | tr -c 'A-Za-z0-9\n' '_').csv"
    /usr/bin/time -o "$out/time.txt" -f "%e %U %S %M" "$@" "$pairs" 2>&1 | grep -v "^$" || true
    read -r wall user sys rss <"$out/time.txt"
    recall=$(python3 "$here/stats_recall.py" "$out/$name.truth_$kind.csv" "$pairs")
    echo "$recall"
    printf '| %s | %s s | %s s | %s KB | %s | %s |\n' "$label" "$wall" \
        "$(awk "BEGIN{printf \"%.2f\", $user + $sys}")" "$rss" \
        "$(echo "$recall" | awk '{print $8, "(" $6 " / " $2 ")"}')" "$load" >>"$summary"
    echo "$wall" >"$out/wall.$(echo "$label" | tr -c 'A-Za-z0-9\n' '_')"
}

corpus corpus_100000 100000
corpus corpus_1000000 1000000
corpus short_100000 100000 --words 20 40
echo "| job | wall | CPU (user+sys) | peak RSS | recall (planted) | load |" >>"$summary"
echo "|---|---:|---:|---:|---:|---:|" >>"$summary"
baseline=${BASELINE_STATS:-}
# same LABEL REPORT_DIR: the baseline's outputs against the build's (after a baseline run).
same() {
    b="$out/pairs.$(echo "$1 (baseline)" | tr -c 'A-Za-z0-9\n' '_').csv"
    p="$out/pairs.$(echo "$1" | tr -c 'A-Za-z0-9\n' '_').csv"
    if diff -r "$2" "$2.baseline" >/dev/null && cmp -s "$p" "$b"; then
        echo "outputs of $1: byte-identical to the baseline's" | tee -a "$summary"
    else
        echo "outputs of $1: DIFFER from the baseline's" | tee -a "$summary"
    fi
}
# SHORT_PAIRS_ONLY=1: none of these jobs, only the SHORT_PAIRS rounds at the end.
sizes="100000 1000000" names="corpus_1000000 short_100000"
[ "${SHORT_PAIRS_ONLY:-0}" = 1 ] && sizes="" names=""
for n in $sizes; do
    run "char $n, defaults" "corpus_$n" char "$stats" --in "$out/corpus_$n.csv" \
        --report-dir "$out/report_char_$n" --timings --quiet --pairs
    [ -z "$baseline" ] && continue
    run "char $n, defaults (baseline)" "corpus_$n" char "$baseline" --in "$out/corpus_$n.csv" \
        --report-dir "$out/report_char_$n.baseline" --timings --quiet --pairs
    same "char $n, defaults" "$out/report_char_$n"
done
word="--shingle word --ngram 5 --threshold 0.8 --num-perm 128"
for name in $names; do
    csv="$out/$name.csv"
    # shellcheck disable=SC2086
    for m in auto lsh exact; do
        run "word $name, $m" "$name" word "$stats" --in "$csv" --report-dir "$out/report_${m}_$name" \
            $word --dedup-method $m --timings --quiet --pairs
        [ -z "$baseline" ] && continue
        run "word $name, $m (baseline)" "$name" word "$baseline" --in "$csv" \
            --report-dir "$out/report_${m}_$name.baseline" $word --dedup-method $m --timings \
            --quiet --pairs
        same "word $name, $m" "$out/report_${m}_$name"
    done
    echo "exact join pairs against LSH pairs:"
    python3 "$here/stats_recall.py" "$out/pairs.word_${name}__exact.csv" \
        "$out/pairs.word_${name}__lsh.csv"
    if [ -n "$go_bin" ]; then
        run "ekzhu Go $name" "$name" word "$go_bin" "$csv"
        go_wall=$(cat "$out/wall.ekzhu_Go_$name")
        for m in auto lsh exact; do
            w=$(cat "$out/wall.word_${name}__$m")
            echo "ratio: ekzhu / synthmod word $name $m = $(awk "BEGIN{printf \"%.1f\", $go_wall / $w}")x" |
                tee -a "$summary"
            [ -z "$baseline" ] && continue
            w=$(cat "$out/wall.word_${name}__${m}__baseline_")
            echo "ratio: ekzhu / baseline word $name $m = $(awk "BEGIN{printf \"%.1f\", $go_wall / $w}")x" |
                tee -a "$summary"
        done
    fi
done
# SHORT_PAIRS=N (default 0): then N rounds of the 100k short-post word job (method auto) and the
# Go program (with BASELINE_STATS, the baseline's run too), alternating, and the ratio of their
# medians: the host's speed swings by 20 % between spells and the Go program's with it, so one
# run of each is a weak figure for the 25x target. No outputs are compared here (the runs above
# did that).
short_pairs=${SHORT_PAIRS:-0}
if [ "$short_pairs" -gt 0 ] && [ -n "$go_bin" ]; then
    csv="$out/short_100000.csv"
    : >"$out/short_pairs.txt"
    # Wall time to the millisecond into time.txt (/usr/bin/time's %e has 10 ms steps, 3 % of
    # the short job's 0.33 s: too coarse for a ratio near its target).
    walltime() {
        local t0 t1
        t0=$(date +%s%N)
        "$@"
        t1=$(date +%s%N)
        awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f\n", ns / 1e9 }' >"$out/time.txt"
    }
    for _ in $(seq "$short_pairs"); do
        line=""
        for bin in "$stats" ${baseline:+"$baseline"}; do
            # shellcheck disable=SC2086
            walltime "$bin" --in "$csv" \
                --report-dir "$out/report_pairs_short" $word --dedup-method auto --quiet \
                --pairs "$out/pairs.short_pairs.csv" >/dev/null
            line="$line $(cat "$out/time.txt")"
        done
        walltime "$go_bin" "$csv" "$out/pairs.go_pairs.csv" >/dev/null
        echo "$(cut -d' ' -f1 /proc/loadavg) $(cat "$out/time.txt")$line" | tee -a "$out/short_pairs.txt"
    done
    python3 - "$out/short_pairs.txt" <<'PY' | tee -a "$summary"
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
ld = [r[0] for r in rows]; g = [r[1] for r in rows]
def line(name, col):
    s = [r[col] for r in rows]
    print(f"short job, {len(rows)} alternating runs (load {min(ld):.2f}-{max(ld):.2f}): {name} auto "
          f"median {statistics.median(s):.3f} s ({min(s):.3f}-{max(s):.3f}), ekzhu Go median "
          f"{statistics.median(g):.2f} s ({min(g):.2f}-{max(g):.2f}): ratio of medians "
          f"{statistics.median(g) / statistics.median(s):.1f}x; per-run ratios "
          + ", ".join(f"{r[1] / r[col]:.1f}" for r in rows))
line("synthmod", 2)
if len(rows[0]) > 3:
    line("baseline", 3)
PY
fi
echo
echo "== summary (paste into bench/RESULTS.md)"
cat "$summary"
