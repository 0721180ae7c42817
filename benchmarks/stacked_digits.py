"""Mode coverage on stacked digits: the 8x8 analogue of Stacked MNIST (1000 modes).

Each training image stacks three digits as its R, G and B channels, drawn at random
(with `--data-seed`) from the digits' training split (`load_digits("train")`, 1,438
images); its mode is `100 * d_R + 10 * d_G + d_B`, one of 1000. A GAN trains on
`--stacks` of them (48,000 by default: 1,500 steps of batch 32 an epoch, so the
protocol's 9,000 steps are 6 whole epochs, about 48 stacks per mode), then its EMA
generator draws `--samples` images (26,000, the Stacked MNIST protocol's count) and
the digits classifier (`architectures.digits_classifier`, trained on the same
training split) reads each channel of each one. Two numbers per run:

- modes covered: how many of the 1000 labels are read at least once;
- KL: `KL(p || u) = sum over m with p_m > 0 of p_m * ln(p_m / (1/1000))`, in nats,
  where `p_m` is the share of the samples read as mode `m` and `u` is uniform over
  the 1000 modes. 0 for a perfectly even histogram, `ln(1000) = 6.91` for a
  generator of one mode, and finite whatever modes are missing. A perfectly uniform
  generator still scores about `999 / (2 * n)` from sampling alone (0.019 at
  n = 26,000, 0.05 at 10,000), and the classifier's own mistakes add to that: each
  run also reports both numbers for `--samples` real stacks of held-out digits.

Each run is a fresh process; results are appended to the JSON as they come, and the
markdown table (mean, min-max and a 90% bootstrap interval of the mean over seeds)
is written from whatever the JSON holds.

    python benchmarks/stacked_digits.py --arms default r1r2=0.1 r1r2=1 --seeds 0 1 2

Arms: `default` (`keras-gan train`'s recipe for the digits: DCGAN width 32, Adam
5e-4 / 1e-3 with beta_1=0.5, non-saturating loss, batch 32, generator EMA 0.999),
`r1=G` (the same with R1 of weight G), `r1r2=G` (the classic loss with R1 and R2 of
weight G), and `recipe=NAME`: `keras_gan.recipes.NAME((8, 8, 3), total_images=...,
seed=...)`, which returns the compiled GAN and the callbacks its schedules need.
"""

import argparse
import importlib.util
import json
import math
import os
import sys
import time

import _common
import little_data

IMAGE_SHAPE = (8, 8, 3)
NUM_MODES = 1000
BATCH = little_data.BATCH
STACKS = 48_000


