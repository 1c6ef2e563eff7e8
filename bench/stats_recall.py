#!/usr/bin/env python3
"""Recall of a pairs file (row_i,row_j,...) against a truth pairs file (row_i,row_j,...):
found / truth, and how many reported pairs fall outside the truth (not necessarily wrong when
the truth lists only planted pairs). usage: stats_recall.py TRUTH.csv PAIRS.csv"""
import csv, sys

def load(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        next(r)
        return {(int(a[0]), int(a[1])) for a in r}

truth, got = load(sys.argv[1]), load(sys.argv[2])
found = len(truth & got)
print(f"truth {len(truth)} reported {len(got)} found {found} recall {found / max(1, len(truth)):.5f} "
      f"outside-truth {len(got - truth)}")
