"""What a training step of each recipe costs: `recipes.r3gan` against `recipes.dcgan`.

For each image shape, each recipe trains `--steps` timed steps (after `--warmup`
steps that include compilation) on synthetic images in a fresh process, batch 32,
with the callbacks it returns; rounds interleave the recipes, so that slow and fast
moments of a shared machine fall on both. Prints images/s per recipe (median and
range over rounds) and the ratio r3gan / dcgan with a 90% bootstrap interval, and
writes them to `--out`:

    KERAS_BACKEND=jax python benchmarks/recipe_cost.py --shapes 8x8x3 32x32x3 --rounds 3
"""

import argparse
import json
import sys
import time

import _common

RECIPES = ("dcgan", "r3gan")
BATCH = 32


def run_one(recipe, shape, steps, warmup):
    """Trains `recipe` on synthetic images of `shape`; returns images/s of the timed steps."""
    import numpy as np

    from keras_gan import recipes

    total = (steps + warmup) * BATCH
    gan, callbacks = recipes.get(recipe)(shape, total_images=total, seed=0)
    images = np.random.default_rng(0).uniform(-1, 1, (total, *shape)).astype("float32")
    gan.fit(images[: warmup * BATCH], batch_size=BATCH, epochs=1, verbose=0, callbacks=callbacks)
    start = time.perf_counter()
    gan.fit(images[warmup * BATCH :], batch_size=BATCH, epochs=1, verbose=0, callbacks=callbacks)
    return steps * BATCH / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="+", default=["8x8x3", "32x32x3"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--out", default="docs/recipe_cost.json")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        recipe, text = args.one.split(":")
        shape = tuple(int(n) for n in text.split("x"))
        rate = run_one(recipe, shape, args.steps, args.warmup)
        print("RESULT " + json.dumps({"images_per_second": rate}), flush=True)
        return 0
    payload = {"machine": _common.machine_info(), "steps": args.steps, "shapes": {}}
    rows = []
    for text in args.shapes:
        rates = {recipe: [] for recipe in RECIPES}
        for _ in range(args.rounds):
            for recipe in RECIPES:
                result = _common.child_result(
                    __file__,
                    ["--steps", str(args.steps), "--warmup", str(args.warmup)]
                    + ["--one", f"{recipe}:{text}"],
                    what=f"{recipe} at {text}",
                )
                rates[recipe].append(result["images_per_second"])
        summary = {recipe: _common.summarize(rates[recipe]) for recipe in RECIPES}
        ratio = summary["r3gan"]["median"] / summary["dcgan"]["median"]
        interval = _common.bootstrap_ratio(rates["r3gan"], rates["dcgan"])
        payload["shapes"][text] = {"rates": rates, "ratio": ratio, "interval": interval}
        for recipe in RECIPES:
            s = summary[recipe]
            rows.append([text, recipe, f"{s['median']:.0f} ({s['worst']:.0f}-{s['best']:.0f})", ""])
        span = "" if interval is None else f" [{interval[0]:.3f}, {interval[1]:.3f}]"
        rows[-1][-1] = f"{ratio:.3f}{span}"
        _common.write_json(args.out, payload)
    print(_common.format_table(["shape", "recipe", "img/s median (range)", "r3gan/dcgan"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
