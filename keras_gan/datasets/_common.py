"""Checks and conversions shared by the dataset loaders."""

import numbers

import numpy as np

SPLITS = ("train", "test", "all")


def check_split(split):
    if split not in SPLITS:
        raise ValueError(f"Expected `split` to be one of {SPLITS}. Received: split={split!r}")
    return split


def check_max_samples(max_samples):
    if max_samples is None:
        return None
    if (
        not isinstance(max_samples, numbers.Integral)
        or isinstance(max_samples, bool)
        or max_samples < 1
    ):
        raise ValueError(
            "Expected `max_samples` to be None or a positive integer. "
            f"Received: max_samples={max_samples!r}"
        )
    return int(max_samples)


def uint8_to_unit_range(images):
    """Maps 0..255 pixel values to float32 in [-1, 1] with a channel axis."""
    images = np.asarray(images, dtype="float32") / 127.5 - 1.0
    if images.ndim == 3:
        images = images[..., np.newaxis]
    return images
