"""Image datasets in [-1, 1] (`keras_gan.datasets`).

`image_folder` streams a folder of images as a `tf.data.Dataset`; the loaders return
`(images, labels)` NumPy arrays: `load_digits` needs no download (scikit-learn bundles
it), the others go through `keras.datasets` and need internet access on first use.
"""

import os

from keras_gan.datasets.digits import load_digits
from keras_gan.datasets.directory import from_directory
from keras_gan.datasets.image_folder import image_folder
from keras_gan.datasets.keras_datasets import DatasetUnavailableError
from keras_gan.datasets.keras_datasets import load_cifar10
from keras_gan.datasets.keras_datasets import load_fashion_mnist
from keras_gan.datasets.keras_datasets import load_mnist

LOADERS = {
    "digits": load_digits,
    "mnist": load_mnist,
    "fashion_mnist": load_fashion_mnist,
    "cifar10": load_cifar10,
}


def get(name, split: str = "train", *, max_samples: int | None = None, **kwargs):
    """Loads a dataset by name, or a folder of images by path.

    Args:
        name: `"digits"`, `"mnist"`, `"fashion_mnist"`, `"cifar10"`, or the path of a
            folder of images (see `from_directory`).
        split: `"train"`, `"test"` or `"all"`. Defaults to `"train"`.
        max_samples: keep only the first `max_samples` images. Defaults to `None`.
        **kwargs: passed to `from_directory` for a folder (`image_size`,
            `color_mode`, `seed`, `background`).

    Returns:
        `(images, labels)` as returned by the loader.

    Example:
    ```python
    images, labels = keras_gan.datasets.get("digits", "test")
    ```
    """
    if isinstance(name, str) and name in LOADERS:
        if kwargs:
            raise ValueError(
                f"Expected no folder options for the named dataset {name!r}. "
                f"Received: {sorted(kwargs)}"
            )
        return LOADERS[name](split, max_samples=max_samples)
    check_name(name)
    return from_directory(name, split=split, max_samples=max_samples, **kwargs)


def check_name(name):
    """Raises unless `name` is a dataset name of `LOADERS` or an existing folder."""
    if isinstance(name, str) and name in LOADERS:
        return
    if isinstance(name, (str, os.PathLike)) and os.path.isdir(name):
        return
    raise ValueError(
        f"Expected a dataset name ({', '.join(LOADERS)}) or an existing folder of "
        f"images. Received: {name!r}"
    )


__all__ = [
    "DatasetUnavailableError",
    "LOADERS",
    "check_name",
    "from_directory",
    "get",
    "image_folder",
    "load_cifar10",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
]
