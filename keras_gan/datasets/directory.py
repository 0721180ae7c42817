"""`from_directory`: a folder of images as `(images, labels)` arrays in [-1, 1]."""

import os

import numpy as np

from keras_gan.datasets import _common

#: Fraction of a folder's images held out as the `"test"` split.
TEST_FRACTION = 0.2


def from_directory(
    path,
    image_size=(32, 32),
    *,
    color_mode: str = "rgb",
    split: str = "all",
    seed: int = 0,
    max_samples: int | None = None,
):
    """Loads a folder of images through `keras.utils.image_dataset_from_directory`.

    Images in subfolders get one integer label per subfolder (in sorted order); images
    directly in `path` (no subfolders) all get label 0. Everything is loaded into
    memory, so this is meant for folders of up to some tens of thousands of images.

    Args:
        path: the folder (`.png`, `.jpg`, `.jpeg`, `.bmp`, `.gif` files).
        image_size: `(height, width)` (or one int) the images are resized to.
            Defaults to `(32, 32)`.
        color_mode: `"rgb"`, `"grayscale"` or `"rgba"`. Defaults to `"rgb"`.
        split: `"all"`, or `"train"` / `"test"` for a fixed 80% / 20% split of the
            files drawn with `seed`. Defaults to `"all"`.
        seed: seed of the file order and of the split. Defaults to `0`.
        max_samples: keep only the first `max_samples` images. Defaults to `None`.

    Returns:
        `(images, labels)`: float32 images `(n, height, width, channels)` scaled from
        0..255 to [-1, 1], int32 labels.

    Example:
    ```python
    images, _ = keras_gan.datasets.from_directory("faces/", image_size=(64, 64))
    ```
    """
    import keras

    split = _common.check_split(split)
    max_samples = _common.check_max_samples(max_samples)
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise ValueError(f"Expected an existing folder of images. Received: path={path!r}")
    has_subfolders = any(
        entry.is_dir() and not entry.name.startswith(".") for entry in os.scandir(path)
    )
    kwargs = {}
    if split != "all":
        kwargs = {
            "validation_split": TEST_FRACTION,
            "subset": "training" if split == "train" else "validation",
        }
    try:
        dataset = keras.utils.image_dataset_from_directory(
            path,
            labels="inferred" if has_subfolders else None,
            color_mode=color_mode,
            image_size=image_size,
            batch_size=None,
            shuffle=True,
            seed=seed,
            verbose=False,
            **kwargs,
        )
    except ValueError as e:
        raise ValueError(
            f"Expected a folder holding images (png, jpg, bmp, gif), in class subfolders "
            f"or directly. Received: path={path!r} ({e})"
        ) from e
    if max_samples is not None:
        dataset = dataset.take(max_samples)
    images, labels = [], []
    for item in dataset.as_numpy_iterator():
        image, label = item if has_subfolders else (item, 0)
        images.append(image)
        labels.append(label)
    if not images:
        raise ValueError(
            f"Expected at least one image in split {split!r}. Received: path={path!r} "
            "with too few images"
        )
    images = np.stack(images).astype("float32") / 127.5 - 1.0
    return images, np.asarray(labels, dtype="int32")
