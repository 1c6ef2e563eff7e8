#!/usr/bin/env python3
"""Fault soak (issue 6 part 3): synthmod-generate against the loopback fake Anthropic server with
mixed faults and two kill -9 / resume cycles, then checks the outcome against the journal and the
server's request log.

    bench/soak.sh [BUILD_DIR] [--rows N] [--fault-rate R] [--kill-at 0.30,0.65] [--keep DIR]
    bench/soak.py --check-only DIR      re-run the checks on a kept soak folder

What is run (one fake server for the whole soak, one output path, the same command every time):
  1. the plan: the same spec with the offline provider (ids do not depend on the provider), so the
     planned ids come from the tool itself and not from this script;
  2. synthmod-generate --provider anthropic, killed with SIGKILL once the journal holds --kill-at[0]
     of the rows, then the same command, killed at --kill-at[1], then the same command to the end
     (and again while it exits 3 with failed rows, which a resume must pick up). After a kill the
     soak waits until the server holds no connection, so each request belongs to one run.

Checks (exit 0 only if every one passes):
  rows       the output holds every planned id exactly once, with the plan's variant, target label,
             persona and context, and nothing else;
  journal    every id has exactly one "ok" record (a second one would be an item paid twice), and
             each output row is its record's answer;
  mapping    every ok record's request-id names a 200 in the server's log, which gives the item's
             prompt (SHA-256 of the user message); every item has its own prompt;
  requests   no request for an item reached the server after the response that the journal holds
             for it had been sent (the record is written after that response is parsed, so any
             later request asks again for journalled work). A request in flight at a kill whose
             answer was never journalled may be asked again; that is allowed and counted;
             also, per kill, nothing in the journal at the kill was requested after it;
  delivered  every answer the server delivered (a 200 with its full body) is covered by the record
             its run wrote for the item (the journalled answer and the schema-violating ones it
             re-asked), except those of items unfinished when their process was killed (paid and
             lost: counted; a valid one must have been delivered just before the kill);
  cost       per record, the journalled usage equals the sum of the usage the server sent with
             the answers it covers, and its cost that usage priced with data/pricing.toml; the
             journal's total equals the total priced server-side; the last run's summary line
             reports the cost, requests and retries+repairs of the records it wrote, and the server
             saw that many requests during that run (plus libcurl's own resends, counted);
  backoff    a retry of the same prompt in the same run waits at least the 429's retry-after, or
             the first SDK backoff step (0.375 s) after 500/529/truncated/corrupt/dropped answers;
  secret     the API key appears in no output, journal, log or stderr;
  kills      both kills landed mid-run.
--self-test then damages copies of the folder (a row dropped or doubled, an item journalled twice,
a journalled item asked again, an answer never journalled, a wrong cost, a miscounted summary, an
early retry, a leaked key) and confirms that the check meant for each one fails.

libcurl resends a request by itself, at once, when a reused connection closes without a byte of
answer (the "drop" fault): the server sees that request, the runner does not count it. The checks
identify those resends (a drop followed by the same prompt within 50 ms) and report them.
"""

import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = "sk-ant-soak-SECRET-must-never-appear-0123456789"
FAULTS = "429,529,500,drop,truncate,badjson,badanswer,slow"
# A valid answer delivered this long before a kill (or later) may be lost with the process: the
# runner journals an answer as soon as it has parsed it, well within this on a loaded machine.
KILL_WINDOW_S = 2.0


QUIET = False


def log(msg):
    if not QUIET:
        print(msg, flush=True)


# ------------------------------------------------------------------------------------ set-up


