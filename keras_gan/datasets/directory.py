"""`from_directory`: a folder of images as `(images, labels)` NumPy arrays in [-1, 1]."""

import numpy as np

from keras_gan.datasets.image_folder import image_folder
from keras_gan.datasets.image_folder import named_error


def from_directory(
    path,
    image_size=(32, 32),
    *,
    color_mode: str = "rgb",
    split: str = "all",
    seed: int = 0,
    max_samples: int | None = None,
    background="white",
):
    """Reads a folder of images into memory, through the `image_folder` pipeline.

    The same files, order, split, resizing and scaling as `image_folder` with
    `shuffle=False`, collected into arrays: meant for small folders and for the
    real images that scores are computed against. Train on a large folder with
    `image_folder`, which streams it.

    Args:
        path: the folder (see `image_folder`).
        image_size: `(height, width)` (or one int) the images are resized to.
            Defaults to `(32, 32)`.
        color_mode: `"rgb"` or `"grayscale"`. Defaults to `"rgb"`.
        split: `"all"`, or `"train"` / `"test"` for a fixed 80% / 20% split of the
            files drawn with `seed`. Defaults to `"all"`.
        seed: seed of the file order and of the split. Defaults to `0`.
        max_samples: keep only the first `max_samples` images. Defaults to `None`.
        background: the colour transparent pixels are composited onto: `"white"`,
            `"black"` or `(R, G, B)` (see `image_folder`). Defaults to `"white"`.

    Raises:
        ValueError: naming the file, when one fails to decode.

    Returns:
        `(images, labels)`: float32 images `(n, height, width, channels)` in [-1, 1],
        int32 labels (the class subfolder's index, 0 without subfolders).

    Example:
    ```python
    images, _ = keras_gan.datasets.from_directory("faces/", image_size=(64, 64))
    ```
    """
    dataset = image_folder(
        path,
        image_size,
        batch_size=256,
        color_mode=color_mode,
        shuffle=False,
        seed=seed,
        split=split,
        max_samples=max_samples,
        background=background,
    )
    import tensorflow as tf

    images, labels = [], []
    try:
        for batch in dataset.as_numpy_iterator():
            x, y = batch if isinstance(batch, tuple) else (batch, np.zeros(len(batch), "int32"))
            images.append(x)
            labels.append(y)
    except tf.errors.OpError as e:
        named = named_error(e)
        if named is None:
            raise
        raise named from None
    return np.concatenate(images), np.concatenate(labels).astype("int32")
