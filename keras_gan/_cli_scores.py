"""The scores of `keras-gan train` and `keras-gan score`: features, per-epoch scoring and
the final report next to held-out real data.

Imported by `keras_gan.cli` after the arguments are read (it needs Keras).
"""

import math
import os
import time

import numpy as np

from keras_gan import architectures
from keras_gan import metrics
from keras_gan._distribute import gpu_visible
from keras_gan.metrics import _reference
from keras_gan.metrics import _stats
from keras_gan.metrics import fid_inception

#: Generated sets averaged in the final scores.
DRAWS = 5
#: The scores compare with at most this many training images (the first ones): it
#: bounds the cached reference statistics and the nearest-neighbour cost.
REFERENCE_IMAGES = 5000
#: Generated samples per set in the final report (and held-out images) at most.
REPORT_SAMPLES = 2000
#: End-of-epoch scoring: at most this many evaluations a run, of at most this many
#: samples, with this many KID subsets (the final report uses 100).
EPOCH_EVALUATIONS = 5
EPOCH_SAMPLES = 500
EPOCH_KID_SUBSETS = 10
#: Held-out images (so samples per scored set) below which the report is mostly noise:
#: a share such as precision, coverage or memorization measured on n samples is off by
#: up to 0.5 / sqrt(n) (one standard error), 0.05 at 100, and the k-NN balls, of 3
#: and 5 neighbours, need sets many times that size to trace a distribution.
MIN_REPORT_SAMPLES = 100
#: `--features auto` on a CPU picks Inception-v3 when its weights are already in Keras'
#: cache and its features of the scored images take at most this long at
#: `CPU_INCEPTION_IMAGES_PER_SECOND` (Keras' InceptionV3 on 2 loaded cores).
AUTO_INCEPTION_SECONDS = 600
CPU_INCEPTION_IMAGES_PER_SECOND = 5.8
#: Keras' Inception-v3 ImageNet weights without the top, in `~/.keras/models`.
INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
#: The report's columns: header and key in the score dicts.
COLUMNS = (
    ("FD", "fd"),
    ("KID", "kid"),
    ("precision", "precision"),
    ("recall", "recall"),
    ("density", "density"),
    ("coverage", "coverage"),
    ("memorized", "memorization"),
)
#: The trivial image sets scored beside held-out real data: `scores.json` key and row name.
BASELINES = (
    ("uniform_noise", "uniform noise"),
    ("mid_grey", "flat mid-grey"),
    ("mean_image", "mean image"),
)
#: Scores that read better when lower; the others (shares, density, classifier score)
#: read better, or closer to the training data, when higher.
LOWER_IS_BETTER = ("fd", "kid")


def inception_weights_at_hand():
    """The path of Keras' Inception-v3 weights when they are in its cache, else `None`."""
    path = fid_inception.weights_cache_path(INCEPTION_WEIGHTS_FILE)
    return path if os.path.isfile(path) else None


def feature_models(
    choice,
    images,
    labels,
    *,
    quiet,
    dataset,
    fid_weights=None,
    fid_resize="legacy_tensorflow",
    scored_images=None,
):
    """Returns `(feature_extractor, classifier, description)` for `--features choice`.

    `auto`: the classifier for data with 2 or more classes; else Inception-v3 with a
    GPU, or on a CPU when its weights are in Keras' cache and the `scored_images` (the
    images the features are computed of; `None`: unknown) take at most
    `AUTO_INCEPTION_SECONDS`; else pixels.
    """
    image_shape = images.shape[1:]
    inception_weights = "imagenet"
    if choice == "fid-inception":
        weights = fid_inception.WEIGHTS_URL if fid_weights is None else fid_weights
        extractor = metrics.fid_inception_extractor(weights, resize=fid_resize)
        return extractor, None, extractor.description
    classes = len(np.unique(labels))
    if choice == "auto":
        if classes > 1:
            choice = "classifier"
        elif gpu_visible():
            choice = "inception"
        elif _inception_fits_on_cpu(scored_images):
            choice, inception_weights = "inception", inception_weights_at_hand()
            if not quiet:
                minutes = scored_images / CPU_INCEPTION_IMAGES_PER_SECOND / 60
                print(
                    f"Inception-v3 weights found in {inception_weights}: scoring on its "
                    f"features ({scored_images} images, about {minutes:.0f} min on a CPU).",
                    flush=True,
                )
        else:
            choice = "pixels"
        fallback = True
    else:
        fallback = False
    if choice == "classifier":
        if classes < 2:
            raise ValueError(
                "Expected 2 or more classes (class subfolders) for --features classifier. "
                f"Received: {classes} class in {dataset}"
            )
        if not quiet:
            print(f"Training the {dataset} classifier for the scores...", flush=True)
        epochs = 30 if len(images) < 5000 else 3
        classifier = architectures.train_classifier(images, labels, epochs=epochs, seed=0)
        return architectures.feature_extractor(classifier), classifier, "classifier features"
    if choice == "inception":
        try:
            extractor = metrics.inception_feature_extractor(image_shape, weights=inception_weights)
        except Exception as e:
            if not fallback:
                raise ValueError(
                    "Expected Inception-v3 ImageNet weights (Keras downloads them to "
                    "~/.keras/models on first use). Received: "
                    f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e) else ''}"
                ) from e
            if not quiet:
                print("Inception-v3 weights unavailable: scoring on pixels.", flush=True)
        else:
            return extractor, None, "Inception-v3 features"
    extractor = metrics.pixel_feature_extractor(image_shape)
    return extractor, None, f"{extractor.output_shape[-1]} pixel features"


