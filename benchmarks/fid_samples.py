"""FD against the number of samples: the bias that makes 10k- and 50k-sample FIDs differ.

The 1,797 bundled 8x8 digits are split at random into a fixed reference set (900
images) and a pool (the other 897). For each sample count n, FD compares n images drawn
from the pool (without replacement, `--seeds` draws) with the whole reference set:

- `real`: the pool's images as they are, the same distribution as the reference: the
  true FD is 0, and what is measured is the bias alone;
- `noisy`: the pool's images plus Gaussian noise (sigma `--noise`, clipped to [-1, 1]),
  a stand-in for a generator of fixed quality.

Features: the 64 pixels, and the 128 features of a small classifier trained on the
reference set (`keras_gan.architectures`). Each row gives the mean and standard
deviation of FD over the draws, and the last row the value at infinitely many samples
estimated by a least-squares line of FD against 1/n (Chong & Forsyth, 2020, "Effectively
Unbiased FID and Inception Score and where to find them", arXiv:1911.07023).

    python benchmarks/fid_samples.py
    python benchmarks/fid_samples.py --sizes 50,100,200,400,800 --seeds 10 --json out.json
"""

import argparse
import json
import sys

import numpy as np


def fd_curve(reference, pool, sizes, seeds, extractor=None):
    """`{n: [FD of n pool samples vs reference, one per seed]}` on `extractor`'s features."""
    from keras_gan.metrics import _features
    from keras_gan.metrics import _stats

    def features(x):
        return _features.outputs(extractor, x, batch_size=512, role="feature extractor")

    ref = features(reference)
    mu, sigma = ref.mean(axis=0), np.cov(ref, rowvar=False)
    root = _stats.sqrt_psd(sigma)
    pool_features = features(pool)
    curve = {}
    for n in sizes:
        values = []
        for seed in range(seeds):
            rows = np.random.default_rng(seed).choice(len(pool), n, replace=False)
            values.append(
                _stats.frechet_distance_to_samples(mu, sigma, pool_features[rows], sqrt_sigma1=root)
            )
        curve[n] = values
    return curve


def extrapolate(curve):
    """FD at n = infinity: the intercept of a least-squares line of FD against 1/n."""
    x = np.array([1.0 / n for n in curve for _ in curve[n]])
    y = np.array([v for n in curve for v in curve[n]])
    slope, intercept = np.polyfit(x, y, 1)
    return float(intercept), float(slope)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="25,50,100,200,400,800")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--noise", type=float, default=0.5)
    parser.add_argument("--features", default="pixels,classifier")
    parser.add_argument("--classifier-epochs", type=int, default=30)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    import keras

    from keras_gan import architectures
    from keras_gan.datasets import load_digits

    images, labels = load_digits("all")
    order = np.random.default_rng(0).permutation(len(images))
    reference, pool = images[order[:900]], images[order[900:]]
    rng = np.random.default_rng(1)
    noisy = np.clip(pool + rng.normal(0.0, args.noise, pool.shape), -1, 1).astype("float32")

    extractors = {}
    for name in args.features.split(","):
        if name == "pixels":
            extractors["64 pixels"] = None
        elif name == "classifier":
            classifier = architectures.train_classifier(
                reference, labels[order[:900]], epochs=args.classifier_epochs, seed=0
            )
            extractor = architectures.feature_extractor(classifier)
            extractors[f"{extractor.output_shape[-1]} classifier features"] = extractor
        else:
            parser.error(f"unknown feature set {name!r}")

    results = {"backend": keras.config.backend(), "sizes": sizes, "seeds": args.seeds}
    results["noise"] = args.noise
    results["curves"] = {}
    for feature_name, extractor in extractors.items():
        for label, samples in (("real", pool), ("noisy", noisy)):
            curve = fd_curve(reference, samples, sizes, args.seeds, extractor)
            infinite, slope = extrapolate(curve)
            key = f"{feature_name}, {label}"
            results["curves"][key] = {
                "fd": {str(n): v for n, v in curve.items()},
                "fd_infinity": infinite,
                "slope_per_inverse_n": slope,
            }
    print(f"FD of n pool images vs the 900 reference digits (mean +- sd over {args.seeds} draws)")
    keys = list(results["curves"])
    print("| n | " + " | ".join(keys) + " |")
    print("|---:|" + "---:|" * len(keys))
    for n in sizes:
        cells = []
        for key in keys:
            values = results["curves"][key]["fd"][str(n)]
            cells.append(f"{np.mean(values):.3f} +- {np.std(values):.3f}")
        print(f"| {n} | " + " | ".join(cells) + " |")
    cells = [f"{results['curves'][key]['fd_infinity']:.3f}" for key in keys]
    print("| inf (1/n fit) | " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