# ------------------------------------------------------------------------ data
def make_stacks(images, labels, count, seed):
    """`count` stacks of three of `images` as their channels, and their modes.

    Each stack's three digits are drawn independently and uniformly (with
    replacement) from `images` (`(n, 8, 8, 1)`) with `numpy.random.default_rng(seed)`.

    Returns:
        `(stacks, modes)`: float32 `(count, 8, 8, 3)` (channel c is digit c) and int
        `(count,)`, `100 * labels[R] + 10 * labels[G] + labels[B]`.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(images), size=(count, 3))
    stacks = np.concatenate([images[picks[:, c]] for c in range(3)], axis=-1)
    digits = labels[picks]
    modes = 100 * digits[:, 0] + 10 * digits[:, 1] + digits[:, 2]
    return stacks.astype("float32"), modes.astype("int64")


def read_modes(classifier, samples, batch_size=2048):
    """The mode the digits `classifier` reads in each of `samples` (`(n, 8, 8, 3)`):
    its most probable digit of each channel, as `100 * R + 10 * G + B`."""
    import numpy as np

    samples = np.asarray(samples, dtype="float32")
    n = len(samples)
    channels = np.transpose(samples, (0, 3, 1, 2)).reshape(n * 3, 8, 8, 1)
    probabilities = classifier.predict(channels, batch_size=batch_size, verbose=0)
    digits = np.argmax(probabilities, axis=-1).reshape(n, 3)
    return 100 * digits[:, 0] + 10 * digits[:, 1] + digits[:, 2]


def mode_stats(modes, num_modes=NUM_MODES):
    """`{"modes": distinct modes seen, "kl": KL(p || uniform)}` of a list of modes.

    `p_m = count_m / len(modes)` over `m` in `[0, num_modes)`;
    `KL = sum over m with p_m > 0 of p_m * ln(p_m * num_modes)` (nats).
    """
    import numpy as np

    counts = np.bincount(np.asarray(modes, dtype="int64"), minlength=num_modes)
    if len(counts) != num_modes:
        raise ValueError(f"Expected modes in [0, {num_modes}). Received: up to {len(counts) - 1}")
    p = counts[counts > 0] / counts.sum()
    return {"modes": int(len(p)), "kl": float(np.sum(p * np.log(p * num_modes)))}


def sampling_floor(samples, num_modes=NUM_MODES):
    """The KL a perfectly uniform generator scores from sampling alone, to first
    order: `(num_modes - 1) / (2 * samples)` (the chi-squared approximation)."""
    return (num_modes - 1) / (2 * samples)


# ------------------------------------------------------------------------ arms
def _has_recipes():
    spec = importlib.util.find_spec("keras_gan")
    folders = list(spec.submodule_search_locations or []) if spec else []
    return any(
        os.path.exists(os.path.join(folder, "recipes.py"))
        or os.path.isdir(os.path.join(folder, "recipes"))
        for folder in folders
    )


def parse_arm(arm):
    """`("compile", settings)` for `default`, `r1=G` and `r1r2=G`; `("recipe", NAME)`
    for `recipe=NAME`. Raises `SystemExit` with what was expected otherwise, and for a
    recipe while `keras_gan.recipes` does not exist."""
    name, _, value = arm.partition("=")
    try:
        if name == "default" and not value:
            return "compile", {}
        if name == "r1" and value:
            return "compile", {"r1_penalty": float(value)}
        if name == "r1r2" and value:
            return "compile", {"r1_penalty": float(value), "r2_penalty": float(value)}
    except ValueError:
        pass
    if name == "recipe" and value:
        if not _has_recipes():
            raise SystemExit(
                f"Expected keras_gan.recipes for the arm {arm!r} (keras_gan.recipes.{value} "
                "builds its GAN). Received: a keras_gan without a recipes module"
            )
        return "recipe", value
    raise SystemExit(
        f"Expected arms 'default', 'r1=GAMMA', 'r1r2=GAMMA' or 'recipe=NAME'. Received: {arm!r}"
    )


def build_gan(arm, seed, total_images):
    """The arm's compiled GAN and the callbacks it trains with."""
    kind, value = parse_arm(arm)
    if kind == "compile":
        return little_data.recipe_gan(IMAGE_SHAPE, seed, **value), []
    from keras_gan import recipes

    build = getattr(recipes, value, None)
    if not callable(build):
        public = sorted(n for n in dir(recipes) if not n.startswith("_"))
        raise SystemExit(f"Expected a recipe among {public}. Received: recipe={value!r}")
    gan, callbacks = build(IMAGE_SHAPE, total_images=total_images, seed=seed)
    return gan, list(callbacks)


# ------------------------------------------------------------------------- run
def training_plan(steps, stacks):
    """`(stacks, epochs)`: at most `stacks` training stacks, fewer for a run shorter
    than one pass, and the whole epochs closest to `steps` steps of `BATCH`."""
    stacks = min(stacks, steps * BATCH)
    epochs = max(1, round(steps / math.ceil(stacks / BATCH)))
    return stacks, epochs


def save_grid(images, path):
    """64 images `(n, 8, 8, 3)` in [-1, 1] as a PNG grid, 4x enlarged."""
    import numpy as np

    from keras_gan import images as images_module

    grid = images_module.make_grid(images[:64], (-1.0, 1.0), padding=1)
    images_module.save_png(np.repeat(np.repeat(grid, 4, axis=0), 4, axis=1), path)


def run_one(arm, seed, steps, samples, stacks, data_seed, grid_path):
    """Trains one arm in this process; returns its mode counts."""
    import keras
    import numpy as np

    from keras_gan import architectures
    from keras_gan.datasets import load_digits

    keras.utils.set_random_seed(seed)
    digits, labels = load_digits("train")
    held_out, held_out_labels = load_digits("test")
    stacks, epochs = training_plan(steps, stacks)
    data, _ = make_stacks(digits, labels, stacks, data_seed)
    gan, callbacks = build_gan(arm, seed, epochs * len(data))
    start = time.time()
    gan.fit(data, batch_size=BATCH, epochs=epochs, shuffle=True, callbacks=callbacks, verbose=0)
    seconds = time.time() - start
    classifier = architectures.digits_classifier(seed=0)
    generated = gan.generate(samples, seed=1000)
    result = {"arm": arm, "seed": seed, **mode_stats(read_modes(classifier, generated))}
    real, real_modes = make_stacks(held_out, held_out_labels, samples, data_seed + 1)
    read = read_modes(classifier, real)
    real_stats = mode_stats(read)
    if grid_path:
        save_grid(generated, grid_path)
    result.update(
        {
            "steps": epochs * math.ceil(len(data) / BATCH),
            "stacks": len(data),
            "samples": samples,
            "seconds": round(seconds, 1),
            "real_modes": real_stats["modes"],
            "real_kl": real_stats["kl"],
            "real_read_correctly": float(np.mean(read == real_modes)),
            "sampling_floor_kl": sampling_floor(samples),
        }
    )
    return result


