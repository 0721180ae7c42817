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
import subprocess
import sys
import time

ARMS = ("default", "diffaugment", "ada", "r1")
BATCH = 32
DRAWS = 3  # generated sets averaged per score


def _settings(arm, r1):
    """`compile` arguments of an arm: `+`-joined parts among `ARMS`.

    `diffaugment-color-translation` (any `-`-joined subset of DiffAugment's policy)
    chooses DiffAugment's transforms, `ada=0.8` ADA's target, `r1=2.0` R1's gamma
    (plain `r1` takes `--r1`).
    """
    settings = {"augment": None, "r1_penalty": 0.0}
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
                f"r1=GAMMA). Received: {arm!r}"
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


def run_one(fraction, arm, seed, steps, r1, grid_path):
    """Trains one arm in this process; returns its scores."""
    import keras
    import numpy as np

    import keras_gan
    from keras_gan import architectures
    from keras_gan import images as images_module
    from keras_gan.datasets import load_digits
    from keras_gan.metrics import quality_scores

    keras.utils.set_random_seed(seed)
    train, _ = load_digits("train")
    test, _ = load_digits("test")
    count = max(BATCH, int(round(fraction * len(train))))
    subset, _ = load_digits("train", max_samples=count)
    data = np.concatenate([subset] * -(-len(train) // len(subset)))[: len(train)]
    epochs = -(-steps // -(-len(train) // BATCH))
    generator = architectures.dcgan_generator((8, 8, 1), 32, width=32, seed=seed)
    discriminator = architectures.dcgan_discriminator((8, 8, 1), width=32, seed=seed + 1)
    gan = keras_gan.GAN(generator, discriminator, seed=seed, ema_decay=0.999)
    settings = _settings(arm, r1)
    settings["augment"] = _augmenter(settings["augment"], seed)
    gan.compile(
        keras.optimizers.Adam(5e-4, beta_1=0.5),
        keras.optimizers.Adam(1e-3, beta_1=0.5),
        **settings,
    )
    start = time.time()
    history = gan.fit(data, batch_size=BATCH, epochs=epochs, shuffle=True, verbose=0)
    seconds = time.time() - start
    classifier = architectures.digits_classifier(seed=0)
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
    return result


def write_table(results, path):
    import numpy as np

    groups = {}
    for r in results:
        groups.setdefault((r["fraction"], r["arm"]), []).append(r)
    baseline = [r["fd"] for r in results if r["fraction"] == 1.0 and r["arm"] == "default"]
    base_fd = float(np.mean(baseline)) if baseline else None
    lines = [
        "| data | arm | seeds | steps | FD (mean, min-max) | FD / default-100% FD | KID | "
        "classifier score | final p | s/run |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (fraction, arm), rows in sorted(groups.items(), key=lambda kv: (-kv[0][0], kv[0][1])):
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
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", required=True, help="FRACTION:ARM,... groups")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--steps", type=int, default=9000)
    parser.add_argument("--r1", type=float, default=0.5, help="R1 gamma of the r1 arm")
    parser.add_argument("--out", default="docs/little_data.json")
    parser.add_argument("--table", default="docs/little_data_table.md", help="markdown table")
    parser.add_argument("--grids", default="docs/little_data", help="PNG folder (first seed)")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        fraction, arm, seed, grid = args.one.split(":", 3)
        result = run_one(float(fraction), arm, int(seed), args.steps, args.r1, grid or None)
        print("RESULT " + json.dumps(result), flush=True)
        return 0
    results = []
    if os.path.exists(args.out):
        with open(args.out) as f:
            results = json.load(f)
    done = {(r["fraction"], r["arm"], r["seed"]) for r in results}
    os.makedirs(args.grids, exist_ok=True)
    plan = [
        (float(fraction), arm, seed)
        for seed in args.seeds
        for group in args.runs
        for fraction, arm in (item.split(":") for item in group.split(","))
    ]
    for fraction, arm, seed in plan:
        _settings(arm, args.r1)
        if (fraction, arm, seed) in done:
            continue
        grid = ""
        if seed == args.seeds[0]:
            grid = os.path.join(args.grids, f"{int(fraction * 100)}pct_{arm}.png")
        command = [
            sys.executable,
            __file__,
            "--runs",
            "x",
            "--steps",
            str(args.steps),
            "--r1",
            str(args.r1),
            "--one",
            f"{fraction}:{arm}:{seed}:{grid}",
        ]
        output = subprocess.run(command, capture_output=True, text=True)
        lines = [line for line in output.stdout.splitlines() if line.startswith("RESULT ")]
        if not lines:
            print(output.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"run {fraction}:{arm}:{seed} failed")
        result = json.loads(lines[-1][len("RESULT ") :])
        print(json.dumps(result), flush=True)
        results.append(result)
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)
        write_table(results, args.table)
    write_table(results, args.table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
