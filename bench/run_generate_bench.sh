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
# With perf installed, each run's task-clock (perf stat, sub-millisecond) is given beside time -v's
# user + sys (10 ms steps), and its page faults (on this VM each fault of fresh memory costs several
# µs of kernel time, so memory a run touches shows in its CPU). INSTRUCTIONS=1 also runs each build's synthmod-generate once under
# valgrind --tool=callgrind and gives the user-space instructions per request: nearly the same
# from run to run whatever else the machine does, so a change too small for a loaded host's CPU
# times still shows (the kernel's share, about a third of the CPU, is not in it).
# Usage: bench/run_generate_bench.sh [BUILD_DIR]
#   (env: REQUESTS (rows), CONCURRENCY, LATENCY_MS, RUNS, BASELINE, ROWS_PER_REQUEST, INSTRUCTIONS)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
requests=${REQUESTS:-2000}
concurrency=${CONCURRENCY:-100}
latency=${LATENCY_MS:-250}
runs=${RUNS:-3}
k=${ROWS_PER_REQUEST:-1}
baseline=${BASELINE:-}
instructions=${INSTRUCTIONS:-0}
perf_stat=()
command -v perf >/dev/null && perf stat -x, -e task-clock,page-faults true >/dev/null 2>&1 &&
  perf_stat=(perf stat -x, -o "PERF_OUT" -e task-clock,page-faults)
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
  rm -f "$out"/samples.csv* "$out/perf"
  local perf=("${perf_stat[@]/PERF_OUT/$out/perf}")
  # perf outside time -v: time's rusage is the tool's alone; task-clock adds time's own ~1 ms.
  "${perf[@]}" /usr/bin/time -v -o "$out/time" "$@" >"$out/stdout" 2>"$out/stderr" || {
    echo "run_generate_bench: $name failed:" >&2; cat "$out/stderr" >&2; exit 1; }
  /usr/bin/python3 - "$name" "$out/time" "$out/samples.csv" "$out/perf" <<'PY' >>"$out/results"
import json, os, sys
name, timefile, samples, perffile = sys.argv[1:]
t = {}
for line in open(timefile):
    k, _, v = line.strip().rpartition(": ")
    t[k] = v
parts = [float(p) for p in t["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")]
rows = sum(1 for _ in open(samples)) - 1 if os.path.exists(samples) else None
task_ms = faults = None
if os.path.exists(perffile):
    for line in open(perffile):
        f = line.strip().split(",")
        if len(f) > 2 and f[2].startswith("task-clock"):
            task_ms = float(f[0])
        if len(f) > 2 and f[2].startswith("page-faults") and f[0].isdigit():
            faults = int(f[0])
print(json.dumps({"tool": name, "rows": rows,
    "cpu_s": float(t["User time (seconds)"]) + float(t["System time (seconds)"]),
    "task_ms": task_ms, "page_faults": faults,
    "wall_s": sum(p * 60 ** i for i, p in enumerate(reversed(parts))),
    "max_rss_kb": int(t["Maximum resident set size (kbytes)"])}))
PY
}

# One run of synthmod-generate under callgrind: its user-space instructions, as a JSON line.
count_instructions() {
  local name=$1; shift
  rm -f "$out"/samples.csv* "$out/callgrind"
  valgrind --tool=callgrind --callgrind-out-file="$out/callgrind" "$@" >"$out/stdout" \
    2>"$out/stderr" || {
    echo "run_generate_bench: $name under callgrind failed:" >&2; cat "$out/stderr" >&2; exit 1; }
  local ir
  ir=$(sed -n 's/^summary: //p' "$out/callgrind")
  echo "{\"tool\": \"$name\", \"instructions\": $ir}" >>"$out/instructions"
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
if [ "$instructions" = 1 ]; then
  command -v valgrind >/dev/null || { echo "run_generate_bench: INSTRUCTIONS=1 needs valgrind" >&2; exit 2; }
  for b in $builds; do
    if [ "$b" = base ]; then g=$base_generate; else g=$generate; fi
    ANTHROPIC_API_KEY=bench-key count_instructions "generate $b" "$g" \
      --spec "$root/examples/moderation.toml" --rows "$requests" --out "$out/samples.csv" \
      --provider anthropic --base-url "$base" --concurrency "$concurrency" \
      --rows-per-request "$k" --quiet
  done
fi
touch "$out/instructions"

/usr/bin/python3 - "$out/results" "$requests" "$concurrency" "$latency" "$k" "$builds" \
  "$out/instructions" <<'PY'
import json, math, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
counted = {r["tool"]: r["instructions"] for r in map(json.loads, open(sys.argv[7]))}
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
if all(r["task_ms"] is not None for r in rows):
    line("perf task-clock (ms)",
         lambda t: f"{med(t, 'task_ms'):.1f} ({rng(t, 'task_ms', 1, '{:.0f}')})")
    line("task-clock per request (µs)",
         lambda t: f"{med(t, 'task_ms') * 1e3 / (requests if is_gen(t) else n):.0f}")
if all(r.get("page_faults") is not None for r in rows):
    line("page faults (perf stat)", lambda t: f"{med(t, 'page_faults'):.0f}")
if counted:
    line("user-space instructions per request (callgrind, 1 run)",
         lambda t: f"{counted[t] / requests:,.0f}" if t in counted else "—")
if k > 1:
    line("CPU per row (µs)", lambda t: f"{med(t, 'cpu_s') * 1e6 / n:.0f}" if is_gen(t) else "—")
line("peak RSS (MB)", lambda t: f"{med(t, 'max_rss_kb') / 1024:.1f}")
print()
print("raw runs:")
for r in rows:
    print("    " + json.dumps(r))
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
