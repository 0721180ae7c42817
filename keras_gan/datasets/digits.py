"""`load_digits`: scikit-learn's bundled 8x8 handwritten digits, no download."""

import numpy as np

from keras_gan.datasets import _common

#: Fraction of the 1,797 digits held out as the `"test"` split.
TEST_FRACTION = 0.2
#: Seed of the fixed train/test split (stratified by class).
SPLIT_SEED = 0


def load_digits(split: str = "train", *, max_samples: int | None = None):
    """Loads the 8x8 handwritten digits bundled with scikit-learn (no download).

    The 1,797 digits are split once and for all into a training split (1,438 images)
    and a held-out split (359 images), stratified by class with a fixed seed, so
    `"train"` and `"test"` never overlap and are the same on every machine.

    Args:
        split: `"train"`, `"test"` (the held-out 20%) or `"all"`. Defaults to `"train"`.
        max_samples: keep only the first `max_samples` images of the split (the split
            is already shuffled). Defaults to `None` (all).

    Returns:
        `(images, labels)`: `images` float32 of shape `(n, 8, 8, 1)` scaled from the
        original 0..16 gray levels to [-1, 1], `labels` int32 of shape `(n,)` in 0..9.

    Example:
    ```python
    images, labels = keras_gan.datasets.load_digits("train")
    images.shape  # (1438, 8, 8, 1)
    ```
    """
    from sklearn.datasets import load_digits as sklearn_load_digits

    split = _common.check_split(split)
    max_samples = _common.check_max_samples(max_samples)
    digits = sklearn_load_digits()
    images = digits.images.astype("float32") / 8.0 - 1.0
    images = images[..., np.newaxis]
    labels = digits.target.astype("int32")

    order = _stratified_order(labels, SPLIT_SEED)
    n_test = int(round(TEST_FRACTION * len(labels)))
    if split == "test":
        indices = order[:n_test]
    elif split == "train":
        indices = order[n_test:]
    else:
        indices = order
    indices = indices[:max_samples]
    return images[indices], labels[indices]


def _stratified_order(labels, seed):
    """A fixed permutation whose first k items hold each class in proportion.

    Each class is shuffled, then the items are sorted by their rank within their class
    relative to the class size, which interleaves the classes evenly along the order.
    """
    rng = np.random.default_rng(seed)
    position = np.empty(len(labels), dtype="float64")
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        ranks = rng.permutation(len(members))
        position[members] = (ranks + rng.uniform(size=len(members))) / len(members)
    return np.argsort(position, kind="stable")
