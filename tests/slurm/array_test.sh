#!/usr/bin/env bash
# Array jobs on a real scheduler: starts a private single-node Slurm cluster (tests/slurm/cluster.sh,
# Debian's slurm-wlm and munge), submits `sbatch --array=0-3` whose task I runs
#   synthmod-generate --shard I/4   (offline provider)          -> samples-I.csv
#   synthmod-judge on that shard                                -> judged-I.csv
#   synthmod-judge --shard I/4 on the unsharded samples.csv     -> split-I.csv
# waits for it, runs synthmod-stats on the four judged shards as four --in, and checks against an
# unsharded run of the same commands: the shards' rows together are exactly its rows (same ids,
# same content in every column, no duplicate, no gap, every shard non-empty), for samples, judged
# and split; metrics.json is equal but for its list of inputs. The cluster is stopped on exit.
# usage: tests/slurm/array_test.sh BUILD_DIR [ROWS]      (root; scripts/install-deps slurm-wlm munge)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
rows=${2:-240}
shards=4
gen="$build/generator/synthmod-generate"
judge="$build/judge/synthmod-judge"
stats="$build/stats/synthmod-stats"
spec="$root/examples/moderation.toml"
. "$root/tests/slurm/cluster.sh"

work=$(mktemp -d)
trap 'slurm_stop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM  # so that the EXIT trap stops the daemons on a signal too
chmod 755 "$work"  # munged wants every folder above its socket searchable by all
start=$SECONDS

# The unsharded run, outside Slurm.
ref="$work/ref"
mkdir -p "$ref"
"$gen" --spec "$spec" --provider offline --rows "$rows" --out "$ref/samples.csv" --quiet
"$judge" --spec "$spec" --provider offline --in "$ref/samples.csv" --out "$ref/judged.csv" --quiet
"$stats" --in "$ref/judged.csv" --spec "$spec" --report-dir "$ref/report" --quiet

slurm_start "$work/cluster" || exit 1
echo "array_test: cluster up after $((SECONDS - start)) s"

job_dir="$work/job"
mkdir -p "$job_dir"
cat >"$job_dir/task.sh" <<'EOF'
#!/usr/bin/env bash
# One array task: shard $SLURM_ARRAY_TASK_ID of $SHARDS.
set -euo pipefail
i=$SLURM_ARRAY_TASK_ID
"$GEN" --spec "$SPEC" --provider offline --rows "$ROWS" --shard "$i/$SHARDS" \
  --out "samples-$i.csv" --quiet
"$JUDGE" --spec "$SPEC" --provider offline --in "samples-$i.csv" --out "judged-$i.csv" --quiet
"$JUDGE" --spec "$SPEC" --provider offline --in "$REF/samples.csv" --shard "$i/$SHARDS" \
  --out "split-$i.csv" --quiet
EOF
chmod +x "$job_dir/task.sh"
job=$(GEN=$gen JUDGE=$judge SPEC=$spec ROWS=$rows SHARDS=$shards REF=$ref \
  sbatch --parsable --array=0-$((shards - 1)) --job-name=synthmod-shards --chdir="$job_dir" \
  --output="$job_dir/slurm-%A_%a.out" --export=ALL "$job_dir/task.sh")
job=${job%%;*}
echo "array_test: submitted array job $job"
if ! slurm_wait "$job" 240; then
  slurm_logs "$work/cluster"
  exit 1
fi
echo "array_test: array job done after $((SECONDS - start)) s"

fail=0
want=$(for ((i = 0; i < shards; i++)); do echo "$i COMPLETED 0:0"; done)
got=$(slurm_task_states "$job")
if [ "$got" != "$want" ]; then
  echo "array_test: the array tasks did not all complete with exit 0:" >&2
  echo "$got" >&2
  for f in "$job_dir"/slurm-*.out; do
    echo "--- $f" >&2
    cat "$f" >&2
  done
  exit 1
fi

ins=()
for ((i = 0; i < shards; i++)); do ins+=(--in "$job_dir/judged-$i.csv"); done
"$stats" "${ins[@]}" --spec "$spec" --report-dir "$work/sharded-report" --quiet

python3 - "$ref" "$job_dir" "$work/sharded-report" "$shards" "$rows" <<'EOF' || fail=1
import csv, json, sys
ref, job, report, shards, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
problems = []

def table(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = next(r)
        return header, [dict(zip(header, row)) for row in r]

def union_equals(kind, ref_file):
    header, want = table(ref_file)
    if len(want) != rows and kind == "samples":
        problems.append("the unsharded run has %d rows, not %d" % (len(want), rows))
    by_id = {}
    for i in range(shards):
        h, part = table("%s/%s-%d.csv" % (job, kind, i))
        if h != header:
            problems.append("%s-%d.csv: columns %s differ from the unsharded %s" % (kind, i, h, header))
        if not part:
            problems.append("%s-%d.csv is empty" % (kind, i))
        for row in part:
            if row["id"] in by_id:
                problems.append("%s: id %s in two shards" % (kind, row["id"]))
            by_id[row["id"]] = row
    want_ids = {row["id"] for row in want}
    if len(want_ids) != len(want):
        problems.append("%s: the unsharded run repeats an id" % kind)
    missing, extra = want_ids - set(by_id), set(by_id) - want_ids
    if missing: problems.append("%s: %d ids missing from the shards, e.g. %s" % (kind, len(missing), sorted(missing)[:3]))
    if extra: problems.append("%s: %d ids only in the shards, e.g. %s" % (kind, len(extra), sorted(extra)[:3]))
    differ = [row["id"] for row in want if row["id"] in by_id and by_id[row["id"]] != row]
    if differ: problems.append("%s: %d rows differ from the unsharded run, e.g. id %s" % (kind, len(differ), differ[0]))
    return len(by_id)

n = union_equals("samples", ref + "/samples.csv")
union_equals("judged", ref + "/judged.csv")
union_equals("split", ref + "/judged.csv")

a = json.load(open(ref + "/report/metrics.json", encoding="utf-8"))
b = json.load(open(report + "/metrics.json", encoding="utf-8"))
if len(b.get("inputs", [])) != shards:
    problems.append("stats read %r, not %d inputs" % (b.get("inputs"), shards))
for key in sorted(set(a) | set(b)):
    if key != "inputs" and a.get(key) != b.get(key):
        problems.append("metrics.json %s: unsharded %s, sharded %s" % (key, json.dumps(a.get(key))[:200], json.dumps(b.get(key))[:200]))

for p in problems: print("array_test:", p, file=sys.stderr)
if not problems:
    print("array_test: %d rows in %d shards equal the unsharded run (samples, judged, judge --shard); "
          "metrics.json equal (%d keys)" % (n, shards, len(a)))
sys.exit(1 if problems else 0)
EOF
echo "array_test: $((SECONDS - start)) s in all"
exit $fail
