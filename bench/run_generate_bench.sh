#!/usr/bin/env bash
# Whole-tool benchmark (bench/RESULTS.md, "Generate over HTTP"): one synthmod-generate run of
# REQUESTS rows (K = 1: one request per row) at CONCURRENCY against the loopback fake server
# answering after LATENCY_MS — spec and persona loading, the plan, prompts, the journal, validation
# and samples.csv included — beside bench/client_bench (transport + provider alone) in the same
# run, alternating, as the baseline. Issue 15's target: <= 100 µs of CPU per request for the tool.
# With BASELINE=DIR (a directory holding another build's synthmod-generate and client_bench,
# e.g. main's Release binaries, or that build's directory) both builds run in the same spell,
# alternating baseline/this build for each tool, so that a change is measured against the code
# it replaces on the same machine under the same load; the table then has a column per build.
# ROWS_PER_REQUEST=K asks K rows per request (K = 1 by default); CPU is then also given per row.
# Usage: bench/run_generate_bench.sh [BUILD_DIR]
#   (env: REQUESTS (rows), CONCURRENCY, LATENCY_MS, RUNS, BASELINE, ROWS_PER_REQUEST)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
requests=${REQUESTS:-2000}
concurrency=${CONCURRENCY:-100}
latency=${LATENCY_MS:-250}
runs=${RUNS:-3}
k=${ROWS_PER_REQUEST:-1}
baseline=${BASELINE:-}
out=$(mktemp -d)
trap 'kill -TERM "${server_pid:-0}" 2>/dev/null || true; rm -rf "$out"' EXIT

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSYNTHMOD_BENCH=ON >/dev/null
cmake --build "$build" --target client_bench synthmod-generate >/dev/null
find_tool() { find "$1" -name "$2" -type f -perm -u+x | head -1; }
generate=$(find_tool "$build" synthmod-generate)
client=$(find_tool "$build" client_bench)
if [ -n "$baseline" ]; then
  base_generate=$(find_tool "$baseline" synthmod-generate)
  base_client=$(find_tool "$baseline" client_bench)
  [ -n "$base_generate" ] && [ -n "$base_client" ] || {
    echo "run_generate_bench: no synthmod-generate and client_bench under $baseline" >&2; exit 2; }
fi

/usr/bin/python3 "$root/tests/fake_server.py" --port-file "$out/port" --latency-ms "$latency" &
server_pid=$!
for _ in $(seq 100); do [ -s "$out/port" ] && break; sleep 0.05; done
base="http://127.0.0.1:$(cat "$out/port")"

# One run: name, then the command. Appends a JSON line with time -v's figures to results.
measure() {
  local name=$1; shift
  rm -f "$out"/samples.csv*
  /usr/bin/time -v -o "$out/time" "$@" >"$out/stdout" 2>"$out/stderr" || {
    echo "run_generate_bench: $name failed:" >&2; cat "$out/stderr" >&2; exit 1; }
  /usr/bin/python3 - "$name" "$out/time" "$out/samples.csv" <<'PY' >>"$out/results"
import json, os, sys
name, timefile, samples = sys.argv[1:]
t = {}
for line in open(timefile):
    k, _, v = line.strip().rpartition(": ")
    t[k] = v
parts = [float(p) for p in t["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")]
rows = sum(1 for _ in open(samples)) - 1 if os.path.exists(samples) else None
print(json.dumps({"tool": name, "rows": rows,
    "cpu_s": float(t["User time (seconds)"]) + float(t["System time (seconds)"]),
    "wall_s": sum(p * 60 ** i for i, p in enumerate(reversed(parts))),
    "max_rss_kb": int(t["Maximum resident set size (kbytes)"])}))
PY
}

echo "machine: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
builds="new"
[ -n "$baseline" ] && builds="base new"
for run in $(seq "$runs"); do
  for b in $builds; do
    if [ "$b" = base ]; then c=$base_client; else c=$client; fi
    measure "client_bench $b" "$c" --base-url "$base" --requests "$requests" \
      --concurrency "$concurrency"
  done
  for b in $builds; do
    if [ "$b" = base ]; then g=$base_generate; else g=$generate; fi
    ANTHROPIC_API_KEY=bench-key measure "generate $b" "$g" --spec "$root/examples/moderation.toml" \
      --rows "$requests" --out "$out/samples.csv" --provider anthropic --base-url "$base" \
      --concurrency "$concurrency" --rows-per-request "$k" --quiet
  done
done

/usr/bin/python3 - "$out/results" "$requests" "$concurrency" "$latency" "$k" "$builds" <<'PY'
import json, math, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
n, c, lat, k = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
builds = sys.argv[6].split()
requests = math.ceil(n / k)  # generate's requests (every answer valid on the fake server)
ideal_s = requests / c * lat / 1000
client_ideal_s = n / c * lat / 1000
def med(tool, key):
    return statistics.median(r[key] for r in rows if r["tool"] == tool)
def rng(tool, key, scale, fmt):
    xs = [r[key] * scale for r in rows if r["tool"] == tool]
    return fmt.format(min(xs)) + "-" + fmt.format(max(xs))
names = {"base": "baseline", "new": "this build"}
print(f"{n} rows, {k} per request ({requests} requests), concurrency {c}, {lat:g} ms per "
      f"response (ideal {ideal_s:g} s; client_bench: {n} requests, ideal {client_ideal_s:g} s); "
      f"median of {sum(r['tool'] == 'generate new' for r in rows)} runs each, whole processes")
print()
cols = [(f"client_bench {b}", f"client_bench ({names[b]})") for b in builds] + \
       [(f"generate {b}", f"synthmod-generate ({names[b]})") for b in builds]
print("| | " + " | ".join(label for _, label in cols) + " |")
print("|---|" + "---:|" * len(cols))
def line(label, f):
    print(f"| {label} | " + " | ".join(f(tool) for tool, _ in cols) + " |")
is_gen = lambda tool: tool.startswith("generate")
line("rows written", lambda t: f"{med(t, 'rows'):.0f}" if is_gen(t) else "—")
line("process wall (s)", lambda t: f"{med(t, 'wall_s'):.3f}")
line("ideal / process wall", lambda t: f"{(ideal_s if is_gen(t) else client_ideal_s) / med(t, 'wall_s'):.3f}")
line("process CPU (s)", lambda t: f"{med(t, 'cpu_s'):.3f} ({rng(t, 'cpu_s', 1, '{:.3f}')})")
line("CPU per request (µs)",
     lambda t: f"{med(t, 'cpu_s') * 1e6 / (requests if is_gen(t) else n):.0f}")
if k > 1:
    line("CPU per row (µs)", lambda t: f"{med(t, 'cpu_s') * 1e6 / n:.0f}" if is_gen(t) else "—")
line("peak RSS (MB)", lambda t: f"{med(t, 'max_rss_kb') / 1024:.1f}")
print()
print("raw runs:")
for r in rows:
    print("    " + json.dumps(r))
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
