"""Checks and conversions shared by the dataset loaders."""

import numpy as np

from keras_gan import checks

SPLITS = ("train", "test", "all")


def check_split(split):
    if split not in SPLITS:
        raise ValueError(f"Expected `split` to be one of {SPLITS}. Received: split={split!r}")
    return split


def check_max_samples(max_samples):
    return checks.check_positive_int(max_samples, "max_samples", optional=True)


def uint8_to_unit_range(images):
    """Maps 0..255 pixel values to float32 in [-1, 1] with a channel axis."""
    images = np.asarray(images, dtype="float32") / 127.5 - 1.0
    if images.ndim == 3:
        images = images[..., np.newaxis]
    return images
