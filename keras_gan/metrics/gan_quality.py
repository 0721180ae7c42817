"""`GANQuality` and `quality_scores`: FD, KID, precision/recall, density/coverage,
memorization and classifier score, in the epoch logs every N epochs."""

import os

import keras
import numpy as np

from keras_gan import _distribute
from keras_gan import checks
from keras_gan.metrics import _features
from keras_gan.metrics import _reference
from keras_gan.metrics import _stats
from keras_gan.metrics.classifier_score import ClassifierScore


def quality_scores(
    real,
    generated,
    *,
    feature_extractor=None,
    classifier=None,
    from_logits: bool = False,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    k: int = 3,
    density_k: int = 5,
    seed: int = 0,
    batch_size: int = 256,
    reference_stats=None,
) -> dict:
    """Returns FD, KID, precision, recall, density, coverage and memorization.

    FD as `FrechetDistance`, KID as `KernelDistance` and the rest as
    `manifold_scores`, all on the same features. With `reference_stats` instead of
    `real` (published statistics of a dataset), only FD.

    Args:
        real: real samples, `(n, ...)`, n > `density_k`; `None` with `reference_stats`.
        generated: generated samples, `(m, ...)`, m > `k`.
        feature_extractor: model or callable mapping samples to `(batch, d)` features;
            `None` uses the flattened samples. Defaults to `None`.
        classifier: model or callable giving class probabilities (logits with
            `from_logits=True`); `None` leaves `"classifier_score"` out. Defaults to `None`.
        from_logits: whether `classifier` outputs logits. Defaults to `False`.
        kid_subsets: KID subsets. Defaults to `100`.
        kid_subset_size: KID subset size, >= 2 (capped by the sample counts). Defaults to
            `1000`.
        k: neighbour of the precision and recall radii. Defaults to `3`.
        density_k: neighbour of the density and coverage radii. Defaults to `5`.
        seed: seed of the KID subsets. Defaults to `0`.
        batch_size: samples per model call. Defaults to `256`.
        reference_stats: instead of `real`, the path of an `.npz` file with the mean
            `mu` and covariance `sigma` of the real features (the format of published
            FID statistics; they must come from the same `feature_extractor` and
            protocol, e.g. `fid_inception_extractor`). Defaults to `None`.

    Returns:
        A dict of floats with keys `"fd"`, `"kid"`, `"precision"`, `"recall"`,
        `"density"`, `"coverage"`, `"memorization"` (only `"fd"` with
        `reference_stats`) and, with a classifier, `"classifier_score"` (of `generated`).

    Example:
    ```python
    scores = keras_gan.metrics.quality_scores(
        real_images, gan.generate(1000),
        feature_extractor=keras_gan.metrics.inception_feature_extractor())
    ```
    """
    feature_extractor = checks.check_callable(feature_extractor, "feature_extractor")
    k = checks.check_positive_int(k, "k")
    density_k = checks.check_positive_int(density_k, "density_k")
    kid_subsets = checks.check_positive_int(kid_subsets, "kid_subsets")
    kid_subset_size = checks.check_kid_subset_size(kid_subset_size, "kid_subset_size")
    if (real is None) == (reference_stats is None):
        raise ValueError(
            "Expected either `real` samples or `reference_stats`. Received: "
            f"{'both' if real is not None else 'neither'}"
        )
    if reference_stats is not None:
        mu, sigma = _reference.load_statistics(reference_stats)
        generated_features = _features.outputs(
            feature_extractor, generated, batch_size=batch_size, role="feature extractor"
        )
        if generated_features is None or generated_features.shape[1] != mu.shape[0]:
            raise ValueError(
                f"Expected generated features of the size of the reference statistics, "
                f"{mu.shape[0]}. Received: "
                f"{None if generated_features is None else generated_features.shape[1]}"
            )
        scores = {"fd": _stats.frechet_distance_to_samples(mu, sigma, generated_features)}
        _add_classifier_score(scores, classifier, from_logits, batch_size, generated)
        return scores
    reference = _reference.Reference(
        _features.outputs(feature_extractor, real, batch_size=batch_size, role="feature extractor"),
        k=k,
        density_k=density_k,
    )
    generated_features = _features.outputs(
        feature_extractor, generated, batch_size=batch_size, role="feature extractor"
    )
    scores = reference.scores(
        generated_features, kid_subsets=kid_subsets, kid_subset_size=kid_subset_size, seed=seed
    )
    _add_classifier_score(scores, classifier, from_logits, batch_size, generated)
    return scores


