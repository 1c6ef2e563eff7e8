#!/usr/bin/env python3
"""Independent computation of the --gold figures (stats/gold.h), Python stdlib only.

Usage: gold_check.py DATA.csv LABELS GOLD.csv [GOLD.csv ...]  -> JSON on stdout

LABELS is a comma-separated list of the labels a human may give (the confusion's order). Written straight from the
definitions, without looking at the C++: majority gold label (ties left out), weighted accuracy
with a Wilson interval on the Kish effective n, Cohen's kappa as (po - pe) / (1 - pe) over a
dict of cells, Fleiss' kappa with per-unit rater counts, Krippendorff's alpha from pairwise
disagreements (every ordered pair of values within a unit, each unit weighted 1 / (m - 1)).
"""
import csv
import json
import math
import sys
from collections import Counter, defaultdict

Z = 1.959963984540054


def wilson(p, n):
    center = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, center - half), min(1.0, center + half), half


def cohen(pairs, weights=None):
    """pairs: list of (a, b) labels; weights: same length (default 1)."""
    weights = weights or [1.0] * len(pairs)
    total = sum(weights)
    po = sum(w for (a, b), w in zip(pairs, weights) if a == b) / total
    ma, mb = Counter(), Counter()
    for (a, b), w in zip(pairs, weights):
        ma[a] += w
        mb[b] += w
    pe = sum(ma[c] * mb[c] for c in ma) / (total * total)
    if pe >= 1:
        return 1.0 if po >= 1 else 0.0
    return (po - pe) / (1 - pe)


def main():
    data_path, labels, gold_paths = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
    with open(data_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    key_of = lambda i, r: r["id"] if "id" in r else str(i)
    row_by_key = {}
    for i, r in enumerate(rows):
        row_by_key.setdefault(key_of(i, r), r)

    answers = defaultdict(dict)  # key -> reviewer -> label
    weight = {}
    for path in gold_paths:
        with open(path, newline="", encoding="utf-8") as f:
            for a in csv.DictReader(f):
                if not a["human_label"]:
                    continue
                who = (a.get("reviewer") or path)
                answers[a["key"]][who] = a["human_label"]
                weight[a["key"]] = float(a.get("weight") or 1)
    reviewers = sorted({w for v in answers.values() for w in v})

    out = {"reviewers": len(reviewers), "reviewed_rows": len(answers),
           "answers": sum(len(v) for v in answers.values())}
    gold = {}
    ties = 0
    for key, by in answers.items():
        c = Counter(by.values()).most_common()
        if len(c) > 1 and c[0][1] == c[1][1]:
            ties += 1
        else:
            gold[key] = c[0][0]
    out["human_rows"] = len(gold)
    out["human_tie_rows"] = ties

    ws = [weight[k] for k in gold]
    right = sum(weight[k] for k in gold if row_by_key[k]["label"] == gold[k])
    p = right / sum(ws)
    n_eff = sum(ws) ** 2 / sum(w * w for w in ws)
    lo, hi, _ = wilson(p, n_eff)
    out["human_label_accuracy"] = p
    out["effective_rows"] = n_eff
    out["human_label_accuracy_lower"] = lo
    out["human_label_accuracy_upper"] = hi
    n = 1
    while wilson(p, n)[2] > 0.02:
        n += 1
    out["more_rows_for_2pt"] = max(0, math.ceil(n * len(gold) / n_eff - 1e-9) - len(gold))

    judged = [k for k in gold if row_by_key[k].get("judge_status") == "ok"]
    out["judge_human_rows"] = len(judged)
    jw = [weight[k] for k in judged]
    out["judge_human_agreement"] = sum(
        weight[k] for k in judged if row_by_key[k]["judge_label"] == gold[k]) / sum(jw)
    out["judge_human_kappa"] = cohen([(gold[k], row_by_key[k]["judge_label"]) for k in judged], jw)
    per = {}
    for l in labels:
        tp = sum(weight[k] for k in judged if gold[k] == l and row_by_key[k]["judge_label"] == l)
        said = sum(weight[k] for k in judged if row_by_key[k]["judge_label"] == l)
        truth = sum(weight[k] for k in judged if gold[k] == l)
        prec = tp / said if said else 0.0
        rec = tp / truth if truth else 0.0
        per[l] = {"precision": prec, "recall": rec,
                  "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0, "support": truth}
    out["per_label"] = per
    out["confusion"] = [[sum(weight[k] for k in judged
                             if gold[k] == a and row_by_key[k]["judge_label"] == b)
                         for b in labels] for a in labels]
    flag = [k for k in judged if row_by_key[k]["label_correct"] != "true"]
    bad = [k for k in judged if row_by_key[k]["label"] != gold[k]]
    both = [k for k in flag if k in bad]
    out["judge_flag_precision"] = sum(weight[k] for k in both) / sum(weight[k] for k in flag)
    out["judge_flag_recall"] = sum(weight[k] for k in both) / sum(weight[k] for k in bad)

    multi = {k: by for k, by in answers.items() if len(by) >= 2}
    out["reviewer_overlap_rows"] = len(multi)
    if len(reviewers) == 2:
        a, b = reviewers
        common = [k for k, by in answers.items() if a in by and b in by]
        out["reviewer_kappa"] = cohen([(answers[k][a], answers[k][b]) for k in common])
    # Fleiss with n_i raters on unit i.
    p_units = []
    totals = Counter()
    for by in multi.values():
        c = Counter(by.values())
        m = len(by)
        p_units.append(sum(x * (x - 1) for x in c.values()) / (m * (m - 1)))
        totals.update(c)
    all_n = sum(totals.values())
    pe = sum((v / all_n) ** 2 for v in totals.values())
    out["reviewer_fleiss_kappa"] = (sum(p_units) / len(p_units) - pe) / (1 - pe)
    # Krippendorff: observed disagreement over pairable values vs expected.
    values = [v for by in multi.values() for v in by.values()]
    nn = len(values)
    d_o = 0.0
    for by in multi.values():
        vals = list(by.values())
        m = len(vals)
        d_o += sum(1 for i in range(m) for j in range(m) if i != j and vals[i] != vals[j]) / (m - 1)
    d_o /= nn
    d_e = sum(1 for i in range(nn) for j in range(nn) if i != j and values[i] != values[j])
    d_e /= nn * (nn - 1)
    out["reviewer_alpha"] = 1 - d_o / d_e
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
