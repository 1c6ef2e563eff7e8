#!/usr/bin/env bash
# Client benchmark (bench/RESULTS.md, "Client"): REQUESTS requests at CONCURRENCY through
# synthmod's transport + anthropic provider, then through the official TypeScript SDK, against
# the loopback fake server answering every request after LATENCY_MS. Prints a Markdown table.
# Usage: bench/run_client_bench.sh [BUILD_DIR]   (env: REQUESTS, CONCURRENCY, LATENCY_MS, RUNS)
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
cmake --build "$build" --target client_bench >/dev/null
if [ ! -d "$root/bench/node_modules/@anthropic-ai/sdk" ]; then
  command -v npm >/dev/null || { echo "run_client_bench: npm is missing (apt-get install npm)" >&2; exit 2; }
  (cd "$root/bench" && npm ci --no-audit --no-fund >/dev/null)
fi

/usr/bin/python3 "$root/tests/fake_server.py" --port-file "$out/port" --latency-ms "$latency" &
server_pid=$!
for _ in $(seq 100); do [ -s "$out/port" ] && break; sleep 0.05; done
base="http://127.0.0.1:$(cat "$out/port")"
server_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
hz=$(getconf CLK_TCK)

# One run: tool name, then the command. Appends a JSON line with time -v's figures to results.
measure() {
  local name=$1; shift
  local before after
  before=$(server_ticks)
  /usr/bin/time -v -o "$out/time" "$@" >"$out/stdout" 2>"$out/stderr"
  after=$(server_ticks)
  /usr/bin/python3 - "$name" "$out/stdout" "$out/time" "$((after - before))" "$hz" <<'PY' >>"$out/results"
import json, sys
name, stdout, timefile, ticks, hz = sys.argv[1:]
self = json.loads(open(stdout).read().strip().splitlines()[-1])
t = {}
for line in open(timefile):
    k, _, v = line.strip().rpartition(": ")
    t[k] = v
def secs(v):
    parts = [float(p) for p in v.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
print(json.dumps({"tool": name, "ok": self["ok"], "requests": self["requests"],
    "wall_s": self["wall_s"], "req_per_s": self["req_per_s"],
    "cpu_s": float(t["User time (seconds)"]) + float(t["System time (seconds)"]),
    "process_wall_s": secs(t["Elapsed (wall clock) time (h:mm:ss or m:ss)"]),
    "max_rss_kb": int(t["Maximum resident set size (kbytes)"]),
    "server_cpu_s": int(ticks) / int(hz)}))
PY
}

echo "machine: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$runs"); do
  measure synthmod "$build/bench/client_bench" --base-url "$base" --requests "$requests" --concurrency "$concurrency"
  measure sdk node "$root/bench/client_bench_sdk.mjs" "$base" "$requests" "$concurrency"
done

/usr/bin/python3 - "$out/results" "$requests" "$concurrency" "$latency" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
n, c, lat = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
ideal = c / (lat / 1000)
def med(tool, key):
    return statistics.median(r[key] for r in rows if r["tool"] == tool)
print(f"{n} requests, concurrency {c}, {lat:g} ms per response (ideal {ideal:g} req/s); "
      f"median of {sum(r['tool'] == 'synthmod' for r in rows)} runs each")
print()
print("| | synthmod (libcurl multi) | TypeScript SDK | SDK / synthmod |")
print("|---|---|---|---|")
s, t = "synthmod", "sdk"
def line(label, key, fmt, per=1.0):
    a, b = med(s, key) * per, med(t, key) * per
    print(f"| {label} | {fmt.format(a)} | {fmt.format(b)} | {b / a:.2f} |")
line("answers ok", "ok", "{:.0f}")
line("wall time of the requests (s)", "wall_s", "{:.3f}")
line("throughput (req/s)", "req_per_s", "{:.1f}")
print(f"| throughput / ideal | {med(s, 'req_per_s') / ideal:.3f} | {med(t, 'req_per_s') / ideal:.3f} | |")
line("process CPU time (s)", "cpu_s", "{:.3f}")
line("CPU per request (µs)", "cpu_s", "{:.0f}", 1e6 / n)
line("peak RSS (MB)", "max_rss_kb", "{:.1f}", 1 / 1024)
line("fake server CPU during the run (s)", "server_cpu_s", "{:.2f}")
print()
print("raw runs:")
for r in rows:
    print("    " + json.dumps(r))
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
