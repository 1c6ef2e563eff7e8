#!/usr/bin/env python3
"""Independent ground truth for synthmod-stats, following docs/DESIGN.md section 9 exactly.

normalise(s) = NFKC, casefold, delete every char of Unicode category P*, collapse whitespace runs
(str.split), trim. Shingles = character 5-grams over code points of the normalised text (a text
shorter than 5 is its own single shingle; an empty text has none and joins no pair).
Near-dup pair = exact Jaccard >= 0.8 (5*|A&B| >= 4*|A|B|), enumerated exactly (AllPairs prefix
filter + full verification; no MinHash). Clusters = connected components.

usage: truth.py IN.csv [--pairs OUT.csv] [--json]   (stdlib only)
"""
import csv, json, math, sys, unicodedata
from collections import Counter, defaultdict

K = 5

def normalise(s):
    s = unicodedata.normalize("NFKC", s).casefold()
    s = "".join(c for c in s if not unicodedata.category(c).startswith("P"))
    return " ".join(s.split())

def shingles(t):
    if not t:
        return frozenset()
    if len(t) < K:
        return frozenset([t])
    return frozenset(t[i:i + K] for i in range(len(t) - K + 1))

def allpairs(sets, num=4, den=5):
    df = Counter()
    for s in sets:
        df.update(s)
    rank = {tok: r for r, tok in enumerate(sorted(df, key=lambda t: (df[t], t)))}
    order = sorted((i for i in range(len(sets)) if sets[i]), key=lambda i: (len(sets[i]), i))
    index = defaultdict(list)
    out = []
    t = num / den
    for i in order:
        x = sets[i]
        n = len(x)
        toks = sorted(x, key=rank.__getitem__)
        p = n - math.ceil(t * n) + 1
        cands = set()
        for tok in toks[:p]:
            for j in index[tok]:
                if len(sets[j]) >= t * n:
                    cands.add(j)
            index[tok].append(i)
        for j in cands:
            y = sets[j]
            inter = len(x & y)
            union = n + len(y) - inter
            if den * inter >= num * union:
                out.append((min(i, j), max(i, j), inter, union))
    out.sort()
    return out

def components(n, pairs):
    parent = list(range(n))
    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a
    for i, j, *_ in pairs:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    comp = defaultdict(list)
    for i in range(n):
        comp[find(i)].append(i)
    return [c for c in comp.values() if len(c) > 1]

def main():
    path = sys.argv[1]
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    contents = [r["content"] for r in rows]
    labels = [r.get("label", "") for r in rows]
    norm = [normalise(c) for c in contents]
    seen = set(); exact_removed = 0
    raw_seen = set(); raw_removed = 0
    for c, t in zip(contents, norm):
        if t in seen: exact_removed += 1
        seen.add(t)
        if c.strip() in raw_seen: raw_removed += 1
        raw_seen.add(c.strip())
    sets = [shingles(t) for t in norm]
    pairs = allpairs(sets)
    comps = components(len(rows), pairs)
    in_clusters = sum(len(c) for c in comps)
    conflict_rows = sum(len(c) for c in comps if len({labels[i] for i in c}) > 1)
    counts = Counter(labels)
    res = {
        "rows": len(rows),
        "label_counts": dict(sorted(counts.items())),
        "imbalance_ratio": max(counts.values()) / min(counts.values()),
        "exact_dup_rows": exact_removed,
        "exact_dup_rate": exact_removed / len(rows),
        "raw_exact_dup_rows": raw_removed,
        "near_dup_pairs": len(pairs),
        "near_dup_clusters": len(comps),
        "rows_in_clusters": in_clusters,
        "near_dup_removed": in_clusters - len(comps),
        "near_dup_rate": (in_clusters - len(comps)) / len(rows),
        "label_conflict_rows": conflict_rows,
        "label_conflict_rate": conflict_rows / len(rows),
    }
    if "--pairs" in sys.argv:
        out = sys.argv[sys.argv.index("--pairs") + 1]
        with open(out, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["row_i", "row_j", "intersection", "union"])
            w.writerows(pairs)
    print(json.dumps(res, indent=1, ensure_ascii=False))

if __name__ == "__main__":
    main()
