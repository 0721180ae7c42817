"""`GANQuality`: FD, KID and classifier score in the epoch logs, every N epochs."""

import keras
import numpy as np

from keras_gan import validation
from keras_gan.metrics import _features
from keras_gan.metrics.classifier_score import ClassifierScore
from keras_gan.metrics.frechet_distance import FrechetDistance
from keras_gan.metrics.kernel_distance import KernelDistance


def quality_scores(
    real,
    generated,
    *,
    feature_extractor=None,
    classifier=None,
    from_logits: bool = False,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    seed: int = 0,
    batch_size: int = 256,
) -> dict:
    """Returns `{"fd": ..., "kid": ..., "classifier_score": ...}` for two sets of samples.

    Args:
        real: real samples, `(n, ...)`.
        generated: generated samples, `(m, ...)`.
        feature_extractor: model or callable mapping samples to `(batch, d)` features
            for FD and KID; `None` uses the flattened samples. Defaults to `None`.
        classifier: model or callable giving class probabilities (logits with
            `from_logits=True`); `None` leaves `"classifier_score"` out. Defaults to `None`.
        from_logits: whether `classifier` outputs logits. Defaults to `False`.
        kid_subsets: KID subsets. Defaults to `100`.
        kid_subset_size: KID subset size. Defaults to `1000`.
        seed: seed of the KID subsets. Defaults to `0`.
        batch_size: samples per model call. Defaults to `256`.

    Returns:
        A dict of floats with keys `"fd"`, `"kid"` and, with a classifier,
        `"classifier_score"` (of `generated`).
    """
    real_features = _features.outputs(
        feature_extractor, real, batch_size=batch_size, role="feature extractor"
    )
    generated_features = _features.outputs(
        feature_extractor, generated, batch_size=batch_size, role="feature extractor"
    )
    fd = FrechetDistance()
    fd.update_state(real_features, generated_features)
    kid = KernelDistance(
        subsets=kid_subsets,
        subset_size=kid_subset_size,
        max_samples=max(len(real_features), len(generated_features)),
        seed=seed,
    )
    kid.update_state(real_features, generated_features)
    scores = {"fd": fd.result(), "kid": kid.result()}
    if classifier is not None:
        score = ClassifierScore(classifier, from_logits=from_logits, batch_size=batch_size)
        score.update_state(None, generated)
        scores["classifier_score"] = score.result()
    return scores


class GANQuality(keras.callbacks.Callback):
    """Adds the FD, KID and classifier score of the GAN's samples to the epoch logs.

    Every `every_n_epochs` epochs, generates `num_samples` samples from the same fixed
    seed (`gan.generate(num_samples, seed=seed)`; a `ConditionalGAN` gets the labels of
    `real_data` when it has some, otherwise the classes in turn) and compares them with
    `real_data`: the logs get `fd` (`FrechetDistance`), `kid` (`KernelDistance`) and,
    with a classifier, `classifier_score` (`ClassifierScore`). Keras callbacks listed
    after this one see them: `ModelCheckpoint(monitor="fd", mode="min",
    save_best_only=True)`, `EarlyStopping(monitor="fd", mode="min")`, `TensorBoard`.
    The features of `real_data` are computed once.

    Args:
        real_data: real samples `(n, ...)`, or a tuple `(samples, labels)`.
        feature_extractor: model or callable mapping samples to `(batch, d)` features;
            `None` uses the flattened samples. Defaults to `None`.
        classifier: model or callable giving class probabilities (logits with
            `from_logits=True`); `None` logs no classifier score. Defaults to `None`.
        every_n_epochs: evaluate after every N-th epoch. Defaults to `1`.
        num_samples: generated samples per evaluation. Defaults to `1000`.
        seed: seed of the generated samples and of the KID subsets. Defaults to `0`.
        from_logits: whether `classifier` outputs logits. Defaults to `False`.
        kid_subsets: KID subsets. Defaults to `100`.
        kid_subset_size: KID subset size (capped by the sample counts). Defaults to `1000`.

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
    ):
        super().__init__()
        if isinstance(real_data, tuple) and len(real_data) == 2:
            self.real_samples, labels = real_data
            self.real_labels = None if labels is None else np.asarray(labels).reshape(-1)
        else:
            self.real_samples, self.real_labels = real_data, None
        if self.real_samples is None or len(self.real_samples) < 2:
            raise ValueError(
                "Expected `real_data` to hold at least 2 samples. Received: "
                f"{0 if self.real_samples is None else len(self.real_samples)}"
            )
        self.feature_extractor = validation.check_callable(feature_extractor, "feature_extractor")
        self.classifier = validation.check_callable(classifier, "classifier")
        self.every_n_epochs = validation.check_positive_int(every_n_epochs, "every_n_epochs")
        self.num_samples = validation.check_positive_int(num_samples, "num_samples")
        if self.num_samples < 2:
            raise ValueError(f"Expected `num_samples` >= 2. Received: num_samples={num_samples}")
        self.seed = seed
        self.from_logits = bool(from_logits)
        self.kid_subsets = validation.check_positive_int(kid_subsets, "kid_subsets")
        self.kid_subset_size = validation.check_positive_int(kid_subset_size, "kid_subset_size")
        self._real_features = None
        self.last_scores = None

    def generate(self, gan):
        """Returns the `num_samples` samples evaluated, from the fixed seed."""
        if hasattr(gan, "num_classes"):  # a ConditionalGAN
            labels = None
            if self.real_labels is not None:
                labels = np.resize(self.real_labels, self.num_samples).astype("int32")
            return gan.generate(self.num_samples, labels=labels, seed=self.seed)
        return gan.generate(self.num_samples, seed=self.seed)

    def scores(self, samples) -> dict:
        """Returns the scores of `samples` against `real_data`.

        Args:
            samples: generated (or any) samples, `(n, ...)` like `real_data`.

        Returns:
            A dict of floats with keys `"fd"`, `"kid"` and, with a classifier,
            `"classifier_score"`.
        """
        if self._real_features is None:
            self._real_features = _features.outputs(
                self.feature_extractor,
                self.real_samples,
                batch_size=256,
                role="feature extractor",
            )
        features = _features.outputs(
            self.feature_extractor, samples, batch_size=256, role="feature extractor"
        )
        scores = quality_scores(
            self._real_features,
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

    def evaluate(self, gan) -> dict:
        """Returns the scores of `num_samples` samples of `gan` from the fixed seed."""
        return self.scores(self.generate(gan))

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        self.last_scores = self.evaluate(self.model)
        if logs is not None:
            logs.update(self.last_scores)