def _inception_fits_on_cpu(scored_images):
    """Whether Inception-v3's weights are at hand and `scored_images` take only minutes."""
    if scored_images is None or inception_weights_at_hand() is None:
        return False
    return scored_images / CPU_INCEPTION_IMAGES_PER_SECOND <= AUTO_INCEPTION_SECONDS


class EpochQuality(metrics.GANQuality):
    """`GANQuality` that prints each evaluation (scores and seconds) unless quiet."""

    def __init__(self, *args, quiet, **kwargs):
        super().__init__(*args, **kwargs)
        self.quiet = quiet
        self.seconds = 0.0

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        start = time.perf_counter()
        super().on_epoch_end(epoch, logs)
        seconds = time.perf_counter() - start
        self.seconds += seconds
        if not self.quiet:
            shown = "  ".join(f"{key} {value:.4g}" for key, value in self.last_scores.items())
            print(f"  scores after epoch {epoch + 1} ({seconds:.1f} s): {shown}", flush=True)


class Judge:
    """The scores against a dataset's training split: at the end of some epochs, and
    in the final report next to held-out real data.

    `--features` picks the features (`feature_models`). The real statistics are
    computed once (cached under `cache_dir` when given). Generated sets in the final
    report have as many samples as the held-out images, so both rows of the report have
    the same sample-size bias.
    """

    def __init__(
        self,
        dataset,
        features,
        train,
        test_images,
        *,
        quiet=False,
        epochs=1,
        cache_dir=None,
        fid_weights=None,
        fid_resize="legacy_tensorflow",
        reference_stats=None,
    ):
        self.dataset = dataset
        self.train_images, train_labels = train
        self.test_images = test_images[:REPORT_SAMPLES]
        self.reference_stats = reference_stats
        self._stats = (
            None if reference_stats is None else _reference.load_statistics(reference_stats)
        )
        extractor, classifier, self.features = feature_models(
            features,
            self.train_images,
            train_labels,
            quiet=quiet,
            dataset=dataset,
            fid_weights=fid_weights,
            fid_resize=fid_resize,
            # the reference, the generated draws, held-out images and the noise baseline
            scored_images=min(len(self.train_images), REFERENCE_IMAGES)
            + (DRAWS + 2) * self.num_samples,
        )
        self.quality = EpochQuality(
            self.train_images[:REFERENCE_IMAGES],
            extractor,
            classifier,
            num_samples=min(EPOCH_SAMPLES, self.num_samples),
            every_n_epochs=math.ceil(epochs / EPOCH_EVALUATIONS),
            kid_subsets=EPOCH_KID_SUBSETS,
            cache_dir=cache_dir,
            quiet=quiet,
        )
        if self._stats is not None:  # fails before training, not after
            size = self.quality.features(self.train_images[:2]).shape[1]
            if size != self._stats[0].shape[0]:
                raise ValueError(
                    f"Expected reference statistics of the {size} features of "
                    f"{self.features}. Received: {reference_stats!r}, of "
                    f"{self._stats[0].shape[0]} features"
                )

    @property
    def num_samples(self):
        return max(4, len(self.test_images))  # the k-NN scores need more than k=3

    def report(self, generate):
        """Prints and returns the scores of `generate(n, seed)`, of held-out data and of
        trivial image sets (`baseline_images`).

        The generated scores are the mean over `DRAWS` sets of samples. A score on which
        a trivial set does as well as held-out real data (`unsupported_scores`) is
        printed as `n/s` in the generated row: these features cannot tell it.
        """
        start = time.perf_counter()
        self.quality.kid_subsets = 100
        samples = [generate(self.num_samples, 1000 + i) for i in range(DRAWS)]
        features = [self.quality.features(s) for s in samples]
        draws = [self.quality.scores(s, features=f) for s, f in zip(samples, features, strict=True)]
        held_out_features = self.quality.features(self.test_images)
        generated = {key: float(np.mean([d[key] for d in draws])) for key in draws[0]}
        held_out = self.quality.scores(self.test_images, features=held_out_features)
        baselines = {}
        for key, images in baseline_images(self.train_images, self.num_samples).items():
            baselines[key] = self.quality.scores(images, features=self._baseline_features(images))
        unsupported = unsupported_scores(held_out, baselines, self.num_samples)
        reference = len(self.quality.real_samples)
        results = {
            "generated": generated,
            "generated_draws": draws,
            "held_out_real": held_out,
            "baselines": baselines,
            "unsupported_scores": unsupported,
            "features": self.features,
            "protocol": f"{self.features}, {self.num_samples} generated vs {reference} reference",
            "reference_images": reference,
        }
        print(
            f"\nScores against {reference} {self.dataset} training images ({self.features}); "
            f"generated: mean of {DRAWS} sets of {self.num_samples} samples, as many as the "
            "held-out real images and the trivial sets below them:"
        )
        header = "".join(f"{c:>11s}" for c, _ in COLUMNS) + f"{'classifier score':>18s}"
        print(f"  {'':15s}{header}")
        rows = [("generated", generated), ("held-out real", held_out)]
        rows += [(name, baselines[key]) for key, name in BASELINES]
        for label, row in rows:
            shown_unsupported = unsupported if label == "generated" else {}
            values = "".join(
                _cell(row.get(key), key, 11, key in shown_unsupported)
                for key in [key for _, key in COLUMNS] + ["classifier_score"]
            )
            print(f"  {label:15s}{values}")
        if unsupported:
            print(
                f"  n/s: not supported by {self.features}: a trivial image set scores as well "
                "as held-out real data\n  (within one standard error of a share, "
                f"{0.5 / math.sqrt(self.num_samples):.3f}), so the generator's value there "
                "means nothing:\n"
                + "\n".join(f"    {key}: {reason}" for key, reason in unsupported.items())
            )
        if self.reference_stats is not None:
            results["reference_stats"] = self._reference_stats_fd(features, held_out_features)
        results["report_seconds"] = round(time.perf_counter() - start, 3)
        return results

    def _baseline_features(self, images):
        """Features of a trivial set: of one image, repeated, when all are equal."""
        if (images == images[:1]).all():
            return np.repeat(self.quality.features(images[:1]), len(images), axis=0)
        return self.quality.features(images)

    def _reference_stats_fd(self, features, held_out_features):
        """FD of the generated sets and of the held-out images against `reference_stats`."""
        stats, (mu, sigma) = self.reference_stats, self._stats
        fds = [_stats.frechet_distance_to_samples(mu, sigma, f) for f in features]
        held_out = _stats.frechet_distance_to_samples(mu, sigma, held_out_features)
        print(
            f"FD against {stats} ({self.features}, {self.num_samples} samples): generated "
            f"{np.mean(fds):.4f}, held-out real {held_out:.4f}"
        )
        return {
            "file": stats,
            "fd_generated": float(np.mean(fds)),
            "fd_generated_draws": [float(v) for v in fds],
            "fd_held_out_real": float(held_out),
            "samples": self.num_samples,
        }


