"""What scoring costs in `keras-gan train`: with and without end-of-epoch scoring.

Each round runs `keras-gan train ARGS` twice in fresh processes, interleaved so that a
shared machine slows both alike: as is (`scored`), and with the end-of-epoch
evaluations switched off (`unscored`; the final report still runs). It reads each run's
`scores.json`: `seconds` (the whole `fit`, callbacks included), `epoch_scoring_seconds`
(the end-of-epoch evaluations) and `report_seconds` (the final report), and prints the
medians over rounds with their spread.

With `--folder N`, it first writes N synthetic 64x64 RGB PNG images (coloured discs and
bars on a gradient, no class subfolders) to a temporary folder and trains on it with
`--dataset FOLDER --image-size 64`.

    python benchmarks/scoring_cost.py --rounds 3 -- --epochs 6
    python benchmarks/scoring_cost.py --rounds 3 --folder 200 -- --epochs 2
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

_CHILD = """
import sys
from keras_gan import cli
if sys.argv[1] == "unscored":
    from keras_gan import _cli_scores
    _cli_scores.EpochQuality.on_epoch_end = lambda self, epoch, logs=None: None
sys.exit(cli.main(sys.argv[2:]))
"""


def write_folder(path, n, *, side=64, seed=0):
    """Writes `n` synthetic RGB PNG images of `side` pixels to `path`."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side, 0:side] / side
    for i in range(n):
        base = rng.uniform(0, 255, 3)
        slope = rng.uniform(-120, 120, 3)
        image = base + slope * (x if i % 2 else y)[..., None]
        cy, cx, r = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.1, 0.3)
        image[(y - cy) ** 2 + (x - cx) ** 2 < r**2] = rng.uniform(0, 255, 3)
        row = rng.integers(0, side - 8)
        image[row : row + rng.integers(2, 8)] = rng.uniform(0, 255, 3)
        Image.fromarray(np.clip(image, 0, 255).astype("uint8")).save(
            os.path.join(path, f"image_{i:05d}.png")
        )


def run(variant, train_argv, output_dir, name):
    argv = ["train", *train_argv, "--quiet", "--output-dir", output_dir, "--name", name]
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", _CHILD, variant, *argv], check=True)
    wall = time.perf_counter() - start
    with open(os.path.join(output_dir, name, "scores.json")) as f:
        scores = json.load(f)
    return {
        "wall": wall,
        "fit": scores["seconds"],
        "epoch_scoring": scores["epoch_scoring_seconds"],
        "report": scores["report_seconds"],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--folder", type=int, default=0, help="synthetic 64x64 images")
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument("train_argv", nargs="*", help="after --: arguments of keras-gan train")
    args = parser.parse_args(argv)
    results = {"scored": [], "unscored": []}
    with tempfile.TemporaryDirectory() as tmp:
        train_argv = list(args.train_argv)
        if args.folder:
            folder = os.path.join(tmp, "images")
            os.makedirs(folder)
            write_folder(folder, args.folder)
            train_argv += ["--dataset", folder, "--image-size", "64"]
        runs = os.path.join(tmp, "runs")
        for i in range(args.rounds):
            for variant in results:
                results[variant].append(run(variant, train_argv, runs, f"{variant}-{i}"))
                print(variant, i, results[variant][-1], os.getloadavg(), flush=True)
    print(f"keras-gan train {' '.join(train_argv)}: medians of {args.rounds} rounds [min, max]")
    for variant, rows in results.items():
        shown = "  ".join(
            f"{key} {statistics.median(r[key] for r in rows):.1f} s "
            f"[{min(r[key] for r in rows):.1f}, {max(r[key] for r in rows):.1f}]"
            for key in rows[0]
        )
        print(f"  {variant:9s} {shown}")
    scored = statistics.median(r["fit"] for r in results["scored"])
    unscored = statistics.median(r["fit"] for r in results["unscored"])
    print(f"  fit time with / without end-of-epoch scoring: {scored / unscored:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"argv": train_argv, "rounds": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
