"""Draws the throughput results as a bar chart PNG (Pillow only, no matplotlib).

    python benchmarks/chart.py results.json -o docs/benchmarks.png

`results.json` is what `throughput.py --json` writes, for one backend or for
`--backend all`: one group of bars per variant, one bar per backend, images/second
(median over rounds) with the best round as a thin tick.
"""

import argparse
import json
import sys

from _variants import BASE_DESCRIPTIONS

COLORS = {"tensorflow": (255, 143, 0), "jax": (66, 133, 244), "torch": (220, 60, 60)}
SCALE = 2  # drawn at twice the size, for sharp text


def _font(size):
    from PIL import ImageFont

    return ImageFont.load_default(size=size * SCALE)


def draw(results, path, title):
    """Writes a horizontal grouped bar chart of `results` (throughput entries) to `path`."""
    from PIL import Image
    from PIL import ImageDraw

    variants = list(dict.fromkeys(r["variant"] for r in results))
    backends = [b for b in COLORS if any(r["backend"] == b for r in results)]
    by_key = {(r["variant"], r["backend"]): r for r in results}
    descriptions = {}
    for r in results:
        if r.get("description") and r["variant"] not in descriptions:
            # The hand-written step differs per backend; name it generically.
            descriptions[r["variant"]] = r["description"].replace(
                BASE_DESCRIPTIONS.get(r["backend"], "\0"), "hand-written step"
            )
    peak = max((r.get("best", 0) for r in results), default=1) or 1

    s = SCALE
    label_w, bar_w, margin = 330 * s, 560 * s, 20 * s
    bar_h, gap = 18 * s, 14 * s
    group_h = bar_h * len(backends) + gap
    top = 70 * s
    height = top + group_h * len(variants) + 50 * s
    width = label_w + bar_w + 110 * s
    image = Image.new("RGB", (width, height), "white")
    pen = ImageDraw.Draw(image)
    title_font, font, small = _font(18), _font(13), _font(11)

    pen.text((margin, 14 * s), title, fill="black", font=title_font)
    x = margin
    for backend in backends:  # legend
        pen.rectangle([x, 44 * s, x + 14 * s, 56 * s], fill=COLORS[backend])
        pen.text((x + 20 * s, 42 * s), backend, fill="black", font=font)
        x += 130 * s
    pen.text((x + 10 * s, 43 * s), "bar: median, tick: best round", fill="gray", font=small)

    # Grid lines at round numbers of images/second.
    step = _nice_step(peak)
    value = 0.0
    while value <= peak * 1.0001:
        gx = label_w + int(bar_w * value / peak)
        pen.line([gx, top - 6 * s, gx, top + group_h * len(variants) - gap], fill=(225,) * 3)
        pen.text((gx - 10 * s, height - 42 * s), f"{value:g}", fill="gray", font=small)
        value += step
    pen.text((label_w, height - 24 * s), "images / second", fill="black", font=font)

    for i, variant in enumerate(variants):
        y = top + i * group_h
        label = f"({variant}) {descriptions.get(variant, '')}"
        for line_no, line in enumerate(_wrap(label, 40)[:2]):
            pen.text((margin, y + line_no * 16 * s), line, fill="black", font=font)
        for j, backend in enumerate(backends):
            r = by_key.get((variant, backend))
            by = y + j * bar_h
            if r is None or "median" not in r:
                pen.text((label_w + 4 * s, by + 2 * s), "n/a", fill="gray", font=small)
                continue
            end = label_w + int(bar_w * r["median"] / peak)
            pen.rectangle([label_w, by + 2 * s, end, by + bar_h - 2 * s], fill=COLORS[backend])
            best = label_w + int(bar_w * r["best"] / peak)
            pen.line([best, by + 1 * s, best, by + bar_h - 1 * s], fill="black", width=s)
            pen.text(
                (max(end, best) + 6 * s, by + 2 * s), f"{r['median']:.0f}", fill="black", font=small
            )
    image = image.resize((width // s, height // s), Image.LANCZOS)
    image.save(path)
    return path


def _nice_step(peak):
    for step in (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if peak / step <= 8:
            return step
    return peak / 5


def _wrap(text, width):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line] if line else lines


def main(argv=None):
    parser = argparse.ArgumentParser(description="Bar chart of throughput.py --json results.")
    parser.add_argument("results", help="JSON written by throughput.py --json")
    parser.add_argument("-o", "--output", default="benchmarks.png", help="PNG path")
    parser.add_argument("--title", default="DCGAN 28x28, batch 64: training throughput (CPU)")
    parser.add_argument("--variants", default=None, help="comma-separated subset to draw")
    args = parser.parse_args(argv)
    try:
        import PIL  # noqa: F401
    except ImportError as error:
        raise SystemExit("The chart needs Pillow: `pip install pillow`.") from error
    with open(args.results) as f:
        results = [r for r in json.load(f)["results"]]
    if args.variants:
        keep = args.variants.split(",")
        results = [r for r in results if r["variant"] in keep]
    print(f"wrote {draw(results, args.output, args.title)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