# ----------------------------------------------------------------------- table
def _groups(results):
    groups = {}
    for r in results:
        groups.setdefault(r["arm"], []).append(r)
    return groups


def _spread(values, digits):
    import numpy as np

    text = f"{np.mean(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"
    interval = _common.mean_interval(values)
    if interval is not None:
        text += f" [{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]"
    return text


def write_table(results, path):
    """A markdown table of every arm: mean (min-max) [90% bootstrap interval of the
    mean over seeds, with 2+ seeds] of the modes covered and the KL."""
    import numpy as np

    lines = [
        "| arm | seeds | steps | samples | modes covered of 1000 | KL from uniform (nats) "
        "| s/run |",
        "|---|---|---|---|---|---|---|",
    ]
    for arm, rows in _groups(results).items():
        lines.append(
            f"| {arm} | {len(rows)} | {rows[0]['steps']} | {rows[0]['samples']} | "
            f"{_spread([r['modes'] for r in rows], 1)} | {_spread([r['kl'] for r in rows], 3)} | "
            f"{np.mean([r['seconds'] for r in rows]):.0f} |"
        )
    if results:
        real = results[0]
        lines += [
            "",
            "Mean (min-max) [90% bootstrap interval of the mean over seeds].",
            f"Real stacks of held-out digits, read by the same classifier: "
            f"{real['real_modes']} modes, KL {real['real_kl']:.4f} "
            f"({real['real_read_correctly']:.1%} of the stacks read as their true mode); "
            f"sampling floor of a uniform generator at {real['samples']} samples: "
            f"KL {real['sampling_floor_kl']:.4f}.",
        ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arms", nargs="+", default=["default", "r1r2=0.1", "r1r2=1"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=9000)
    parser.add_argument("--samples", type=int, default=26000, help="generated per run")
    parser.add_argument("--stacks", type=int, default=STACKS, help="training stacks")
    parser.add_argument("--data-seed", type=int, default=0, help="of the training stacks")
    parser.add_argument("--out", default="docs/stacked_digits.json")
    parser.add_argument("--table", default="docs/stacked_digits_table.md")
    parser.add_argument("--grids", default="docs/stacked_digits", help="PNG folder (first seed)")
    parser.add_argument("--real-grid", default=None, help="only write 64 training stacks here")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.real_grid:
        from keras_gan.datasets import load_digits

        stacks, modes = make_stacks(*load_digits("train"), 64, args.data_seed)
        save_grid(stacks, args.real_grid)
        print("Modes, row by row:", " ".join(f"{m:03d}" for m in modes))
        return 0
    if args.one:
        arm, seed, grid = args.one.split(":", 2)
        result = run_one(
            arm, int(seed), args.steps, args.samples, args.stacks, args.data_seed, grid or None
        )
        print("RESULT " + json.dumps(result), flush=True)
        return 0
    for arm in args.arms:
        parse_arm(arm)
    os.makedirs(args.grids, exist_ok=True)
    plan = [{"arm": arm, "seed": seed} for seed in args.seeds for arm in args.arms]

    def run_child(run):
        grid = ""
        if run["seed"] == args.seeds[0]:
            grid = os.path.join(args.grids, run["arm"].replace("=", "_") + ".png")
        argv = [
            *("--steps", str(args.steps), "--samples", str(args.samples)),
            *("--stacks", str(args.stacks), "--data-seed", str(args.data_seed)),
            *("--one", f"{run['arm']}:{run['seed']}:{grid}"),
        ]
        return _common.child_result(__file__, argv, what=f"run {run['arm']}:{run['seed']}")

    results = _common.resumable_runs(
        args.out, plan, run_child, after_each=lambda done: write_table(done, args.table)
    )
    write_table(results, args.table)
    print(open(args.table).read(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
