"""Cost of the generator EMA (`GAN(..., ema_decay=0.999)`) per training step.

Times `GAN.fit` on the TF DCGAN tutorial's models (batch 64, synthetic data) with and
without the EMA, interleaved in rounds; prints the median images/second of each and
their ratio. Usage: `python benchmarks/ema_overhead.py [--steps 32] [--repeats 5]`.
"""

import argparse
import statistics
import time

import _common


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)

    import keras

    import keras_gan

    data = _common.synthetic_images(args.steps * args.batch_size)
    gans = {}
    for name, decay in (("no EMA", None), ("ema_decay=0.999", 0.999)):
        generator, discriminator = _common.dcgan_28()
        gan = keras_gan.GAN(generator, discriminator, seed=0, ema_decay=decay)
        gan.compile(keras.optimizers.Adam(2e-4), keras.optimizers.Adam(2e-4))
        gan.fit(data[: 2 * args.batch_size], batch_size=args.batch_size, verbose=0)  # warm-up
        gans[name] = gan

    rates = {name: [] for name in gans}
    for round_index in range(args.repeats):
        for name, gan in gans.items():
            start = time.perf_counter()
            gan.fit(data, batch_size=args.batch_size, epochs=1, verbose=0, shuffle=False)
            rates[name].append(len(data) / (time.perf_counter() - start))
        print(
            f"round {round_index + 1}/{args.repeats} (load {_common.loadavg()[0]}): "
            + ", ".join(f"{name} {r[-1]:.0f} img/s" for name, r in rates.items()),
            flush=True,
        )
    medians = {name: statistics.median(r) for name, r in rates.items()}
    ratio = medians["ema_decay=0.999"] / medians["no EMA"]
    for name, value in medians.items():
        print(f"{name}: {value:.1f} img/s (median of {args.repeats})")
    print(f"EMA / no EMA: {ratio:.3f} ({(1 - ratio) * 100:+.1f}% slower)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
