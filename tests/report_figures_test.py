#!/usr/bin/env python3
"""Every figure report.md shows is in metrics.json (issue 11): each number in report.md's tables
and "- name: value" lines must be, as printed, some value of metrics.json printed with the same
decimals (a share shown as "x %" is 100 x the value). Text columns (labels, example texts, check
names) are not figures and are skipped. The numbers that are not figures of metrics.json are
listed in EXCEPTIONS with the reason.

usage: report_figures_test.py REPORT_DIR [SYNTHMOD_STATS]
  REPORT_DIR: reports/example (check_example.sh keeps it what the tools write); with
  SYNTHMOD_STATS, also a run on tests/data/stats_judged.csv with a failed gate, --compare-by and
  --baseline, the sections the demo has not.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

# Columns that hold names or text, not figures.
TEXT_COLUMNS = {"label", "labels", "example", "example (first row)", "opening", "check",
                "metric", "result", "figure", "issue tag", "reason", "our \\ judge"}

# (table or line, number as printed): why it is not a metrics.json value.
EXCEPTIONS = {
    # The summary's "labels | 4 (imbalance ratio 1.07)": 4 is the number of keys of label_counts.
    ("labels", "4"): "count of metrics.json's label_counts keys",
    # "normalised entropy: 0.9997 (1 = perfectly even)": the 1 explains the scale.
    ("normalised entropy", "1"): "the scale of the entropy, not a figure",
}

NUMBER = re.compile(r"(?<![\w.-])([-+]?\d+(?:\.\d+)?)(\s*%)?")


def flatten(value, out):
    """Every number in metrics.json, and every key that is a number (realism_histogram)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if re.fullmatch(r"\d+", k):
                out.append(float(k))
            flatten(v, out)
    elif isinstance(value, list):
        for v in value:
            flatten(v, out)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out.append(float(value))


def printed(v, decimals):
    s = f"{v:.{decimals}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def shown_numbers(md):
    """(where, number text, is_percent) for each figure of report.md's tables and lines."""
    md = re.sub(r"&#?\w+;", "_", md)  # escaped characters (&#95; is "_"), not numbers
    header = None
    for line in md.splitlines():
        if not line.startswith("|"):
            header = None
            if line.startswith("Method: "):  # the near-duplicate search's design figures
                for m in NUMBER.finditer(line):
                    yield "Method", m.group(1), bool(m.group(2))
            if line.startswith("- ") and ":" in line:
                name, _, rest = line[2:].partition(":")
                for m in NUMBER.finditer(rest):
                    yield name.strip(), m.group(1), bool(m.group(2))
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if all(re.fullmatch(r":?-+:?", c) for c in cells):
            continue
        for col, cell in enumerate(cells):
            name = header[col] if col < len(header) else ""
            if name in TEXT_COLUMNS or re.sub(r"\(\d+\)", "", name).strip() in TEXT_COLUMNS:
                continue
            if col == 0 and not re.fullmatch(r"\d+", cell):
                continue  # a row's name ("rows judged ok"), not a figure
            for m in NUMBER.finditer(cell):
                yield cells[0], m.group(1), bool(m.group(2))


def unmatched(md, values):
    """The figures of `md` that are no value in `values` nor an exception, and how many it has."""
    missing, checked = [], 0
    for where, text, percent in shown_numbers(md):
        checked += 1
        plain = text.lstrip("+")
        decimals = len(plain.partition(".")[2])
        if (where, text) in EXCEPTIONS:
            continue
        if not any(printed(100 * v if percent else v, decimals) == plain for v in values):
            missing.append(f"{where}: {text}{' %' if percent else ''}")
    return missing, checked


def check(report_dir, at_least):
    """Prints what `report_dir`'s report.md shows that its metrics.json lacks; True when nothing."""
    md = open(f"{report_dir}/report.md", encoding="utf-8").read()
    values = []
    flatten(json.load(open(f"{report_dir}/metrics.json", encoding="utf-8")), values)
    missing, checked = unmatched(md, values)
    for m in missing:
        print(f"{report_dir}/report.md shows {m}, which is no value of metrics.json",
              file=sys.stderr)
    if checked < at_least:
        print(f"{report_dir}: only {checked} figures found in report.md", file=sys.stderr)
        return False
    # The check itself can fail: a figure metrics.json lacks, in a table and in a line, is found.
    doctored = md.replace("| rows judged ok |", "| rows judged ok | 123457 |\n| x |", 1)
    doctored += "\n- made up: 0.123457\n"
    if len(unmatched(doctored, values)[0]) != len(missing) + 2:
        print("the check does not see a figure missing from metrics.json", file=sys.stderr)
        return False
    print(f"{report_dir}: {checked} figures of report.md checked against metrics.json")
    return not missing


def main():
    ok = check(sys.argv[1], 200)
    if len(sys.argv) > 2:
        # The sections the demo has not: a failed gate's list, the baseline table, a comparison
        # of the small judged fixture (tests/data/stats_judged.csv) against the demo's release.
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        with tempfile.TemporaryDirectory() as tmp:
            run = subprocess.run(
                [sys.argv[2], "--in", f"{root}/tests/data/stats_judged.csv", "--report-dir", tmp,
                 "--compare-by", "variant", "--baseline", f"{sys.argv[1]}/metrics.json", "--gate",
                 "--gate-set", "min_rows=10", "--gate-set", "max_near_dup_rate=0.1", "--quiet"],
                capture_output=True, text=True)
            if run.returncode != 1:  # the near_dup_rate check fails: exit 1
                print(f"synthmod-stats exited {run.returncode}: {run.stderr}", file=sys.stderr)
                return 1
            ok = check(tmp, 100) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
