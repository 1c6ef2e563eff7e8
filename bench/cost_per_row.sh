#!/usr/bin/env bash
# Cost per row for K rows per request (issue 15): for K in 1 4 8 16, batch off and on, runs
# generate -> judge -> stats with examples/moderation.toml against a fresh loopback fake server
# (tests/fake_server.py: its token accounting and the price table) and prints one table row per
# configuration: tokens (input, cache write, cache read, output) and dollars of generation and
# judging, from the tools' own summary lines, and the cost per accepted row from metrics.json.
# The judge asks for no rationale (the default since 2026-12-06); K = 1 and 8 run a second time
# with --rationale: the judge's cost is mostly its output, and a rationale is most of it.
# Usage: bench/cost_per_row.sh [BUILD_DIR] [ROWS]   (default build, 200)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
rows=${2:-200}
work=$(mktemp -d /tmp/synthmod-cost-per-row.XXXXXX)
export ANTHROPIC_API_KEY=sk-ant-bench-not-a-key
unset ANTHROPIC_BASE_URL
cp "$root/examples/moderation.toml" "$root/examples/personas.jsonl" "$work/"

# "input A, cache write B, cache read C, output D" and "$X" of a summary line's "this run".
tokens() { sed -n 's/.*this run: \$\([0-9.]*\), tokens input \([0-9]*\), cache write \([0-9]*\), cache read \([0-9]*\), output \([0-9]*\).*/\2 \3 \4 \5 \1/p' "$1" | tail -1; }

printf '| K | batch | rationale | gen requests | gen input | gen cache write | gen cache read | gen output | gen $ | judge requests | judge input | judge cache write | judge cache read | judge output | judge $ | accepted | $ / accepted row |\n'
printf '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
configs="1:off 4:off 8:off 16:off 1:on 8:on"
for config in $configs; do
    k=${config%%:*} why=${config#*:}
    for batch in off on; do
        d="$work/k$k-$batch-rationale-$why"
        mkdir -p "$d"
        python3 "$root/tests/fake_server.py" --port-file "$d/port" --batch-polls 0 --seed 15 \
            --log "$d/requests.jsonl" 2>"$d/server.err" &
        server=$!
        for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
        url="http://127.0.0.1:$(cat "$d/port")"
        flags=(--base-url "$url" --rows-per-request "$k")
        [ "$batch" = on ] && flags+=(--batch)
        "$build/generator/synthmod-generate" --spec "$work/moderation.toml" --rows "$rows" \
            --out "$d/samples.csv" "${flags[@]}" 2>"$d/gen.err" || { cat "$d/gen.err"; exit 1; }
        judge_flags=("${flags[@]}")
        [ "$why" = on ] && judge_flags+=(--rationale)
        "$build/judge/synthmod-judge" --spec "$work/moderation.toml" --in "$d/samples.csv" \
            --out "$d/judged.csv" "${judge_flags[@]}" 2>"$d/judge.err" || { cat "$d/judge.err"; exit 1; }
        "$build/stats/synthmod-stats" --in "$d/judged.csv" --spec "$work/moderation.toml" \
            --report-dir "$d/report" --filtered "$d/filtered.csv" --rejected "$d/rejected.csv" \
            >/dev/null 2>"$d/stats.err" || { cat "$d/stats.err"; exit 1; }
        kill "$server"; wait "$server" 2>/dev/null || true
        read -r gi gw gr go gd <<<"$(tokens "$d/gen.err")"
        read -r ji jw jr jo jd <<<"$(tokens "$d/judge.err")"
        greq=$(sed -n 's/.*; \([0-9]*\) requests,.*/\1/p' "$d/gen.err" | tail -1)
        jreq=$(sed -n 's/.*; \([0-9]*\) requests,.*/\1/p' "$d/judge.err" | tail -1)
        read -r accepted per <<<"$(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(m["filtered_rows"], "%.5f" % m["cost_per_accepted_row"])' "$d/report/metrics.json")"
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
            "$k" "$batch" "$why" "$greq" "$gi" "$gw" "$gr" "$go" "$gd" "$jreq" "$ji" "$jw" "$jr" "$jo" "$jd" \
            "$accepted" "$per"
    done
done
echo "work files: $work" >&2
