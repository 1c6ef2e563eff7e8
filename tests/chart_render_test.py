#!/usr/bin/python3
"""Renders every chart of a stats report to PNG as a person sees it and fails when any text lies
outside the picture.

usage: chart_render_test.py STATS_BIN EXAMPLE_DIR

Charts: every *.svg of EXAMPLE_DIR (the committed reports/example), and every chart of a stats run
this script makes on a hostile spec: a 60-character label, CJK labels, a spec label with no row,
long drift/refusal texts. The recipe (/work/shared/RECIPES.md): render once as is, and once with
the viewBox widened by a margin on every side; ink (a pixel neither transparent nor white) in the
margin is something the picture clips. The check itself is first shown to catch a clipped chart.
Needs rsvg-convert (Debian librsvg2-bin) and Pillow (python3-pil).
"""
import os
import re
import subprocess
import sys
import tempfile

from PIL import Image

MARGIN = 200  # user units added on every side; wider than any text could stick out of a chart


def svg_size(svg):
    """The root's viewBox as (x, y, width, height)."""
    m = re.search(r'<svg[^>]*\bviewBox="([-0-9.]+) ([-0-9.]+) ([0-9.]+) ([0-9.]+)"', svg)
    if not m:
        raise ValueError("no viewBox on the root element")
    return tuple(float(v) for v in m.groups())


def widened(svg):
    """The same chart with the viewBox and the canvas MARGIN larger on every side."""
    x, y, w, h = svg_size(svg)
    W, H = w + 2 * MARGIN, h + 2 * MARGIN

    def root(m):
        tag = m.group(0)
        tag = re.sub(r'\bviewBox="[^"]*"', 'viewBox="%g %g %g %g"' % (x - MARGIN, y - MARGIN, W, H), tag)
        tag = re.sub(r'\bwidth="[^"]*"', 'width="%g"' % W, tag, count=1)
        tag = re.sub(r'\bheight="[^"]*"', 'height="%g"' % H, tag, count=1)
        return tag

    return re.sub(r"<svg\b[^>]*>", root, svg, count=1)


def render(svg_path, png_path):
    subprocess.run(["rsvg-convert", "-o", png_path, svg_path], check=True, capture_output=True)
    return Image.open(png_path).convert("RGBA")


def is_ink(pixel):
    r, g, b, a = pixel
    return a > 0 and not (r >= 250 and g >= 250 and b >= 250)


def clipped(svg_path, work):
    """Where ink lies outside the picture ("" when nowhere)."""
    with open(svg_path, encoding="utf-8") as f:
        svg = f.read()
    _, _, w, h = svg_size(svg)
    base = os.path.join(work, os.path.basename(svg_path))
    as_is = render(svg_path, base + ".png")
    if abs(as_is.width - round(w)) > 1 or abs(as_is.height - round(h)) > 1:
        return "rendered %dx%d, viewBox %gx%g" % (as_is.width, as_is.height, w, h)
    with open(base + ".wide.svg", "w", encoding="utf-8") as f:
        f.write(widened(svg))
    wide = render(base + ".wide.svg", base + ".wide.png")
    scale_x, scale_y = wide.width / (w + 2 * MARGIN), wide.height / (h + 2 * MARGIN)
    left, top = MARGIN * scale_x, MARGIN * scale_y
    right, bottom = (MARGIN + w) * scale_x, (MARGIN + h) * scale_y
    px = wide.load()
    sides = {}
    for yy in range(wide.height):
        for xx in range(wide.width):
            inside = left - 1 <= xx < right + 1 and top - 1 <= yy < bottom + 1
            if inside or not is_ink(px[xx, yy]):
                continue
            side = ("left" if xx < left else "right" if xx >= right else
                    "top" if yy < top else "bottom")
            sides[side] = sides.get(side, 0) + 1
    return ", ".join("%d ink pixels beyond the %s edge" % (n, s) for s, n in sorted(sides.items()))


# A spec and a judged file that push every chart: a 60-character label, CJK labels, spec labels
# with no row (one of the widest glyphs), a returned label the spec does not define, refusals,
# judge columns and models.
LONG = "Harassment, threats and targeted abuse of protected groups ok"
assert len(LONG) >= 60
CJK = ["垃圾信息与诈骗", "自残与自杀内容（包括暗示）"]
EMPTY = "Never generated label"
# The widest glyphs there are, for the width estimate: also a spec label with no row.
WIDE = "WMWM@%%@ ЖЮЩШ œæ mmww WWWWWWWWWWWWWWWWWWWWWWWWWWWWWW"
LABELS = [LONG] + CJK + ["Safe", EMPTY, WIDE]


