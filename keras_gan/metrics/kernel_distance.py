"""`KernelDistance`: the kernel (MMD) distance between real and generated features (KID)."""

import numpy as np

from keras_gan import checks
from keras_gan.metrics import _features
from keras_gan.metrics import _stats


class _FeatureBuffer:
    """The first `capacity` feature vectors added, in float64."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.chunks = []
        self.count = 0
        self.seen = 0

    def add(self, features):
        self.seen += features.shape[0]
        room = self.capacity - self.count
        if room <= 0:
            return
        if self.chunks and features.shape[1] != self.chunks[0].shape[1]:
            raise ValueError(
                f"Expected {self.chunks[0].shape[1]} features per sample, as in earlier "
                f"batches. Received: {features.shape[1]}"
            )
        self.chunks.append(features[:room])
        self.count += min(room, features.shape[0])

    def array(self):
        return np.concatenate(self.chunks)


class KernelDistance(_features.RealGeneratedMetric):
    """Kernel distance (KID): unbiased MMD^2 between real and generated features.

    With the cubic polynomial kernel `k(x, y) = (x . y / d + 1)^3` on `d` features,
    `KID = E[k(x, x')] + E[k(y, y')] - 2 E[k(x, y)]` for real `x, x'` and generated
    `y, y'`, estimated without bias (the `i = j` terms left out) on `subsets` random
    subsets of `subset_size` samples per side and averaged (Binkowski et al., 2018,
    "Demystifying MMD GANs", arXiv:1801.01401). Unlike the Frechet distance it has an
    unbiased estimator: two samples of the same distribution give 0 on average (single
    values can be slightly negative), whatever the sample size.

    A streaming metric: `update_state(real, generated)` keeps the features of the
    first `max_samples` samples of each side; `result()` runs on the host.

    Args:
        feature_extractor: a Keras model or callable mapping a batch of samples to
            `(batch, d)` features; `None` uses the flattened samples. Defaults to `None`.
        subsets: number of random subsets averaged. Defaults to `100`.
        subset_size: samples per side in each subset, >= 2, capped at the number of samples
            available on the smaller side. Defaults to `1000`.
        max_samples: features kept per side; later samples are ignored. Defaults to
            `10000`.
        seed: seed of the subset draws, so that equal inputs give equal results.
            Defaults to `0`.
        batch_size: samples per extractor call. Defaults to `256`.
        name: the metric's name. Defaults to `"kernel_distance"`.
        dtype: dtype of the result. Defaults to `None`.

    Example:
    ```python
    kid = keras_gan.metrics.KernelDistance(feature_extractor, subset_size=500)
    kid.update_state(real_images, gan.generate(1000))
    print(kid.result())
    ```
    """

    def __init__(
        self,
        feature_extractor=None,
        *,
        subsets: int = 100,
        subset_size: int = 1000,
        max_samples: int = 10000,
        seed: int = 0,
        batch_size: int = 256,
        name: str = "kernel_distance",
        dtype=None,
    ):
        super().__init__(feature_extractor, batch_size=batch_size, name=name, dtype=dtype)
        self.subsets = checks.check_positive_int(subsets, "subsets")
        self.subset_size = checks.check_kid_subset_size(subset_size, "subset_size")
        self.max_samples = checks.check_positive_int(max_samples, "max_samples")
        self.seed = seed
        self.reset_state()

    def result_and_std(self):
        """Returns `(mean, standard deviation)` of the MMD^2 over the subsets."""
        self._check_counts()
        real, generated = self._real, self._generated
        real_features, generated_features = real.array(), generated.array()
        if real_features.shape[1] != generated_features.shape[1]:
            raise ValueError(
                "Expected real and generated features of the same size. Received: "
                f"{real_features.shape[1]} and {generated_features.shape[1]}"
            )
        return _stats.kernel_distance(
            real_features,
            generated_features,
            subsets=self.subsets,
            subset_size=self.subset_size,
            rng=np.random.default_rng(self.seed),
        )

    def result(self):
        """Returns the KID (a float): the mean unbiased MMD^2 over the subsets."""
        return self.result_and_std()[0]

    def reset_state(self):
        """Forgets every sample added so far."""
        self._real = _FeatureBuffer(self.max_samples)
        self._generated = _FeatureBuffer(self.max_samples)

    def get_config(self):
        return {
            **super().get_config(),
            "subsets": self.subsets,
            "subset_size": self.subset_size,
            "max_samples": self.max_samples,
            "seed": self.seed,
        }
