"""Memory check: a GAN's resident memory stays flat over many epochs of `fit`.

Trains the throughput benchmark's DCGAN (the TensorFlow tutorial's 28x28 pair) with
`GAN.fit` on random images for `--epochs` epochs in one `fit` call, reads the process's
resident set size (RSS) at the end of every epoch, and compares the RSS after `--early`
epochs with the RSS at the end. Passes when the end is within `--tolerance` (5%) of the
early value, i.e. nothing grows per epoch (no retracing, no accumulating history or
tensors). Also prints the growth per epoch fitted over the epochs after `--early`, and the peak RSS.

    python benchmarks/memory.py                    # 50 epochs, the current backend
    python benchmarks/memory.py --backend all      # TensorFlow, JAX and PyTorch

Exit status 1 when the check fails.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=50, help="epochs in all (50)")
    parser.add_argument("--early", type=int, default=5, help="the reference epoch (5)")
    parser.add_argument("--steps-per-epoch", type=int, default=10, help="steps per epoch (10)")
    parser.add_argument("--batch-size", type=int, default=64, help="images per step (64)")
    parser.add_argument("--tolerance", type=float, default=0.05, help="allowed growth (0.05)")
    parser.add_argument("--update", choices=("alternating", "simultaneous"), default="alternating")
    parser.add_argument("--backend", default=None, help="tensorflow | jax | torch | all")
    parser.add_argument(
        "--torch-threads", type=int, default=0, help="torch.set_num_threads (0: torch's)"
    )
    parser.add_argument("--tiny", action="store_true", help="a few short epochs (tests)")
    parser.add_argument("--json", metavar="OUT", help="write the results as JSON to OUT")
    args = parser.parse_args(argv)
    if args.tiny:
        args.epochs, args.early = min(args.epochs, 4), min(args.early, 2)
        args.steps_per_epoch, args.batch_size = min(args.steps_per_epoch, 2), 8
    if not 1 <= args.early < args.epochs:
        parser.error(f"Expected 1 <= --early < --epochs. Received: {args.early}, {args.epochs}")
    return args


def measure(args):
    import keras
    import numpy as np

    import keras_gan

    keras.utils.set_random_seed(0)
    generator, discriminator = _common.dcgan_28(
        **(_common.SMALL_DCGAN if args.tiny else _common.FULL_DCGAN)
    )
    gan = keras_gan.GAN(generator, discriminator, seed=0)
    gan.compile(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4), update=args.update)
    images = _common.synthetic_images(args.steps_per_epoch * args.batch_size)

    rss = []

    class RecordRSS(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            rss.append(_common.rss_mb())
            if (epoch + 1) % 10 == 0 or epoch + 1 in (1, args.early, args.epochs):
                print(
                    f"  epoch {epoch + 1}/{args.epochs}: RSS {rss[-1]:.1f} MiB, "
                    f"d_loss {logs['d_loss']:.3f}",
                    flush=True,
                )

    print(
        f"{keras.config.backend()} | {args.epochs} epochs x {args.steps_per_epoch} steps, "
        f"batch {args.batch_size}, update={args.update} | load {_common.loadavg()}",
        flush=True,
    )
    rss_before = _common.rss_mb()
    start = time.perf_counter()
    gan.fit(
        images, batch_size=args.batch_size, epochs=args.epochs, verbose=0, callbacks=[RecordRSS()]
    )
    seconds = time.perf_counter() - start

    early, end = rss[args.early - 1], rss[-1]
    later = np.arange(args.early, args.epochs)
    slope = float(np.polyfit(later, rss[args.early - 1 :][1:], 1)[0]) if len(later) > 1 else 0.0
    ratio = end / early
    return {
        "backend": keras.config.backend(),
        "config": vars(args),
        "rss_before_fit_mb": round(rss_before, 1),
        "rss_per_epoch_mb": [round(x, 1) for x in rss],
        "rss_early_mb": round(early, 1),
        "rss_end_mb": round(end, 1),
        "ratio": round(ratio, 4),
        "growth_mb_per_epoch": round(slope, 3),
        "peak_rss_mb": round(_common.peak_rss_mb(), 1),
        "passed": ratio <= 1 + args.tolerance,
        "seconds": round(seconds, 1),
        "loadavg_end": _common.loadavg(),
    }


def report(result, tolerance):
    verdict = "PASS" if result["passed"] else "FAIL"
    print(
        f"{result['backend']}: RSS after epoch {result['config']['early']} "
        f"{result['rss_early_mb']:.1f} MiB, after epoch {result['config']['epochs']} "
        f"{result['rss_end_mb']:.1f} MiB, ratio {result['ratio']:.3f} "
        f"(limit {1 + tolerance:.2f}) {verdict}; growth {result['growth_mb_per_epoch']:+.3f} "
        f"MiB/epoch; peak RSS {result['peak_rss_mb']:.1f} MiB; fit {result['seconds']:.0f} s",
        flush=True,
    )


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.backend == "all" or not _common.select_backend(args.backend):
        import json
        import tempfile

        backends = _common.BACKENDS if args.backend == "all" else (args.backend,)
        child_argv = _common.strip_option(_common.strip_option(argv, "--backend"), "--json")
        results = []
        with tempfile.TemporaryDirectory() as tmp:
            for backend in backends:
                out = os.path.join(tmp, f"{backend}.json")
                _common.run_child(
                    os.path.abspath(__file__),
                    [*child_argv, "--json", out],
                    {"KERAS_BACKEND": backend},
                    f"[{backend}]",
                )
                if os.path.exists(out):
                    with open(out) as f:
                        results += json.load(f)["results"]
                else:
                    results.append({"backend": backend, "passed": False, "error": "failed"})
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        _common.set_torch_threads(args.torch_threads)
        results = [measure(args)]
    print()
    for result in results:
        if "error" in result:
            print(f"{result['backend']}: {result['error']}")
        else:
            report(result, args.tolerance)
    if args.json:
        _common.write_json(args.json, {"results": results})
        print(f"wrote {args.json}")
    return 0 if all(r["passed"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
