#!/usr/bin/env bash
# Whole-tool benchmark (bench/RESULTS.md, "Generate over HTTP"): one synthmod-generate run of
# REQUESTS rows (K = 1: one request per row) at CONCURRENCY against the loopback fake server
# answering after LATENCY_MS — spec and persona loading, the plan, prompts, the journal, validation
# and samples.csv included — beside bench/client_bench (transport + provider alone) in the same
# run, alternating, as the baseline. Issue 15's target: <= 100 µs of CPU per request for the tool.
# Usage: bench/run_generate_bench.sh [BUILD_DIR]   (env: REQUESTS, CONCURRENCY, LATENCY_MS, RUNS)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
requests=${REQUESTS:-2000}
concurrency=${CONCURRENCY:-100}
latency=${LATENCY_MS:-250}
runs=${RUNS:-3}
out=$(mktemp -d)
trap 'kill -TERM "${server_pid:-0}" 2>/dev/null || true; rm -rf "$out"' EXIT

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSYNTHMOD_BENCH=ON >/dev/null
cmake --build "$build" --target client_bench synthmod-generate >/dev/null
generate=$(find "$build" -name synthmod-generate -type f -perm -u+x | head -1)

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
for run in $(seq "$runs"); do
  measure client_bench "$build/bench/client_bench" --base-url "$base" --requests "$requests" \
    --concurrency "$concurrency"
  ANTHROPIC_API_KEY=bench-key measure generate "$generate" --spec "$root/examples/moderation.toml" \
    --rows "$requests" --out "$out/samples.csv" --provider anthropic --base-url "$base" \
    --concurrency "$concurrency" --quiet
done

/usr/bin/python3 - "$out/results" "$requests" "$concurrency" "$latency" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
n, c, lat = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
ideal_s = n / c * lat / 1000
def med(tool, key):
    return statistics.median(r[key] for r in rows if r["tool"] == tool)
print(f"{n} requests, concurrency {c}, {lat:g} ms per response (ideal {ideal_s:g} s); "
      f"median of {sum(r['tool'] == 'generate' for r in rows)} runs each, whole processes")
print()
print("| | client_bench (transport + provider) | synthmod-generate (whole tool) | generate / client |")
print("|---|---:|---:|---:|")
a, b = "client_bench", "generate"
print(f"| rows written | — | {med(b, 'rows'):.0f} | |")
def line(label, key, fmt, per=1.0):
    x, y = med(a, key) * per, med(b, key) * per
    print(f"| {label} | {fmt.format(x)} | {fmt.format(y)} | {y / x:.2f} |")
line("process wall (s)", "wall_s", "{:.3f}")
print(f"| ideal / process wall | {ideal_s / med(a, 'wall_s'):.3f} | {ideal_s / med(b, 'wall_s'):.3f} | |")
line("process CPU (s)", "cpu_s", "{:.3f}")
line("CPU per request (µs)", "cpu_s", "{:.0f}", 1e6 / n)
line("peak RSS (MB)", "max_rss_kb", "{:.1f}", 1 / 1024)
print()
print("raw runs:")
for r in rows:
    print("    " + json.dumps(r))
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
