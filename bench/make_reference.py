#!/usr/bin/env python3
"""A reference set (a "real test set") for the `--reference` benchmark: the rows of FRESH.csv
(make_corpus.py with another seed: posts unrelated to the dataset), where every 20th row is
replaced by a dataset row — half of them copied as they are (case changed for some), half with
one to three word edits — so that about 5 % of the reference leaks into the dataset, at
Jaccard values on both sides of the threshold.

usage: make_reference.py DATASET.csv FRESH.csv OUT.csv [--seed S]
"""
import csv
import random
import sys


def main():
    args = sys.argv[1:]
    dataset, fresh, out = args[0], args[1], args[2]
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 11
    rng = random.Random(seed)
    csv.field_size_limit(1 << 24)
    with open(dataset, newline="") as f:
        rows = [r[0] for r in csv.reader(f)][1:]
    with open(fresh, newline="") as f:
        refs = [r for r in csv.reader(f)][1:]
    for j in range(0, len(refs), 20):
        text = rows[rng.randrange(len(rows))]
        if rng.random() < 0.5:
            text = text.lower() if rng.random() < 0.5 else text
        else:
            words = text.split(" ")
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(len(words))
                if rng.random() < 0.5:
                    words[i] = words[rng.randrange(len(words))]
                elif len(words) > 15:
                    del words[i]
            text = " ".join(words)
        refs[j] = [text, refs[j][1]]
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["content", "label"])
        w.writerows(refs)


if __name__ == "__main__":
    main()
