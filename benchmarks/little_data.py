"""Training on little data: the default recipe against augmentation and R1 on the digits.

Trains the `keras-gan train` recipe (DCGAN, width 32, Adam 5e-4 / 1e-3 with
beta_1=0.5, batch 32, generator EMA 0.999) on a fraction of the digits' training
split, for the same number of steps whatever the fraction (the subset is repeated to
the full split's length, so an epoch is the same number of steps), and scores the
EMA generator against the held-out split: Frechet distance and KID on the features
of the digits classifier (trained on the whole training split), and the classifier
score. Each run is a fresh process; results are appended to the JSON as they come,
and the markdown table is written from whatever the JSON holds.

    python benchmarks/little_data.py --steps 3000 --seeds 0 1 \
        --runs 0.1:default,0.1:diffaugment,0.1:ada,0.1:r1,0.1:diffaugment+r1 \
               1.0:default,1.0:diffaugment+r1

Arms: `default`, `diffaugment`, `ada`, `r1` (R1 with gamma `--r1`), and any
`+`-joined combination (`diffaugment+r1`).
"""

import argparse
import json
import os
import sys
import time

import _common

ARMS = ("default", "diffaugment", "ada", "r1")
#: Arms that train a whole `keras_gan.recipes` recipe instead of the default one.
RECIPE_ARMS = ("r3gan",)
BATCH = 32
DRAWS = 3  # generated sets averaged per score


def _settings(arm, r1):
    """`compile` arguments of an arm: `+`-joined parts among `ARMS`.

    `diffaugment-color-translation` (any `-`-joined subset of DiffAugment's policy)
    chooses DiffAugment's transforms, `ada=0.8` ADA's target, `r1=2.0` R1's gamma
    (plain `r1` takes `--r1`).
    """
    settings = {"augment": None, "r1_penalty": 0.0}
    if arm in RECIPE_ARMS:
        return {}
    for part in arm.split("+"):
        name, _, value = part.partition("=")
        name, *policy = name.split("-")
        if (
            name not in ARMS
            or (policy and name != "diffaugment")
            or (value and name in ("default", "diffaugment"))
        ):
            raise SystemExit(
                f"Expected arms among {ARMS} joined by '+' (diffaugment-POLICY, ada=TARGET, "
                f"r1=GAMMA), or a recipe among {RECIPE_ARMS}. Received: {arm!r}"
            )
        if name == "diffaugment":
            settings["augment"] = ("diffaugment", tuple(policy)) if policy else "diffaugment"
        elif name == "ada":
            settings["augment"] = ("ada", float(value)) if value else "ada"
        elif name == "r1":
            settings["r1_penalty"] = float(value) if value else r1
    return settings


def _augmenter(augment, seed):
    """The arm's augment argument: a name, or a layer built with the GAN's own seed."""
    from keras_gan import augmentation

    if not isinstance(augment, tuple):
        return augment
    name, value = augment
    if name == "diffaugment":
        return augmentation.DiffAugment(policy=value, seed=seed + 2)
    return augmentation.ADA(target=value, seed=seed + 2)


def recipe_gan(image_shape, seed, **compile_settings):
    """`keras-gan train`'s GAN for images of `image_shape` (`keras_gan.recipes.dcgan`,
    whose defaults are the CLI's), compiled with `compile_settings` on top."""
    from keras_gan import recipes

    gan, _ = recipes.dcgan(image_shape, seed=seed, **compile_settings)
    return gan


