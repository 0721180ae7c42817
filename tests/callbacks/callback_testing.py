"""Helpers of the callback tests."""

import math

import keras
import numpy as np


def reference_grid(samples, value_range, ncols, padding=1):
    """An image grid built by hand: tiles row by row, `padding` black pixels around each."""
    low, high = value_range
    samples = np.asarray(samples, "float64")
    pixels = np.clip(np.round((samples - low) / (high - low) * 255), 0, 255).astype("uint8")
    n, h, w, c = pixels.shape
    step_y, step_x = h + padding, w + padding
    grid = np.zeros((math.ceil(n / ncols) * step_y + padding, ncols * step_x + padding, c), "uint8")
    for i in range(n):
        top, left = padding + (i // ncols) * step_y, padding + (i % ncols) * step_x
        grid[top : top + h, left : left + w] = pixels[i]
    return grid


def assert_weights_equal(a, b, atol=0.0):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=0, atol=atol)


class RecordWeights(keras.callbacks.Callback):
    """Keeps `model.get_weights()` after each epoch in `after_epoch`."""

    def __init__(self):
        super().__init__()
        self.after_epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.after_epoch.append(self.model.get_weights())