def _add_classifier_score(scores, classifier, from_logits, batch_size, generated):
    if classifier is not None:
        score = ClassifierScore(classifier, from_logits=from_logits, batch_size=batch_size)
        score.update_state(None, generated)
        scores["classifier_score"] = score.result()


class GANQuality(keras.callbacks.Callback):
    """Adds FD, KID, precision, recall, density, coverage and memorization to the logs.

    Every `every_n_epochs` epochs, generates `num_samples` samples from the same fixed
    seed (`gan.generate(num_samples, seed=seed)`; a `ConditionalGAN` gets the labels of
    `real_data` when it has some, otherwise the classes in turn) and compares them with
    `real_data` as `quality_scores` does: the logs get `fd`, `kid`, `precision`,
    `recall`, `density`, `coverage`, `memorization` and, with a classifier,
    `classifier_score`. Keras callbacks listed after this one see them:
    `ModelCheckpoint(monitor="fd", mode="min", save_best_only=True)`,
    `EarlyStopping(monitor="fd", mode="min")`, `TensorBoard`.

    The statistics of `real_data` (features, mean, covariance and its square root,
    nearest-neighbour radii) are computed once, at the first evaluation. With
    `cache_dir`, they are also kept in `cache_dir/reference-HASH.npz`, where `HASH` is
    a fingerprint of the bytes of `real_data`, the feature extractor's config and
    weights, `k` and `density_k`: a later run on the same data and extractor reads
    them instead of extracting the real features again; any change gives another
    file.

    When several processes train (JAX's `keras.distribution` across processes,
    TensorFlow's `MultiWorkerMirroredStrategy`), every process scores all
    `num_samples` samples (the weights are the same on all: scoring takes as long as
    in one process) and logs process 0's figures, sent to the others, so the logs
    are the same on every process; only process 0 writes the `cache_dir` file.

    Args:
        real_data: real samples `(n, ...)`, n > `density_k`, or a tuple
            `(samples, labels)`.
        feature_extractor: model or callable mapping samples to `(batch, d)` features;
            `None` uses the flattened samples. Defaults to `None`.
        classifier: model or callable giving class probabilities (logits with
            `from_logits=True`); `None` logs no classifier score. Defaults to `None`.
        every_n_epochs: evaluate after every N-th epoch. Defaults to `1`.
        num_samples: generated samples per evaluation (> `k`). Defaults to `1000`.
        seed: seed of the generated samples and of the KID subsets. Defaults to `0`.
        from_logits: whether `classifier` outputs logits. Defaults to `False`.
        kid_subsets: KID subsets. Defaults to `100`.
        kid_subset_size: KID subset size, >= 2 (capped by the sample counts). Defaults to
            `1000`.
        k: neighbour of the precision and recall radii. Defaults to `3`.
        density_k: neighbour of the density and coverage radii. Defaults to `5`.
        cache_dir: folder of the cached real statistics (a Keras model or `None` as
            `feature_extractor`); `None` keeps them in memory only. Defaults to `None`.

    Example:
    ```python
    classifier = keras_gan.architectures.digits_classifier()
    quality = keras_gan.metrics.GANQuality(
        images, keras_gan.architectures.feature_extractor(classifier), classifier,
        every_n_epochs=5)
    best = keras.callbacks.ModelCheckpoint(
        "best.keras", monitor="fd", mode="min", save_best_only=True)
    gan.fit(images, epochs=50, callbacks=[quality, best])  # quality first
    ```
    """

    def __init__(
        self,
        real_data,
        feature_extractor=None,
        classifier=None,
        *,
        every_n_epochs: int = 1,
        num_samples: int = 1000,
        seed: int = 0,
        from_logits: bool = False,
        kid_subsets: int = 100,
        kid_subset_size: int = 1000,
        k: int = 3,
        density_k: int = 5,
        cache_dir=None,
    ):
        super().__init__()
        if isinstance(real_data, tuple) and len(real_data) == 2:
            self.real_samples, labels = real_data
            self.real_labels = None if labels is None else np.asarray(labels).reshape(-1)
        else:
            self.real_samples, self.real_labels = real_data, None
        self.k = checks.check_positive_int(k, "k")
        self.density_k = checks.check_positive_int(density_k, "density_k")
        count = 0 if self.real_samples is None else len(self.real_samples)
        if count <= self.density_k:
            raise ValueError(
                f"Expected `real_data` to hold more than density_k={self.density_k} samples. "
                f"Received: {count}"
            )
        self.feature_extractor = checks.check_callable(feature_extractor, "feature_extractor")
        self.classifier = checks.check_callable(classifier, "classifier")
        self.every_n_epochs = checks.check_positive_int(every_n_epochs, "every_n_epochs")
        self.num_samples = checks.check_positive_int(num_samples, "num_samples")
        if self.num_samples <= self.k:
            raise ValueError(
                f"Expected `num_samples` > k={self.k}. Received: num_samples={num_samples}"
            )
        self.seed = seed
        self.from_logits = bool(from_logits)
        self.kid_subsets = checks.check_positive_int(kid_subsets, "kid_subsets")
        self.kid_subset_size = checks.check_kid_subset_size(kid_subset_size, "kid_subset_size")
        self.cache_dir = None if cache_dir is None else os.fspath(cache_dir)
        self._cache_key = None
        if self.cache_dir is not None:
            self._cache_key = _reference.fingerprint(
                self.real_samples, self.feature_extractor, k=self.k, density_k=self.density_k
            )
        self._reference = None
        #: Whether the real statistics were read from `cache_dir` (None: not yet needed).
        self.reference_from_cache = None
        self.last_scores = None

    def _real_reference(self):
        def compute():
            features = _features.outputs(
                self.feature_extractor,
                self.real_samples,
                batch_size=256,
                role="feature extractor",
            )
            return _reference.Reference(features, k=self.k, density_k=self.density_k)

        if self._reference is None:
            if self.cache_dir is None:
                self._reference, self.reference_from_cache = compute(), False
            else:
                self._reference, self.reference_from_cache = _reference.cached(
                    self.cache_dir, self._cache_key, compute, write=_distribute.is_chief(self.model)
                )
        return self._reference

    def generate(self, gan):
        """Returns the `num_samples` samples evaluated, from the fixed seed."""
        if hasattr(gan, "num_classes"):  # a ConditionalGAN
            labels = None
            if self.real_labels is not None:
                labels = np.resize(self.real_labels, self.num_samples).astype("int32")
            return gan.generate(self.num_samples, labels=labels, seed=self.seed)
        return gan.generate(self.num_samples, seed=self.seed)

    def scores(self, samples, *, features=None) -> dict:
        """Returns the scores of `samples` against `real_data`.

        Args:
            samples: generated (or any) samples, `(n, ...)` like `real_data`.
            features: `self.features(samples)` when already computed. Defaults to `None`.

        Returns:
            A dict of floats with the keys of `quality_scores`.
        """
        reference = self._real_reference()
        if features is None:
            features = self.features(samples)
        scores = reference.scores(
            features,
            kid_subsets=self.kid_subsets,
            kid_subset_size=self.kid_subset_size,
            seed=self.seed,
        )
        if self.classifier is not None:
            score = ClassifierScore(self.classifier, from_logits=self.from_logits)
            score.update_state(None, samples)
            scores["classifier_score"] = score.result()
        return scores

    def features(self, samples):
        """The feature extractor's float64 `(n, d)` features of `samples`."""
        return _features.outputs(
            self.feature_extractor, samples, batch_size=256, role="feature extractor"
        )

    def evaluate(self, gan) -> dict:
        """Returns the scores of `num_samples` samples of `gan` from the fixed seed."""
        return self.scores(self.generate(gan))

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        self.last_scores = _distribute.broadcast_from_chief(self.evaluate(self.model), self.model)
        if logs is not None:
            logs.update(self.last_scores)