def digit_split(split):
    """`(train, train_labels, held_out, classifier)` of data split `split`.

    Split 0 is `load_digits`' own (train 1,438 / held out 359) with the digits
    classifier trained on its training part. Split K > 0 shuffles all 1,797 digits
    with seed K and holds out 20% of each class, so other digits are held out (and
    others come first in a subset); the classifier is then trained on that split's
    training part, as `digits_classifier` is on split 0's.
    """
    import numpy as np

    from keras_gan import architectures
    from keras_gan.datasets import load_digits

    if split == 0:
        train, train_labels = load_digits("train")
        held_out, _ = load_digits("test")
        return train, train_labels, held_out, architectures.digits_classifier(seed=0)
    images, labels = load_digits("all")
    rng = np.random.default_rng(split)
    order = rng.permutation(len(images))
    held = np.zeros(len(images), bool)
    for digit in range(10):
        members = order[labels[order] == digit]
        held[members[: int(round(0.2 * len(members)))]] = True
    train_order = order[~held[order]]
    train, train_labels = images[train_order], labels[train_order]
    classifier = architectures.train_classifier(train, train_labels, epochs=30, seed=0)
    return train, train_labels, images[order[held[order]]], classifier


def run_one(fraction, arm, seed, steps, r1, grid_path, split=0):
    """Trains one arm in this process; returns its scores."""
    import keras
    import numpy as np

    from keras_gan import architectures
    from keras_gan import images as images_module
    from keras_gan import recipes
    from keras_gan.metrics import quality_scores

    keras.utils.set_random_seed(seed)
    train, _, test, classifier = digit_split(split)
    count = max(BATCH, int(round(fraction * len(train))))
    subset = train[:count]
    data = np.concatenate([subset] * -(-len(train) // len(subset)))[: len(train)]
    epochs = -(-steps // -(-len(train) // BATCH))
    callbacks = []
    if arm in RECIPE_ARMS:
        gan, callbacks = recipes.get(arm)((8, 8, 1), total_images=epochs * len(data), seed=seed)
    else:
        settings = _settings(arm, r1)
        settings["augment"] = _augmenter(settings["augment"], seed)
        gan = recipe_gan((8, 8, 1), seed, **settings)
    start = time.time()
    history = gan.fit(
        data, batch_size=BATCH, epochs=epochs, shuffle=True, verbose=0, callbacks=callbacks
    )
    seconds = time.time() - start
    extractor = architectures.feature_extractor(classifier)
    draws = [
        quality_scores(
            test,
            gan.generate(len(test), seed=1000 + i),
            feature_extractor=extractor,
            classifier=classifier,
        )
        for i in range(DRAWS)
    ]
    real = quality_scores(
        test, train[: len(test)], feature_extractor=extractor, classifier=classifier
    )
    if grid_path:
        grid = images_module.make_grid(gan.generate(64, seed=0), (-1.0, 1.0), padding=1)
        grid = np.repeat(np.repeat(grid, 2, axis=0), 2, axis=1)
        images_module.save_png(grid, grid_path)
    result = {key: float(np.mean([d[key] for d in draws])) for key in draws[0]}
    result.update(
        {
            "fraction": fraction,
            "split": split,
            "images": len(subset),
            "arm": arm,
            "seed": seed,
            "steps": epochs * -(-len(train) // BATCH),
            "seconds": round(seconds, 1),
            "real_fd": real["fd"],
            "real_classifier_score": real["classifier_score"],
        }
    )
    if "augment_p" in history.history:
        result["final_augment_p"] = float(history.history["augment_p"][-1])
        result["augment_p_by_epoch"] = [round(float(p), 4) for p in history.history["augment_p"]]
    return result


def _groups(results):
    """`{(fraction, arm): [results]}` in the table's order: 100% first, then by arm.

    A run on data split K > 0 is grouped under the arm `"ARM split K"`.
    """
    groups = {}
    for r in results:
        arm = r["arm"] + (f" split {r['split']}" if r.get("split") else "")
        groups.setdefault((r["fraction"], arm), []).append(r)
    return dict(sorted(groups.items(), key=lambda kv: (-kv[0][0], kv[0][1])))


def _baseline_fd(results):
    import numpy as np

    baseline = [
        r["fd"]
        for r in results
        if r["fraction"] == 1.0 and r["arm"] == "default" and not r.get("split")
    ]
    return float(np.mean(baseline)) if baseline else None


def draw_chart(results, path, target=1.5):
    """A PNG of every run's FD (one dot per seed, a bar at the mean) per data and arm,
    with the 100% default's mean FD and `target` times it marked (Pillow only)."""
    from chart import SCALE
    from chart import _font
    from PIL import Image
    from PIL import ImageDraw

    groups = _groups(results)
    base = _baseline_fd(results)
    peak = max(r["fd"] for r in results) * 1.08
    s = SCALE
    label_w, plot_w, row_h, top, margin = 300 * s, 520 * s, 24 * s, 64 * s, 16 * s
    width, height = label_w + plot_w + 40 * s, top + row_h * len(groups) + 56 * s
    image = Image.new("RGB", (width, height), "white")
    pen = ImageDraw.Draw(image)
    font, small = _font(13), _font(11)
    steps = {r["steps"] for r in results}
    pen.text(
        (margin, 12 * s),
        f"Frechet distance to held-out digits after {'/'.join(map(str, sorted(steps)))} steps "
        "(lower is better)",
        fill="black",
        font=_font(16),
    )
    pen.text((margin, 36 * s), "dots: seeds, bar: mean", fill="gray", font=small)

    def x_of(fd):
        return label_w + int(plot_w * fd / peak)

    bottom = top + row_h * len(groups)
    for value in range(0, int(peak) + 1):
        pen.line([x_of(value), top - 4 * s, x_of(value), bottom], fill=(225,) * 3)
        pen.text((x_of(value) - 3 * s, bottom + 6 * s), str(value), fill="gray", font=small)
    if base:
        for fd, text, color in (
            (results[0]["real_fd"], "real data", (40, 150, 60)),
            (base, "100% default", (60, 60, 60)),
            (target * base, f"{target:g}x it: the target", (200, 40, 40)),
        ):
            pen.line([x_of(fd), top - 8 * s, x_of(fd), bottom], fill=color, width=s)
            pen.text((x_of(fd) + 3 * s, top - 20 * s), text, fill=color, font=small)
    for i, ((fraction, arm), rows) in enumerate(groups.items()):
        y = top + i * row_h + row_h // 2
        color = (66, 110, 200) if fraction == 1.0 else (230, 130, 0)
        label = f"{fraction:.0%} {arm} ({len(rows)} seed{'s' * (len(rows) > 1)})"
        pen.text((margin, y - 8 * s), label, fill="black", font=font)
        fds = [r["fd"] for r in rows]
        mean = sum(fds) / len(fds)
        pen.rectangle([x_of(mean) - s, y - 9 * s, x_of(mean) + s, y + 9 * s], fill="black")
        for fd in fds:
            r = 4 * s
            pen.ellipse([x_of(fd) - r, y - r, x_of(fd) + r, y + r], fill=color)
    pen.text((label_w, height - 22 * s), "FD (digits classifier features)", fill="black", font=font)
    image.save(path)


def write_table(results, path):
    import numpy as np

    groups = _groups(results)
    base_fd = _baseline_fd(results)
    lines = [
        "| data | arm | seeds | steps | FD (mean, min-max) | FD / default-100% FD | KID | "
        "classifier score | final p | s/run |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (fraction, arm), rows in groups.items():
        fd = [r["fd"] for r in rows]
        ratio = f"{np.mean(fd) / base_fd:.2f}" if base_fd else "-"
        p = [r["final_augment_p"] for r in rows if "final_augment_p" in r]
        p_text = f"{np.mean(p):.2f}" if p else "-"
        lines.append(
            f"| {fraction:.0%} ({rows[0]['images']}) | {arm} | {len(rows)} | {rows[0]['steps']} | "
            f"{np.mean(fd):.3f} ({min(fd):.3f}-{max(fd):.3f}) | {ratio} | "
            f"{np.mean([r['kid'] for r in rows]):.4f} | "
            f"{np.mean([r['classifier_score'] for r in rows]):.3f} | {p_text} | "
            f"{np.mean([r['seconds'] for r in rows]):.0f} |"
        )
    real = results[0] if results else None
    if real:
        lines.append("")
        lines.append(
            f"Real-data floor (training images vs held-out): FD {real['real_fd']:.3f}, "
            f"classifier score {real['real_classifier_score']:.3f}."
        )
    intervals = [
        f"- {fraction:.0%} {arm}: {low:.2f}-{high:.2f}"
        for (fraction, arm), (low, high) in ratio_intervals(results).items()
    ]
    if intervals:
        lines += ["", "FD / default-100% FD, 90% bootstrap interval over seeds (2+ seeds):"]
        lines += intervals
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def ratio_intervals(results, *, resamples=4000, seed=0):
    """`{(fraction, arm): (5th, 95th percentile)}` of `mean(FD) / mean(100% default FD)`
    when the seeds of both groups are resampled (independently: a seed shares no data
    order or weights between the two runs), for each group of 2 or more seeds."""
    import numpy as np

    groups = _groups(results)
    base = np.array([r["fd"] for r in groups.get((1.0, "default"), [])])
    if len(base) < 2:
        return {}
    rng = np.random.default_rng(seed)
    base_means = base[rng.integers(0, len(base), (resamples, len(base)))].mean(axis=1)
    out = {}
    for key, rows in groups.items():
        fds = np.array([r["fd"] for r in rows])
        if len(fds) < 2 or key == (1.0, "default"):
            continue
        means = fds[rng.integers(0, len(fds), (resamples, len(fds)))].mean(axis=1)
        low, high = np.percentile(means / base_means, [5, 95])
        out[key] = (float(low), float(high))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", required=True, help="FRACTION:ARM,... groups")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--steps", type=int, default=9000)
    parser.add_argument("--r1", type=float, default=0.5, help="R1 gamma of the r1 arm")
    parser.add_argument(
        "--splits",
        type=int,
        nargs="+",
        default=[0],
        help="data splits: 0 is load_digits' own, K > 0 holds out other digits (digit_split)",
    )
    parser.add_argument("--out", default="docs/little_data.json")
    parser.add_argument("--table", default="docs/little_data_table.md", help="markdown table")
    parser.add_argument("--grids", default="docs/little_data", help="PNG folder (first seed)")
    parser.add_argument("--chart", default=None, help="also draw every run's FD to this PNG")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        fraction, arm, seed, split, grid = args.one.split(":", 4)
        result = run_one(
            float(fraction), arm, int(seed), args.steps, args.r1, grid or None, int(split)
        )
        print("RESULT " + json.dumps(result), flush=True)
        return 0
    os.makedirs(args.grids, exist_ok=True)
    plan = [
        {"fraction": float(fraction), "arm": arm, "seed": seed, "split": split}
        for split in args.splits
        for seed in args.seeds
        for group in args.runs
        for fraction, arm in (item.split(":") for item in group.split(","))
    ]
    for run in plan:
        _settings(run["arm"], args.r1)

    def run_child(run):
        fraction, arm, seed, split = run["fraction"], run["arm"], run["seed"], run["split"]
        grid = ""
        if seed == args.seeds[0]:
            suffix = f"_split{split}" if split else ""
            grid = os.path.join(args.grids, f"{int(fraction * 100)}pct_{arm}{suffix}.png")
        return _common.child_result(
            __file__,
            [
                "--runs",
                "x",
                "--steps",
                str(args.steps),
                "--r1",
                str(args.r1),
                "--one",
                f"{fraction}:{arm}:{seed}:{split}:{grid}",
            ],
            what=f"run {fraction}:{arm}:{seed} split {split}",
        )

    results = _common.resumable_runs(
        args.out, plan, run_child, after_each=lambda done: write_table(done, args.table)
    )
    write_table(results, args.table)
    if args.chart and results:
        draw_chart(results, args.chart)
    return 0


if __name__ == "__main__":
    sys.exit(main())
