"""The scores of `keras-gan train` and `keras-gan score`: features, per-epoch scoring and
the final report next to held-out real data.

Imported by `keras_gan.cli` after the arguments are read (it needs Keras).
"""

import math
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


def feature_models(
    choice, images, labels, *, quiet, dataset, fid_weights=None, fid_resize="legacy_tensorflow"
):
    """Returns `(feature_extractor, classifier, description)` for `--features choice`."""
    image_shape = images.shape[1:]
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
            extractor = metrics.inception_feature_extractor(image_shape)
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
        """Prints and returns the scores of `generate(n, seed)` and of held-out data.

        The generated scores are the mean over `DRAWS` sets of samples.
        """
        start = time.perf_counter()
        self.quality.kid_subsets = 100
        samples = [generate(self.num_samples, 1000 + i) for i in range(DRAWS)]
        features = [self.quality.features(s) for s in samples]
        draws = [self.quality.scores(s, features=f) for s, f in zip(samples, features, strict=True)]
        held_out_features = self.quality.features(self.test_images)
        generated = {key: float(np.mean([d[key] for d in draws])) for key in draws[0]}
        reference = len(self.quality.real_samples)
        results = {
            "generated": generated,
            "generated_draws": draws,
            "held_out_real": self.quality.scores(self.test_images, features=held_out_features),
            "features": self.features,
            "protocol": f"{self.features}, {self.num_samples} generated vs {reference} reference",
            "reference_images": reference,
        }
        print(
            f"\nScores against {reference} {self.dataset} training images ({self.features}); "
            f"generated: mean of {DRAWS} sets of {self.num_samples} samples, as many as the "
            "held-out real images:"
        )
        columns = ("FD", "KID", "precision", "recall", "density", "coverage", "memorized")
        keys = ("fd", "kid", "precision", "recall", "density", "coverage", "memorization")
        print(f"  {'':15s}" + "".join(f"{c:>11s}" for c in columns) + f"{'classifier score':>18s}")
        for label, row in (("generated", generated), ("held-out real", results["held_out_real"])):
            score = row.get("classifier_score")
            shown = f"{score:18.3f}" if score is not None else f"{'-':>18s}"
            values = f"{row['fd']:11.4f}{row['kid']:11.4f}" + "".join(
                f"{row[key]:11.3f}" for key in keys[2:]
            )
            print(f"  {label:15s}{values}{shown}")
        if self.reference_stats is not None:
            results["reference_stats"] = self._reference_stats_fd(features, held_out_features)
        results["report_seconds"] = round(time.perf_counter() - start, 3)
        return results

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
