#!/usr/bin/env python3
"""Writes the golden files of tests/text_test.cpp from the Python reference normalise()
(tests/data/real/near_dup_truth.py), so that the C++ normalisation is checked against Python,
never against itself.

usage: python3 tests/data/make_norm_golden.py   (from the repository root; stdlib only)

Outputs (tests/data/):
  norm_golden.csv      source,index,fnv1a64 - FNV-1a 64 of the UTF-8 of normalise(text) for every
                       row of moderation_openai.csv (content) and personahub_5k.jsonl (persona).
                       Hashes, so that the offensive source texts are not copied into the repo.
  norm_tricky.csv      input,expected - hand-picked hard cases, in full.
  norm_codepoints.txt  for every code point c, normalise("x" + c + "y") when it differs from the
                       input ("hex: out-hex ..."); "skip lo-hi" ranges are unassigned in this
                       Python's Unicode version (a newer utf8proc may know them).
"""
import csv, json, os, sys, unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(ROOT, "tests", "data", "real")
sys.path.insert(0, SHARED)
from near_dup_truth import normalise  # noqa: E402

OUT = os.path.join(ROOT, "tests", "data")

TRICKY = [
    "Straße", "STRASSE", "ẞ", "ﬁne ﬂow ﬀ", "Ⅻ Ⅳ ⅷ", "İstanbul", "i\u0307", "ΣΑΣ ΟΔΟΣ ς", "ǰ", "J\u030c",
    "Ｆｕｌｌ－ｗｉｄｔｈ！ ＡＢＣ１２３", "e\u0301 é", "Å Å Å", "ᾈ ᾼ ᾳ \u0345", "ΐ", "\u1e9b\u0323",
    "한국어 \u1100\u1161\u11a8", "… ‥ ― — – ‐", "Hello,   world!! \t\n", "  leading and trailing \n ",
    "\u00a0nbsp\u2003em\u3000ideo\u2028ls\u2029ps\u202fnnbsp\u205fmm\u1680ogham",
    "a\x1cb\x1dc\x1ed\x1fe\x85f\x0bg\x0ch", "zero\u200bwidth\ufeffbom\u200djoiner",
    "don't e-mail (me) [now] {ok} «guillemets» „quotes“ ‘single’ @#%&*_/\\", "$+<=>^`|~ stay",
    "ǅ ǆ Ǆ", "㎒ ① ⑴ ㈱ ½ ² ℌ ℍ", "ﷺ ﷽", "\u212b \u212a \u2126", "👍🏽 👨‍👩‍👧 🇫🇷", "ᏸ Ꭰ ꭰ",
    "Ⓐⓑ", "ＳＰＡＭ！！！ Ｃｌｉｃｋ　ｈｅｒｅ", "mixed ASCII !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ é",
    "混合中文，标点！“引号”。", "עברית׃ ״", "العربية، ؟", "देवनागरी।", "ไทย๏", "\u0000nul\u007fdel",
    "Ꜳꜳ ŉ ſt ﬅ ﬆ", "ΪΫ ϓ ϔ", "Ǳ ǲ ǳ", "\u0130\u0307", "\U0001d400\U0001d41a \U0001d7ce",
    "", "   ", "!!!", " . , ; ",
]


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def main():
    with open(os.path.join(OUT, "norm_golden.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["source", "index", "fnv1a64"])
        with open(os.path.join(SHARED, "moderation_openai.csv"), newline="", encoding="utf-8-sig") as src:
            for i, row in enumerate(csv.DictReader(src)):
                w.writerow(["moderation", i, "%016x" % fnv1a64(normalise(row["content"]).encode())])
        with open(os.path.join(SHARED, "personahub_5k.jsonl"), encoding="utf-8") as src:
            for i, line in enumerate(src):
                text = json.loads(line)["persona"]
                w.writerow(["personas", i, "%016x" % fnv1a64(normalise(text).encode())])

    with open(os.path.join(OUT, "norm_tricky.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["input", "expected"])
        for s in TRICKY:
            w.writerow([s, normalise(s)])

    with open(os.path.join(OUT, "norm_codepoints.txt"), "w", encoding="utf-8") as f:
        f.write("# python %s, unicode %s\n" % (sys.version.split()[0], unicodedata.unidata_version))
        skip_lo = None
        for c in range(0x110001):
            unassigned = c <= 0x10FFFF and (0xD800 <= c <= 0xDFFF or unicodedata.category(chr(c)) == "Cn")
            if unassigned:
                if skip_lo is None:
                    skip_lo = c
                continue
            if skip_lo is not None:
                f.write("skip %x-%x\n" % (skip_lo, c - 1))
                skip_lo = None
            if c > 0x10FFFF:
                break
            s = "x" + chr(c) + "y"
            out = normalise(s)
            if out != s:
                f.write("%x:%s\n" % (c, "".join(" %x" % ord(o) for o in out)))


if __name__ == "__main__":
    main()
