"""MNIST, Fashion-MNIST and CIFAR-10 through `keras.datasets` (downloaded on first use)."""

import keras
import numpy as np

from keras_gan.datasets import _common


class DatasetUnavailableError(RuntimeError):
    """A dataset could not be loaded (typically: no internet access for the download)."""


def load_mnist(split: str = "train", *, max_samples: int | None = None):
    """Loads MNIST (28x28 grayscale digits) through `keras.datasets.mnist`.

    Keras downloads the data on first use and caches it under `~/.keras/datasets`.

    Args:
        split: `"train"` (60,000 images), `"test"` (10,000) or `"all"`.
            Defaults to `"train"`.
        max_samples: keep only the first `max_samples` images. Defaults to `None`.

    Returns:
        `(images, labels)`: float32 images `(n, 28, 28, 1)` in [-1, 1], int32 labels.

    Raises:
        DatasetUnavailableError: when the download fails (no internet access); the
            message names `load_digits`, which needs no download.
    """
    return _load("mnist", split, max_samples)


def load_fashion_mnist(split: str = "train", *, max_samples: int | None = None):
    """Loads Fashion-MNIST (28x28 grayscale clothes) through `keras.datasets`.

    Args:
        split: `"train"` (60,000 images), `"test"` (10,000) or `"all"`.
            Defaults to `"train"`.
        max_samples: keep only the first `max_samples` images. Defaults to `None`.

    Returns:
        `(images, labels)`: float32 images `(n, 28, 28, 1)` in [-1, 1], int32 labels.

    Raises:
        DatasetUnavailableError: when the download fails (no internet access).
    """
    return _load("fashion_mnist", split, max_samples)


def load_cifar10(split: str = "train", *, max_samples: int | None = None):
    """Loads CIFAR-10 (32x32 color images, 10 classes) through `keras.datasets`.

    Args:
        split: `"train"` (50,000 images), `"test"` (10,000) or `"all"`.
            Defaults to `"train"`.
        max_samples: keep only the first `max_samples` images. Defaults to `None`.

    Returns:
        `(images, labels)`: float32 images `(n, 32, 32, 3)` in [-1, 1], int32 labels.

    Raises:
        DatasetUnavailableError: when the download fails (no internet access).
    """
    return _load("cifar10", split, max_samples)


def _load(name, split, max_samples):
    split = _common.check_split(split)
    max_samples = _common.check_max_samples(max_samples)
    module = getattr(keras.datasets, name)
    try:
        (x_train, y_train), (x_test, y_test) = module.load_data()
    except Exception as e:  # urllib, HTTP, SSL, disk: all mean "not available here"
        cause = str(e).splitlines()[0] if str(e) else ""
        raise DatasetUnavailableError(
            f"Could not load {name!r} through keras.datasets.{name}.load_data(), which "
            "downloads it on first use (is there internet access?). Offline, use "
            "keras_gan.datasets.load_digits() (`--dataset digits` on the command line): "
            "scikit-learn's bundled 8x8 digits, no download. "
            f"Cause: {type(e).__name__}: {cause}"
        ) from e
    y_train, y_test = (np.asarray(y).reshape(-1).astype("int32") for y in (y_train, y_test))
    if split == "train":
        images, labels = x_train, y_train
    elif split == "test":
        images, labels = x_test, y_test
    else:
        images = np.concatenate([x_train, x_test])
        labels = np.concatenate([y_train, y_test])
    images, labels = images[:max_samples], labels[:max_samples]
    return _common.uint8_to_unit_range(images), labels