def _cell(value, key, width, unsupported):
    """One cell of the report: `-` for a missing score, `n/s` for an unsupported one."""
    if key == "classifier_score":
        width = 18
    if value is None:
        return f"{'-':>{width}s}"
    if unsupported:
        return f"{'n/s':>{width}s}"
    digits = 4 if key in LOWER_IS_BETTER else 3
    return f"{value:{width}.{digits}f}"


def baseline_images(train_images, n, seed=0):
    """The trivial image sets a report scores beside the generator, `n` images each.

    Uniform noise in [-1, 1], flat mid-grey (0) and the mean of the first
    `REFERENCE_IMAGES` training images repeated: no generator worth training is as
    good as held-out real data and no better than these.
    """
    shape = (n, *train_images.shape[1:])
    mean = np.mean(train_images[:REFERENCE_IMAGES], axis=0, dtype="float64")
    images = {
        "uniform_noise": np.random.default_rng(seed).uniform(-1.0, 1.0, shape),
        "mid_grey": np.zeros(shape),
        "mean_image": np.broadcast_to(mean, shape),
    }
    return {key: value.astype("float32") for key, value in images.items()}


def unsupported_scores(held_out, baselines, n) -> dict:
    """The scores on which a trivial set does as well as held-out real data.

    FD and KID: a trivial set at or below held-out real. Precision, recall, density,
    coverage, memorization and classifier score: a trivial set at or above held-out
    real, less one standard error of a share of `n` samples at most (`0.5 / sqrt(n)`;
    none for the classifier score).

    Returns:
        `{key: "name value vs held-out real value"}` for each such score, in the
        held-out scores' order.
    """
    margin = 0.5 / math.sqrt(n)
    unsupported = {}
    for key, real in held_out.items():
        for name, row in baselines.items():
            value = row[key]
            if key in LOWER_IS_BETTER:
                matched = value <= real
            else:
                matched = value >= real - (0.0 if key == "classifier_score" else margin)
            if matched:
                name = dict(BASELINES).get(name, name)
                unsupported[key] = f"{name} {value:.3g} vs held-out real {real:.3g}"
                break
    return unsupported
