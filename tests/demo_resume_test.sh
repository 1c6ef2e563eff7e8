#!/usr/bin/env bash
# scripts/pipeline on a remote provider (the loopback fake Anthropic server) never pays twice:
# a run stopped by its budget (exit 4) continues with the same command and a higher budget, and a
# finished run sends nothing when repeated. Asserted from the server's own request count: every
# one of the N generated and N judged rows costs exactly one request over all the runs.
# usage: tests/demo_resume_test.sh BIN_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$1
rows=24
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
python3 "$root/tests/fake_server.py" --port-file "$tmp/port" >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")
base="http://127.0.0.1:$port"
requests() { python3 -c 'import json,sys,urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1]+"/_stats"))["requests"])' "$base"; }
fail() { echo "demo_resume_test: $*" >&2; exit 1; }

export ANTHROPIC_API_KEY=sk-ant-test-demo-resume
run() { "$root/scripts/pipeline" "$bin" "$tmp/out" "$tmp/work" --rows $rows --provider anthropic \
          --base-url "$base" --quiet "$@"; }

# 1. A budget that covers a few rows only: the generator stops with exit 4.
rc=0
run --max-cost 0.01 2>"$tmp/run1.err" || rc=$?
[ $rc -eq 4 ] || { cat "$tmp/run1.err" >&2; fail "first run: exit $rc, expected 4 (budget)"; }
grep -q "budget reached" "$tmp/run1.err" || fail "first run: no budget message"
first=$(requests)
[ "$first" -gt 0 ] && [ "$first" -lt $rows ] || fail "first run sent $first requests, expected 1..$((rows - 1))"

# 2. The same command with a higher budget continues: generate and judge finish.
run --max-cost 100 2>"$tmp/run2.err" || fail "second run failed: $(cat "$tmp/run2.err")"
second=$(requests)
[ "$second" -eq $((2 * rows)) ] || fail "after the second run the server saw $second requests, expected exactly $((2 * rows))"
[ "$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1]))))' "$tmp/out/judged.csv")" -eq $rows ] ||
  fail "judged.csv does not hold $rows rows"

# 3. Repeating a finished run sends nothing.
run --max-cost 100 2>"$tmp/run3.err" || fail "third run failed: $(cat "$tmp/run3.err")"
third=$(requests)
[ "$third" -eq "$second" ] || fail "a repeated finished run sent $((third - second)) requests"

# 4. --fresh starts over and pays again, by request.
run --fresh --max-cost 100 2>"$tmp/run4.err" || fail "fresh run failed: $(cat "$tmp/run4.err")"
fourth=$(requests)
[ "$fourth" -eq $((second + 2 * rows)) ] || fail "--fresh sent $((fourth - second)) requests, expected $((2 * rows))"
echo "demo_resume_test: budget stop after $first requests; $second in all for $rows rows generated and judged; rerun sent 0; --fresh sent $((2 * rows))"