def hostile_run(stats_bin, work):
    spec = os.path.join(work, "spec.toml")
    with open(spec, "w", encoding="utf-8") as f:
        f.write('[dataset]\nname = "hostile"\nrows = 40\nlabel_weights = "uniform"\n')
        for l in LABELS:
            f.write('[[labels]]\nname = "%s"\ndefinition = "d"\n' % l)
    rows = []
    n = 0
    for t, target in enumerate(LABELS[:4]):
        for k in range(8):
            n += 1
            refused = k == 7 and t != 3
            label = "refused" if refused else (LABELS[(t + 1) % 4] if k == 6 else target)
            if k == 5 and t == 0:
                label = "Off-spec label the generator made up on its own"
            judge = LABELS[(t + 2) % 4] if k == 4 else label
            words = " ".join("w%d_%d" % (n, j) for j in range(5 + 9 * k))
            rows.append([words, label, "id%d" % n, target, "gen-model-x", "0.001",
                         judge, "true" if judge == label else "false", str(1 + k % 5), "",
                         "", "judge-model-y", "refused" if refused else "ok", "0.002"])
    path = os.path.join(work, "judged.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("content,label,id,target_label,model,gen_cost_usd,judge_label,label_correct,"
                "realism,issues,rationale,judge_model,judge_status,judge_cost_usd\n")
        for r in rows:
            f.write(",".join('"%s"' % c.replace('"', '""') for c in r) + "\n")
    out = os.path.join(work, "report")
    rc = subprocess.run([stats_bin, "--in", path, "--spec", spec, "--report-dir", out,
                         "--filtered", os.path.join(work, "f.csv"), "--rejected",
                         os.path.join(work, "r.csv")], capture_output=True, text=True)
    if rc.returncode != 0:
        sys.exit("stats failed (%d): %s" % (rc.returncode, rc.stderr))
    return out


def hostile_content(report):
    """What the hostile run's header and charts must show, computed here from the rows above."""
    failures = []
    md = open(os.path.join(report, "report.md"), encoding="utf-8").read().splitlines()
    # 32 rows, each gen 0.001 + judge 0.002 USD.
    header = ("Spec: spec.toml · generator model: gen-model-x (`model` column) · judge model: "
              "judge-model-y (`judge_model` column) · cost: $%.4f (gen_cost_usd + judge_cost_usd, "
              "all rows)" % (32 * 0.003))
    if md[2] != header:
        failures.append("report.md header: %r, expected %r" % (md[2], header))

    def has(chart, text):
        svg = open(os.path.join(report, chart), encoding="utf-8").read()
        if text not in svg:
            failures.append("%s lacks %r" % (chart, text))

    def e(label):
        return label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    # Every spec label is a row and a column of the confusion map, the empty one too.
    for l in LABELS:
        has("confusion.svg", "<title>%s / %s: " % (e(l), e(l)))
    has("confusion.svg", "<title>%s / %s: 0 (0.0 %% of the row)</title>" % (EMPTY, EMPTY))
    # Drift: target 0's row: 5 kept, 1 to label 1, 1 off-spec, 1 refused (of 8).
    has("drift.svg", "<title>%s / %s: 5 (62.5 %% of the row)</title>" % (e(LONG), e(LONG)))
    has("drift.svg", "<title>%s / refused: 1 (12.5 %% of the row)</title>" % e(LONG))
    # Refusals: k = 7 of every target but Safe, 8 rows per target, none for the empty label.
    for l in LABELS[:3]:
        has("refusals.svg", "<title>%s: 1 of 8 (12.50 %%)</title>" % e(l))
    has("refusals.svg", "<title>Safe: 0 of 8 (0.00 %)</title>")
    has("refusals.svg", "<title>%s: 0 of 0 (0.00 %%)</title>" % EMPTY)
    return failures


def main():
    stats_bin, example = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory() as work:
        # The check catches a clipped chart (text starting left of the picture, and running off
        # its right edge) and passes an unclipped one.
        probe = os.path.join(work, "probe.svg")
        for text, expect in (('<text x="-30" y="20">cut</text>', True),
                             ('<text x="150" y="20">a long line runs off the right</text>', True),
                             ('<text x="10" y="20">fits</text>', False)):
            with open(probe, "w", encoding="utf-8") as f:
                f.write('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" '
                        'viewBox="0 0 200 40" font-family="sans-serif" font-size="12">'
                        '<rect width="200" height="40" fill="#ffffff"/>%s</svg>' % text)
            if bool(clipped(probe, work)) != expect:
                failures.append("self-test: %s %s" % (text, "not caught" if expect else "flagged"))

        hostile = hostile_run(stats_bin, work)
        expected = ["confusion.svg", "drift.svg", "label_balance.svg", "length_by_label.svg",
                    "realism.svg", "refusals.svg"]
        charts = [os.path.join(example, f) for f in sorted(os.listdir(example)) if f.endswith(".svg")]
        found = sorted(f for f in os.listdir(hostile) if f.endswith(".svg"))
        if found != expected:
            failures.append("hostile run wrote %s, expected %s" % (found, expected))
        charts += [os.path.join(hostile, f) for f in found]
        failures += hostile_content(hostile)
        for chart in charts:
            where = clipped(chart, work)
            print("%s: %s" % (chart, where or "nothing outside the picture"))
            if where:
                failures.append("%s: %s" % (chart, where))
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("%d charts rendered, no text outside the picture" % len(charts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
