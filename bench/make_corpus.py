#!/usr/bin/env python3
"""Deterministic benchmark corpus for synthmod-stats: N short posts (15-60 words), about 10 %
near duplicates (1-3 word edits of an earlier post) and about 5 % exact duplicates (an earlier
post copied, sometimes with its case or punctuation changed, which normalisation undoes).

usage: make_corpus.py N OUT.csv [--seed S] [--words MIN MAX] [--truth TRUTH.csv]
                        [--word-truth TRUTH.csv]

--words MIN MAX: post lengths in words (default 15 60; `--words 20 40` gives the short posts of
~30 words of the bench's 100k short-post job). An edit never takes a post under MIN words.

--truth (character 5-grams) and --word-truth (word 5-grams) write every planted (source, copy)
pair whose exact Jaccard of the shingle sets of the normalised texts (near_dup_truth.py's
normalise) is >= 0.8, with that Jaccard: the planted pairs a near-duplicate search must find (recall is measured on them;
accidental pairs between unrelated posts are not enumerated at this size).
"""
import csv, random, sys, os

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "real"))

LABELS = ["Spam & Scams", "Self-harm & Suicide", "Privacy & Personal Data Exposure", "Safe"]
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "qu", "bri", "dro",
             "fen", "gal", "hom", "jin", "kle", "mur", "nox", "pil", "rat", "sol", "tev", "ux"]


def main():
    args = sys.argv[1:]
    n, out = int(args[0]), args[1]
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 7
    lo, hi = 15, 60
    if "--words" in args:
        lo, hi = int(args[args.index("--words") + 1]), int(args[args.index("--words") + 2])
    truths = [(args[args.index(flag) + 1], kind)
              for flag, kind in (("--truth", "char"), ("--word-truth", "word")) if flag in args]
    rng = random.Random(seed)
    vocab = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))
                    for _ in range(30000)})
    rng.shuffle(vocab)
    # Zipf-like word frequencies: a few common words, a long tail.
    weights = [1.0 / (r + 1) ** 1.05 for r in range(len(vocab))]
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)

    def word():
        return rng.choices(vocab, cum_weights=cum)[0]

    def post():
        words = [word() for _ in range(rng.randint(lo, hi))]
        text = " ".join(words)
        return text[0].upper() + text[1:] + rng.choice([".", "!", "?", "..."])

    def edit(text):
        words = text.split(" ")
        for _ in range(rng.randint(1, 3)):
            op = rng.random()
            i = rng.randrange(len(words))
            if op < 0.5:
                words[i] = word()
            elif op < 0.75:
                words.insert(i, word())
            elif len(words) > lo:
                del words[i]
        return " ".join(words)

    rows, planted = [], []
    for i in range(n):
        r = rng.random()
        if i > 100 and r < 0.05:
            j = rng.randrange(i)
            text = rows[j][0]
            if rng.random() < 0.5:
                text = text.upper() if rng.random() < 0.5 else text.replace(" ", ", ", 1)
            rows.append((text, rows[j][1]))
            planted.append((j, i))
        elif i > 100 and r < 0.15:
            j = rng.randrange(i)
            label = rows[j][1] if rng.random() < 0.98 else rng.choice(LABELS)
            rows.append((edit(rows[j][0]), label))
            planted.append((j, i))
        else:
            rows.append((post(), rng.choice(LABELS)))
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["content", "label"])
        w.writerows(rows)
    if truths:
        from near_dup_truth import normalise
        norm = {}

        def normalised(k):
            if k not in norm:
                norm[k] = normalise(rows[k][0])
            return norm[k]

        for path, shingle in truths:
            def shingles(t):
                if shingle == "word":
                    ws = t.split(" ") if t else []
                    if len(ws) < 5:
                        return frozenset([t]) if t else frozenset()
                    return frozenset(" ".join(ws[k:k + 5]) for k in range(len(ws) - 4))
                if len(t) < 5:
                    return frozenset([t]) if t else frozenset()
                return frozenset(t[k:k + 5] for k in range(len(t) - 4))

            with open(path, "w", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(["row_i", "row_j", "jaccard"])
                for a, b in planted:
                    x, y = shingles(normalised(a)), shingles(normalised(b))
                    inter = len(x & y)
                    if x and 5 * inter >= 4 * (len(x) + len(y) - inter):
                        w.writerow([a, b, "%.6f" % (inter / (len(x) + len(y) - inter))])


if __name__ == "__main__":
    main()