def make_spec(work, rows, personas):
    text = open(os.path.join(ROOT, "examples", "moderation.toml"), encoding="utf-8").read()
    text, n1 = re.subn(r"(?m)^rows = \d+", "rows = %d" % rows, text, count=1)
    text, n2 = re.subn(r'(?m)^path = "personas.jsonl"', 'path = %s' % json.dumps(personas),
                       text, count=1)
    if n1 != 1 or n2 != 1:
        raise SystemExit("soak: examples/moderation.toml changed shape (rows/personas lines)")
    path = os.path.join(work, "soak.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def start_server(work, args):
    port_file = os.path.join(work, "port")
    cmd = [sys.executable, os.path.join(ROOT, "tests", "fake_server.py"), "--port-file", port_file,
           "--log", os.path.join(work, "requests.jsonl"), "--faults", args.faults,
           "--fault-rate", str(args.fault_rate), "--seed", str(args.seed),
           "--retry-after", str(args.retry_after), "--slow-ms", str(args.slow_ms)]
    err = open(os.path.join(work, "server.stderr"), "w")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.time() + 20
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.time() > deadline:
            raise SystemExit("soak: the fake server did not start (see %s/server.stderr)" % work)
        time.sleep(0.02)
    port = int(open(port_file).read())
    return proc, port


class JournalWatch:
    """Counts distinct ids with an ok record in a growing journal (complete lines only)."""

    def __init__(self, path):
        self.path, self.offset, self.buf, self.ok = path, 0, b"", set()

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return len(self.ok)
        self.offset += len(data)
        self.buf += data
        *lines, self.buf = self.buf.split(b"\n")
        for line in lines:
            if b'"status":"ok"' in line:
                try:
                    self.ok.add(json.loads(line)["id"])
                except ValueError:
                    pass
        return len(self.ok)


def wait_quiet(port, timeout_s=60):
    """Waits until the server holds no connection but the one asking: every request a killed
    process had sent is then read and answered, so the next run's requests all come later."""
    deadline = time.time() + timeout_s
    while True:
        with urllib.request.urlopen("http://127.0.0.1:%d/_stats" % port, timeout=10) as r:
            if json.load(r)["open_connections"] <= 1:
                return
        if time.time() > deadline:
            raise SystemExit("soak: the server still holds connections %d s after a kill"
                             % timeout_s)
        time.sleep(0.02)


def run_generator(work, cmd, env, index, kill_at_rows=None, timeout_s=3600, port=None):
    """Runs the generator; with kill_at_rows, SIGKILLs it once the journal holds that many ok ids.
    Returns a dict describing the run."""
    err_path = os.path.join(work, "run%d.stderr" % index)
    watch = JournalWatch(os.path.join(work, "out.csv.journal"))
    start_ok = watch.poll()
    t_start = time.time()
    with open(err_path, "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=work)
    jpath = os.path.join(work, "out.csv.journal")
    lines_before = open(jpath, "rb").read().count(b"\n") if os.path.exists(jpath) else 0
    run = {"index": index, "t_start": t_start, "rows_at_start": start_ok, "killed": False,
           "journal_lines_before": lines_before}
    while proc.poll() is None:
        if time.time() - t_start > timeout_s:
            proc.kill()
            proc.wait()
            raise SystemExit("soak: run %d took longer than %d s" % (index, timeout_s))
        if kill_at_rows is not None and watch.poll() >= kill_at_rows:
            run["t_kill"] = time.time()
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            run["t_dead"] = time.time()
            run["killed"] = True
            wait_quiet(port)
            run["t_quiet"] = time.time()
            shutil.copyfile(os.path.join(work, "out.csv.journal"),
                            os.path.join(work, "journal.at_kill%d" % index))
            break
        time.sleep(0.01)
    run["t_end"] = time.time()
    run["rc"] = proc.returncode
    run["rows_at_end"] = JournalWatch(os.path.join(work, "out.csv.journal")).poll()
    run["stderr"] = open(err_path, encoding="utf-8", errors="replace").read()
    return run


def soak(args):
    bindir = os.path.abspath(args.build_dir)
    gen = os.path.join(bindir, "generator", "synthmod-generate")
    if not os.access(gen, os.X_OK):
        raise SystemExit("soak: %s not built (cmake --build %s --target synthmod-generate)"
                         % (gen, bindir))
    personas = args.personas
    if not personas:
        real = os.path.join(ROOT, "tests", "data", "real", "personahub_5k.jsonl")
        personas = real if os.path.exists(real) else os.path.join(ROOT, "examples",
                                                                  "personas.jsonl")
    distinct = len({l.strip() for l in open(personas, encoding="utf-8") if l.strip()})
    if distinct < (args.rows + 1) // 2:
        raise SystemExit("soak: %s has %d personas; %d rows over 2 variants need %d for one prompt "
                         "per item (pass --personas F)" % (personas, distinct, args.rows,
                                                            (args.rows + 1) // 2))
    work = args.keep or tempfile.mkdtemp(prefix="synthmod-soak-")
    os.makedirs(work, exist_ok=True)
    for name in os.listdir(work):  # a kept folder is reused from scratch
        p = os.path.join(work, name)
        if os.path.isfile(p):
            os.unlink(p)
    spec = make_spec(work, args.rows, os.path.abspath(personas))
    t0 = time.time()

    env = dict(os.environ)
    env.pop("ANTHROPIC_BASE_URL", None)
    env["ANTHROPIC_API_KEY"] = KEY

    plan = subprocess.run([gen, "--spec", spec, "--provider", "offline", "--out",
                           os.path.join(work, "plan.csv"), "--quiet"], env=env, cwd=work,
                          capture_output=True, text=True)
    if plan.returncode != 0:
        raise SystemExit("soak: the offline plan run failed: " + plan.stderr)

    server, port = start_server(work, args)
    runs = []
    try:
        cmd = [gen, "--spec", spec, "--provider", "anthropic", "--base-url",
               "http://127.0.0.1:%d" % port, "--out", os.path.join(work, "out.csv"),
               "--concurrency", str(args.concurrency)]
        fractions = [float(x) for x in args.kill_at.split(",") if x.strip()]
        for i, frac in enumerate(fractions, 1):
            target = max(1, int(round(frac * args.rows)))
            r = run_generator(work, cmd, env, i, kill_at_rows=target, port=port)
            runs.append(r)
            log("run %d: %s at %d of %d rows journalled, %.1f s" %
                (i, "SIGKILL" if r["killed"] else "exit %d (not killed)" % r["rc"],
                 r["rows_at_end"], args.rows, r["t_end"] - r["t_start"]))
        for _ in range(1 + args.max_resumes):
            r = run_generator(work, cmd, env, len(runs) + 1)
            runs.append(r)
            summary = [l for l in r["stderr"].splitlines() if l.startswith("synthmod-generate: ")]
            log("run %d: exit %d, %.1f s: %s" % (r["index"], r["rc"], r["t_end"] - r["t_start"],
                                                  summary[-1] if summary else "(no summary)"))
            if r["rc"] != 3:
                break
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    wall = time.time() - t0
    meta = {"rows": args.rows, "personas": personas, "faults": args.faults,
            "fault_rate": args.fault_rate, "seed": args.seed, "retry_after": args.retry_after,
            "slow_ms": args.slow_ms, "concurrency": args.concurrency, "kill_at": args.kill_at,
            "wall_s": wall, "runs": runs}
    with open(os.path.join(work, "soak.json"), "w") as f:
        json.dump(meta, f, indent=1)
    ok, _ = check(work)
    if ok and args.self_test:
        ok = self_test(work)
    if not args.keep and ok:
        shutil.rmtree(work)
    elif not ok:
        log("soak: folder kept for inspection: " + work)
    return ok


# ------------------------------------------------------------------------------------ checks


class Checks:
    def __init__(self):
        self.results = []

    def add(self, name, passed, detail):
        self.results.append((name, passed, detail))
        log("  [%s] %-10s %s" % ("ok" if passed else "FAIL", name, detail))

    def all_passed(self):
        return all(p for _, p, _ in self.results)


def read_journal(path):
    header, items = None, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.endswith("\n"):
                break  # a torn last line is not a record
            obj = json.loads(line)
            if obj.get("type") == "header":
                header = obj
            elif obj.get("type") == "item":
                obj["_line"] = n
                items.append(obj)
    return header, items


def price_table(model):
    with open(os.path.join(ROOT, "data", "pricing.toml"), "rb") as f:
        models = tomllib.load(f)["models"]
    best = None
    for mid, p in models.items():
        if mid == model:
            best = (mid, p)
            break
        if model.startswith(mid + "-") and (best is None or len(mid) > len(best[0])):
            best = (mid, p)
    if best is None:
        raise SystemExit("soak: no price for model " + model)
    p = dict(best[1])
    p.setdefault("cache_write", p["input"] * 1.25)
    p.setdefault("cache_read", p["input"] * 0.1)
    return p


def usage_tokens(u):
    return tuple(int(u.get(k) or 0) for k in ("input_tokens", "output_tokens",
                                               "cache_creation_input_tokens",
                                               "cache_read_input_tokens"))


def price(p, u):
    i, o, cw, cr = usage_tokens(u)
    return (i * p["input"] + o * p["output"] + cw * p["cache_write"] + cr * p["cache_read"]) / 1e6


SUMMARY_RE = re.compile(
    r"synthmod-generate: (\d+) ok, (\d+) refused, (\d+) failed(?:, (\d+) not run)? of (\d+)"
    r"(?: \((\d+) from the journal\))?; (\d+) requests, (\d+) retries, (\d+) repairs; "
    r"this run: \$([0-9.]+), tokens input \d+, cache write \d+, cache read \d+, output \d+"
    r"(?:; whole output so far: \$[0-9.]+, tokens input \d+, cache write \d+, cache read \d+, "
    r"output \d+)?; ([0-9.]+) s")


def check(work):
    meta = json.load(open(os.path.join(work, "soak.json")))
    runs = meta["runs"]
    rows = meta["rows"]
    c = Checks()
    spec = tomllib.load(open(os.path.join(work, "soak.toml"), "rb"))
    model = spec["generator"]["model"]
    labels = {l["name"] for l in spec["labels"]}
    prices = price_table(model)

    # --- the plan and the output
    plan = read_csv(os.path.join(work, "plan.csv"))
    plan_by_id = {r["id"]: r for r in plan}
    out_path = os.path.join(work, "out.csv")
    out = read_csv(out_path) if os.path.exists(out_path) else []
    ids = [r["id"] for r in out]
    dup = len(ids) - len(set(ids))
    missing = set(plan_by_id) - set(ids)
    extra = set(ids) - set(plan_by_id)
    fields = ("variant", "target_label", "persona", "context")
    wrong = [r["id"] for r in out if r["id"] in plan_by_id and
             any(r[k] != plan_by_id[r["id"]][k] for k in fields)]
    bad_rows = [r["id"] for r in out if not r["content"] or r["label"] not in labels]
    c.add("rows", len(plan) == rows and len(out) == rows and not dup and not missing
          and not extra and not wrong and not bad_rows,
          "plan %d ids, output %d rows: %d duplicated, %d missing, %d not planned, %d with another "
          "variant/label/persona/context, %d empty or unknown label"
          % (len(plan), len(out), dup, len(missing), len(extra), len(wrong), len(bad_rows)))

    # --- the journal
    header, items = read_journal(os.path.join(work, "out.csv.journal"))
    ok_records = {}
    for rec in items:
        if rec["status"] == "ok":
            ok_records.setdefault(rec["id"], []).append(rec)
    twice = [i for i, recs in ok_records.items() if len(recs) > 1]
    by_status = {}
    for rec in items:
        by_status[rec["status"]] = by_status.get(rec["status"], 0) + 1
    not_ok = set(plan_by_id) - set(ok_records)
    differs = 0  # the output row is the journalled answer
    for r in out:
        recs = ok_records.get(r["id"])
        answer = json.loads(recs[-1]["answer"]) if recs else {}
        differs += answer.get("content") != r["content"] or answer.get("label") != r["label"]
    c.add("journal", header is not None and not twice and not not_ok and not differs
          and set(ok_records) <= set(plan_by_id),
          "%d records (%s), %d ids with more than one ok record, %d planned ids without one, "
          "%d output rows that are not their journalled answer"
          % (len(items), ", ".join("%d %s" % (n, s) for s, n in sorted(by_status.items())),
             len(twice), len(not_ok), differs))

    # --- the server's request log
    entries = []
    with open(os.path.join(work, "requests.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.endswith("\n"):
                entries.append(json.loads(line))
    msgs = [e for e in entries if e["path"] == "/v1/messages"]
    by_rid = {e["request_id"]: e for e in msgs if e.get("request_id")}
    delivered = [e for e in msgs if e.get("usage") is not None]  # a full 200 body was sent

    # the run whose process sent a request arriving at t (exact: after a kill the soak waits
    # until the server has read and answered everything the dead process had sent)
    def run_of_time(t):
        return max((r["index"] for r in runs if r["t_start"] <= t), default=0)

    def run_of_line(n):  # the run that wrote journal line n
        return max((r["index"] for r in runs if r["journal_lines_before"] < n), default=0)

    run_by_index = {r["index"]: r for r in runs}

    # item -> the logged response the journal holds for it (its record's request-id)
    item_resp, unmapped = {}, []
    for i, recs in ok_records.items():
        e = by_rid.get(recs[0].get("request_id", ""))
        if e is None:
            unmapped.append(i)
        else:
            item_resp[i] = e
    shas = {}
    for i, e in item_resp.items():
        shas.setdefault(e["user_sha256"], []).append(i)
    item_sha = {i: e["user_sha256"] for i, e in item_resp.items()}
    shared = sum(1 for v in shas.values() if len(v) > 1)
    rid_reused = len(item_resp) - len({e["request_id"] for e in item_resp.values()})
    c.add("mapping", not unmapped and rid_reused == 0 and shared == 0,
          "%d ok records tied to a logged 200 by request-id (%d not found, %d request-ids used "
          "twice); %d distinct prompts, %d shared by several items (the checks need one prompt "
          "per item: a persona file with at least rows/2 personas)"
          % (len(item_resp), len(unmapped), rid_reused, len(shas), shared))

    # no request after the journalled answer was sent: the record is written after its response
    # is parsed, so a request arriving later asks again for journalled work
    journalled_at = {sha: max(item_resp[i]["t"] for i in its) for sha, its in shas.items()}
    late = [e for e in msgs if e["user_sha256"] in journalled_at
            and e["t_arrival"] > journalled_at[e["user_sha256"]]]
    # and, per kill, nothing in the journal at the kill was requested by a later run
    after_kill = 0
    snapshots = []
    for r in runs:
        if not r.get("killed"):
            continue
        _, snap = read_journal(os.path.join(work, "journal.at_kill%d" % r["index"]))
        snap_ok = {x["id"] for x in snap if x["status"] == "ok"}
        snap_shas = {sha for sha, its in shas.items() if all(i in snap_ok for i in its)}
        n = sum(1 for e in msgs if e["user_sha256"] in snap_shas
                and run_of_time(e["t_arrival"]) > r["index"])
        after_kill += n
        snapshots.append((r["index"], len(snap_ok), n))
    c.add("requests", not late and after_kill == 0,
          "%d requests for an item after its journalled answer was sent; %s"
          % (len(late), "; ".join("kill %d: %d items journalled, %d requested after the kill"
                                   % s for s in snapshots) or "no kill"))

    # --- delivered answers and cost. Each record covers the answers delivered for its item in
    # the run that wrote it (the journalled one, and the schema-violating ones it re-asked).
    paid = {}  # (sha, run) -> delivered entries
    for e in delivered:
        paid.setdefault((e["user_sha256"], run_of_time(e["t_arrival"])), []).append(e)
    recs_at = {}
    for rec in items:
        recs_at.setdefault((item_sha.get(rec["id"]), run_of_line(rec["_line"])), []).append(rec)
    twice_in_run = [k for k, v in recs_at.items() if len(v) > 1]
    usage_mismatch, cost_mismatch = [], []
    journal_cost = priced = 0.0
    for (sha, run), recs in recs_at.items():
        for rec in recs:
            journal_cost += float(rec.get("cost", 0))
        got = paid.get((sha, run), [])
        want = [sum(x) for x in zip(*[usage_tokens(e["usage"]) for e in got])] or [0, 0, 0, 0]
        want_cost = sum(price(prices, e["usage"]) for e in got)
        priced += want_cost
        rec = recs[-1]
        if tuple(want) != usage_tokens(rec["usage"]):
            usage_mismatch.append(rec["id"])
        if abs(want_cost - float(rec.get("cost", 0))) > 1e-12 + 1e-9 * want_cost:
            cost_mismatch.append(rec["id"])
    lost_at_kill, lost_other = [], []
    for (sha, run), got in paid.items():
        if (sha, run) in recs_at:
            continue
        r = run_by_index.get(run, {})
        # the process died with this item unfinished: its answers were paid and lost. A valid
        # answer must have arrived just before the kill (else the runner sat on it).
        valid = [e for e in got if e["fault"] != "badanswer"]
        if r.get("killed") and all(r["t_kill"] - KILL_WINDOW_S < e["t"] for e in valid):
            lost_at_kill.extend(got)
        else:
            lost_other.extend(got)
    c.add("delivered", not lost_other and not twice_in_run,
          "%d answers (200) delivered: %d in the journal's records, %d lost with a killed "
          "process (asked again), %d lost otherwise; %d items finished twice in one run"
          % (len(delivered), len(delivered) - len(lost_at_kill) - len(lost_other),
             len(lost_at_kill), len(lost_other), len(twice_in_run)))
    for e in (late + lost_other)[:5]:
        log("      e.g. %s" % json.dumps(e))
    all_delivered_cost = sum(price(prices, e["usage"]) for e in delivered)
    cost_ok = not usage_mismatch and not cost_mismatch and \
        abs(journal_cost - priced) <= 1e-9 * max(1.0, priced)
    c.add("cost", cost_ok,
          "journal $%.6f = server-side usage of the answers its records cover x price table "
          "$%.6f (%d usage, %d cost mismatches); all delivered answers $%.6f (lost at kills "
          "$%.6f)" % (journal_cost, priced, len(usage_mismatch), len(cost_mismatch),
                      all_delivered_cost, all_delivered_cost - priced))

    # libcurl resends a request by itself when a reused connection closes before any byte of
    # the answer (the "drop" fault): the server sees it, the runner does not count it. Only
    # within one run: a run killed just after a drop is resumed by a new process that may ask
    # the same prompt within 50 ms, and that request is the new run's own.
    prev_by_sha = {}
    resends = set()
    for e in sorted(msgs, key=lambda e: e["t_arrival"]):
        d = prev_by_sha.get(e["user_sha256"])
        if d is not None and d["fault"] == "drop" and e["t_arrival"] - d["t"] < 0.05 and \
                run_of_time(d["t_arrival"]) == run_of_time(e["t_arrival"]):
            resends.add(id(e))
        prev_by_sha[e["user_sha256"]] = e

    # --- waits before a retry (same prompt, same run): after a 429 the server's retry-after (it
    # sends one with every 429), after 500/529/truncated/corrupt bodies/dropped connections the
    # SDK backoff, at least 0.5 s x (1 - 0.25) for the first retry. A schema-violating answer is
    # re-asked at once (a repair), libcurl's own resend comes at once too.
    floor = {"429": float(meta["retry_after"])}
    for k in ("500", "529", "truncate", "badjson", "drop"):
        floor[k] = 0.375
    gaps, too_soon = {}, []
    seq = {}
    for e in sorted(msgs, key=lambda e: e["t_arrival"]):
        seq.setdefault(e["user_sha256"], []).append(e)
    for es in seq.values():
        for a, b in zip(es, es[1:]):
            if a["fault"] not in floor or id(b) in resends or \
                    run_of_time(a["t_arrival"]) != run_of_time(b["t_arrival"]):
                continue
            gap = b["t_arrival"] - a["t"]
            gaps.setdefault(a["fault"], []).append(gap)
            if gap < floor[a["fault"]] - 0.005:
                too_soon.append((a["fault"], round(gap, 4)))
    c.add("backoff", not too_soon,
          "%d retries sooner than the retry-after/backoff allows; shortest wait after %s" % (
              len(too_soon), ", ".join("%s %.3f s (%d)" % (k, min(v), len(v))
                                       for k, v in sorted(gaps.items()))))

    # --- the last run's own figures
    last = runs[-1]
    m = None
    for line in last["stderr"].splitlines():
        m = SUMMARY_RE.match(line) or m
    last_reqs = [e for e in msgs if run_of_time(e["t_arrival"]) == last["index"]]
    last_resends = sum(1 for e in last_reqs if id(e) in resends)
    if m:
        s_ok, s_ref, s_fail, _nr, s_items, _res, s_req, s_retry, s_rep, s_cost, _s = m.groups()
        # the records the last run wrote: the journal's lines past its length when it started
        recs_last = [rec for rec in items if rec["_line"] > last["journal_lines_before"]]
        cost_last = sum(float(rec["cost"]) for rec in recs_last)
        attempts_last = sum(int(rec.get("attempts", 0)) for rec in recs_last)
        good = (last["rc"] == 0 and int(s_ok) == rows and int(s_items) == rows
                and int(s_req) == len(last_reqs) - last_resends == attempts_last
                and int(s_retry) + int(s_rep) == int(s_req) - len(recs_last)
                and abs(float(s_cost) - cost_last) < 0.00005 + 1e-9)
        c.add("last run", good,
              "exit %d; summary: %s ok of %s, %s requests (server saw %d, of which %d libcurl "
              "resends; records' attempts %d), %s retries + %s repairs (requests - records = %d), "
              "cost $%s (its %d records: $%.6f)"
              % (last["rc"], s_ok, s_items, s_req, len(last_reqs), last_resends, attempts_last,
                 s_retry, s_rep, int(s_req) - len(recs_last), s_cost, len(recs_last), cost_last))
    else:
        c.add("last run", False, "exit %d, no summary line on stderr" % last["rc"])

    # --- the key
    leaks = []
    for name in os.listdir(work):
        p = os.path.join(work, name)
        if os.path.isfile(p) and KEY.encode() in open(p, "rb").read():
            leaks.append(name)
    leaks += ["run%d stderr" % r["index"] for r in runs if KEY in r["stderr"]]
    c.add("secret", not leaks, "API key found in: " + (", ".join(leaks) or "nothing"))

    killed = [r for r in runs if r.get("killed")]
    c.add("kills", len(killed) == len([x for x in meta["kill_at"].split(",") if x.strip()])
          and all(r["rc"] == -signal.SIGKILL for r in killed)
          and all(r["rows_at_end"] < rows for r in killed),
          "%d runs killed with SIGKILL mid-run (at %s rows journalled)"
          % (len(killed), ", ".join(str(r["rows_at_end"]) for r in killed)))

    # --- figures
    faults = {}
    for e in msgs:
        faults[e["fault"]] = faults.get(e["fault"], 0) + 1
    statuses = {}
    for e in msgs:
        statuses[str(e["status"])] = statuses.get(str(e["status"]), 0) + 1
    per_run = []
    for r in runs:
        n = sum(1 for e in msgs if r["t_start"] <= e["t_arrival"] <= r["t_end"])
        per_run.append("%d%s" % (n, " (killed)" if r.get("killed") else ""))
    nfault = len(msgs) - faults.get("ok", 0)
    log("figures:")
    log("  rows %d, runs %d, wall %.1f s (plan + server + runs: %s)" % (
        rows, len(runs), meta["wall_s"],
        ", ".join("%.1f s" % (r["t_end"] - r["t_start"]) for r in runs)))
    log("  %s, concurrency %d, faults %s at %.0f %%, retry-after %s s, slow %g ms, seed %d" % (
        os.path.basename(meta["personas"]), meta["concurrency"], meta["faults"],
        100 * meta["fault_rate"], meta["retry_after"], meta["slow_ms"], meta["seed"]))
    log("  requests %d (per run: %s); faults %d = %.1f %%: %s" % (
        len(msgs), ", ".join(per_run), nfault, 100.0 * nfault / max(1, len(msgs)),
        ", ".join("%s %d" % (k, v) for k, v in sorted(faults.items()) if k != "ok")))
    log("  statuses: %s; libcurl resends after a drop (not seen by the runner): %d"
        % (", ".join("%s %d" % kv for kv in sorted(statuses.items())), len(resends)))
    final = {}
    for rec in items:
        final[rec["id"]] = rec
    log("  journal: %d records; final records: attempts %d, repairs %d; failed records %d "
        "(rows that spent their retries or repairs, picked up by a resume)" % (
            len(items), sum(int(r.get("attempts", 0)) for r in final.values()),
            sum(int(r.get("repairs", 0)) for r in final.values()), by_status.get("failed", 0)))
    for rec in items:
        if rec["status"] != "ok":
            log("  %s record of %s (run %d, %d attempts, %d repairs, $%.6f): %s" % (
                rec["status"], rec["id"], run_of_line(rec["_line"]), rec.get("attempts", 0),
                rec.get("repairs", 0), float(rec.get("cost", 0)), rec.get("error", "")))
    for r in runs:
        s = [l for l in r["stderr"].splitlines() if l.startswith("synthmod-generate: ")]
        if s:
            log("  run %d summary: %s" % (r["index"], s[-1]))
    ok = c.all_passed()
    log("soak: %s" % ("PASS" if ok else "FAIL"))
    return ok, {name: passed for name, passed, _ in c.results}


# ------------------------------------------------------------------------------------ self-test


def self_test(work):
    """Damages copies of a passing soak folder in the ways the checks exist for and confirms that
    the check meant to see each one fails (so a PASS means something)."""
    global QUIET

    def lines(path):
        return open(path, encoding="utf-8").read().splitlines(keepends=True)

    def write(path, ls):
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(ls)

    def drop_row(d):
        write(d + "/out.csv", lines(d + "/out.csv")[:-1])

    def dup_row(d):
        ls = lines(d + "/out.csv")
        write(d + "/out.csv", ls + ls[-1:])

    def ok_twice(d):  # an item journalled (paid) twice
        ls = lines(d + "/out.csv.journal")
        first = next(l for l in ls if '"status":"ok"' in l)
        write(d + "/out.csv.journal", ls + [first])

    def asked_again(d):  # a journalled item requested once more at the end
        ls = lines(d + "/requests.jsonl")
        e = json.loads(next(l for l in ls if '"usage"' in l))
        for k in ("usage", "request_id"):
            e.pop(k, None)
        e["status"], e["fault"] = 500, "500"
        e["t_arrival"] = e["t"] = json.load(open(d + "/soak.json"))["runs"][-1]["t_end"] - 0.001
        write(d + "/requests.jsonl", ls + [json.dumps(e) + "\n"])

    def unjournalled_answer(d):  # an answer delivered in a run that was not killed, never used
        meta = json.load(open(d + "/soak.json"))
        ls = lines(d + "/requests.jsonl")
        e = json.loads(next(l for l in ls if '"usage"' in l))
        e["request_id"] = "req_selftest"
        e["user_sha256"] = "0" * 64
        e["t_arrival"] = e["t"] = meta["runs"][-1]["t_start"] + 0.001
        write(d + "/requests.jsonl", ls + [json.dumps(e) + "\n"])

    def wrong_cost(d):
        ls = lines(d + "/out.csv.journal")
        i = next(i for i, l in enumerate(ls) if '"status":"ok"' in l)
        rec = json.loads(ls[i])
        rec["cost"] = float(rec["cost"]) + 0.001
        ls[i] = json.dumps(rec, separators=(",", ":")) + "\n"
        write(d + "/out.csv.journal", ls)

    def summary_miscount(d):
        meta = json.load(open(d + "/soak.json"))
        meta["runs"][-1]["stderr"] = re.sub(r"; (\d+) requests",
                                            lambda m: "; %d requests" % (int(m.group(1)) + 1),
                                            meta["runs"][-1]["stderr"])
        json.dump(meta, open(d + "/soak.json", "w"))

    def early_retry(d):  # a 429 answered by a retry 10 ms later
        meta = json.load(open(d + "/soak.json"))
        ls = lines(d + "/requests.jsonl")
        e = json.loads(next(l for l in ls if '"usage"' in l))
        for k in ("usage", "request_id"):
            e.pop(k, None)
        t = meta["runs"][-1]["t_start"] + 0.001
        e.update(user_sha256="1" * 64, status=429, fault="429", t_arrival=t, t=t)
        f = dict(e, status=500, fault="500", t_arrival=t + 0.01, t=t + 0.01)
        write(d + "/requests.jsonl", ls + [json.dumps(e) + "\n", json.dumps(f) + "\n"])

    def key_leak(d):
        with open(d + "/run1.stderr", "a") as f:
            f.write("x-api-key: " + KEY + "\n")

    cases = [("rows", drop_row), ("rows", dup_row), ("journal", ok_twice),
             ("requests", asked_again), ("delivered", unjournalled_answer), ("cost", wrong_cost),
             ("last run", summary_miscount), ("backoff", early_retry), ("secret", key_leak)]
    failures = 0
    for name, damage in cases:
        tmp = tempfile.mkdtemp(prefix="synthmod-soak-selftest-")
        try:
            d = os.path.join(tmp, "w")
            shutil.copytree(work, d)
            damage(d)
            QUIET = True
            try:
                ok, results = check(d)
            finally:
                QUIET = False
            seen = results.get(name) is False and not ok
            failures += not seen
            log("  [%s] self-test: %s -> check '%s' %s" % (
                "ok" if seen else "FAIL", damage.__name__, name,
                "fails" if seen else "does not fail"))
        finally:
            shutil.rmtree(tmp)
    return failures == 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    p.add_argument("--rows", type=int, default=10000)
    p.add_argument("--personas", help="persona file (default: tests/data/real/personahub_5k.jsonl"
                   " when present, else examples/personas.jsonl)")
    p.add_argument("--faults", default=FAULTS)
    p.add_argument("--fault-rate", type=float, default=0.25)
    p.add_argument("--seed", type=int, default=6)
    p.add_argument("--retry-after", default="1")
    p.add_argument("--slow-ms", type=float, default=1500)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--kill-at", default="0.30,0.65", help="journalled fractions to SIGKILL at")
    p.add_argument("--max-resumes", type=int, default=3,
                   help="extra runs while the last one exits 3 (rows that spent their retries)")
    p.add_argument("--keep", help="work in this folder and keep it")
    p.add_argument("--check-only", help="only run the checks on a kept soak folder")
    p.add_argument("--self-test", action="store_true",
                   help="after a pass, damage copies of the folder and confirm each check fails")
    args = p.parse_args()
    if args.check_only:
        ok = check(args.check_only)[0]
        if ok and args.self_test:
            ok = self_test(args.check_only)
        return 0 if ok else 1
    return 0 if soak(args) else 1


if __name__ == "__main__":
    sys.exit(main())
