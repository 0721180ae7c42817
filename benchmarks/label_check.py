"""The cost of ConditionalGAN's label check: the same small run with and without it.

Every training batch's labels are checked against `[0, num_classes)`: inside the step
on TensorFlow (`tf.debugging.Assert`) and PyTorch (a comparison on the host), and on
JAX by widening a `[lowest, highest]` record in the model's state that the GAN reads
when each epoch ends. The `unchecked` variant replaces `keras_gan.backend.check_labels`
with one that returns the labels untouched. Each round runs both variants, each in a
fresh process, in alternating order; the ratio is unchecked / checked images per
second, as the median over rounds with its per-round range and a 90% paired
bootstrap interval.

    KERAS_BACKEND=jax python benchmarks/label_check.py --rounds 7 --steps 400
"""

import argparse
import json
import statistics
import sys

import _common

VARIANTS = ("checked", "unchecked")
BATCH = 64
CLASSES = 10


def _models(seed):
    import keras

    from keras_gan import architectures

    noise = keras.Input((32,))
    labels = keras.Input((1,), dtype="int32")
    x = keras.layers.Concatenate()(
        [noise, keras.layers.Flatten()(keras.layers.Embedding(CLASSES, 16)(labels))]
    )
    x = keras.layers.Dense(128, activation="relu")(x)
    x = keras.layers.Dense(64, activation="tanh")(x)
    generator = keras.Model([noise, labels], keras.layers.Reshape((8, 8, 1))(x))
    discriminator = architectures.projection_discriminator(
        (8, 8, 1), CLASSES, width=16, seed=seed + 1
    )
    return generator, discriminator


def run_one(variant, steps, seed=0):
    """Images per second of `steps` timed training steps (after one warm-up epoch)."""
    import time

    import keras
    import numpy as np

    import keras_gan
    from keras_gan import backend

    if variant == "unchecked":
        backend.check_labels = lambda labels, num_classes, seen: labels
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    images = rng.uniform(-1, 1, (BATCH * steps, 8, 8, 1)).astype("float32")
    labels = rng.integers(0, CLASSES, len(images)).astype("int32")
    cgan = keras_gan.ConditionalGAN(*_models(seed), num_classes=CLASSES, seed=seed)
    cgan.compile(keras.optimizers.Adam(2e-4), keras.optimizers.Adam(2e-4))
    cgan.fit(images, labels, batch_size=BATCH, epochs=1, steps_per_epoch=10, verbose=0)
    start = time.perf_counter()
    history = cgan.fit(images, labels, batch_size=BATCH, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    assert np.isfinite(history.history["d_loss"][-1])
    return steps * BATCH / seconds


def summarize(rates):
    """Medians, the unchecked / checked ratio of medians, the per-round ratios' range
    and the ratio's 90% paired bootstrap interval, from `{variant: [img/s per round]}`."""
    per_round = [u / c for u, c in zip(rates["unchecked"], rates["checked"])]
    return {
        "rates": rates,
        "median": {v: statistics.median(r) for v, r in rates.items()},
        "ratio_unchecked_to_checked": (
            statistics.median(rates["unchecked"]) / statistics.median(rates["checked"])
        ),
        "per_round_ratio_range": [min(per_round), max(per_round)],
        "interval_90": _common.bootstrap_ratio(rates["unchecked"], rates["checked"]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=400, help="timed steps per process")
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument("--one", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print("RESULT " + json.dumps({"rate": run_one(args.one, args.steps)}), flush=True)
        return 0
    rates = {v: [] for v in VARIANTS}
    for round_ in range(args.rounds):
        order = VARIANTS if round_ % 2 == 0 else VARIANTS[::-1]
        for variant in order:
            result = _common.child_result(
                __file__,
                ["--one", variant, "--steps", str(args.steps)],
                what=f"the {variant} run",
                env_updates={"TF_CPP_MIN_LOG_LEVEL": "2"},
            )
            rates[variant].append(result["rate"])
            print(
                f"round {round_ + 1}/{args.rounds} {variant}: {rates[variant][-1]:.0f} img/s",
                flush=True,
            )
    result = summarize(rates)
    import keras

    result = {
        "backend": keras.config.backend(),
        "machine": _common.machine_info(),
        "steps": args.steps,
        "batch": BATCH,
        **result,
    }
    ratio, per_round = result["ratio_unchecked_to_checked"], result["per_round_ratio_range"]
    interval = result["interval_90"]
    text = f"[{interval[0]:.3f}, {interval[1]:.3f}]" if interval else "(one round: none)"
    print(
        f"{result['backend']}: checked {result['median']['checked']:.0f} img/s, unchecked "
        f"{result['median']['unchecked']:.0f} img/s; unchecked / checked = {ratio:.3f} "
        f"(rounds {per_round[0]:.3f}-{per_round[1]:.3f}, 90% interval {text})"
    )
    if args.json:
        _common.write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
