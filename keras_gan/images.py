"""Image grids of generated samples: `to_uint8`, `make_grid` and `save_png`."""

import math
import os

import keras
import numpy as np

from keras_gan import checks


def check_value_range(value_range):
    """Returns `value_range` as `(low, high)` floats with `low < high`."""
    try:
        low, high = value_range
    except (TypeError, ValueError):
        low = high = None
    low, high = checks.as_float(low), checks.as_float(high)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(
            "Expected `value_range` to be a pair (low, high) of finite numbers with "
            f"low < high, such as (-1, 1) for tanh or (0, 1) for sigmoid outputs. "
            f"Received: value_range={value_range!r}"
        )
    return low, high


def to_uint8(images, value_range=(-1.0, 1.0)) -> np.ndarray:
    """Maps a batch of images to `uint8` pixels, as `make_grid` and `save_png` want them.

    Pixel values are mapped linearly from `value_range` to `[0, 255]`, rounded and
    clipped (NaN becomes 0).

    Args:
        images: array of shape `(n, height, width)` (grayscale) or
            `(n, height, width, channels)` with 1, 3 or 4 channels; a NumPy array or a
            backend tensor.
        value_range: the `(low, high)` range of the pixel values. Defaults to `(-1.0, 1.0)`.

    Returns:
        A `uint8` array of shape `(n, height, width, channels)`.

    Example:
    ```python
    pixels = keras_gan.images.to_uint8(gan.generate(2, seed=0))
    keras_gan.images.save_png(pixels[0], "first.png")
    ```
    """
    images = np.asarray(keras.ops.convert_to_numpy(images), dtype="float32")
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[0] == 0 or images.shape[-1] not in (1, 3, 4):
        raise ValueError(
            "Expected images of shape (n, height, width) or (n, height, width, channels) "
            f"with n >= 1 and 1, 3 or 4 channels. Received: shape={images.shape}"
        )
    low, high = check_value_range(value_range)
    scaled = (images - low) * (255.0 / (high - low))
    scaled = np.nan_to_num(scaled, nan=0.0, posinf=255.0, neginf=0.0)
    return np.rint(np.clip(scaled, 0.0, 255.0)).astype("uint8")


def make_grid(images, value_range=(-1.0, 1.0), ncols=None, *, padding: int = 1) -> np.ndarray:
    """Tiles a batch of images into one `uint8` image.

    Pixel values are mapped linearly from `value_range` to `[0, 255]`, rounded and
    clipped (NaN becomes 0). Tiles fill the grid row by row and are separated, and
    surrounded, by `padding` black pixels.

    Args:
        images: array of shape `(n, height, width)` (grayscale) or
            `(n, height, width, channels)` with 1 (grayscale), 3 (RGB) or 4 (RGBA)
            channels; a NumPy array or a backend tensor.
        value_range: the `(low, high)` range of the pixel values: `(-1, 1)` for a
            generator ending in `tanh`, `(0, 1)` for `sigmoid`. Defaults to `(-1.0, 1.0)`.
        ncols: number of columns. Defaults to `None`, a near-square grid with
            `ceil(sqrt(n))` columns (16 images make a 4x4 grid).
        padding: pixels between and around the tiles. Defaults to `1`.

    Returns:
        A `uint8` array of shape `(rows * (height + padding) + padding,
        ncols * (width + padding) + padding, channels)`.

    Example:
    ```python
    grid = keras_gan.images.make_grid(gan.generate(16, seed=0))  # 4x4 tiles
    keras_gan.images.save_png(grid, "samples.png")
    ```
    """
    tiles = to_uint8(images, value_range)
    n, height, width, channels = tiles.shape
    if ncols is None:
        ncols = math.ceil(math.sqrt(n))
    ncols = min(checks.check_positive_int(ncols, "ncols"), n)
    padding = checks.check_int(padding, "padding", 0)
    nrows = math.ceil(n / ncols)
    step_y, step_x = height + padding, width + padding
    grid = np.zeros((nrows * step_y + padding, ncols * step_x + padding, channels), "uint8")
    for i, tile in enumerate(tiles):
        row, col = divmod(i, ncols)
        y, x = padding + row * step_y, padding + col * step_x
        grid[y : y + height, x : x + width] = tile
    return grid


def save_png(grid, path) -> None:
    """Writes a `uint8` grid from `make_grid` to a PNG file, creating its directory.

    Args:
        grid: `uint8` array of shape `(height, width)` or `(height, width, channels)`
            with 1, 3 or 4 channels.
        path: the file to write (`str` or `os.PathLike`); the format is PNG whatever
            the extension.

    Example:
    ```python
    keras_gan.images.save_png(keras_gan.images.make_grid(samples), "grid.png")
    ```
    """
    from PIL import Image

    grid = np.asarray(grid)
    if grid.ndim == 3 and grid.shape[-1] == 1:
        grid = grid[..., 0]
    color = grid.ndim == 3 and grid.shape[-1] in (3, 4)
    if grid.dtype != np.uint8 or not (grid.ndim == 2 or color):
        raise ValueError(
            "Expected a uint8 image of shape (height, width, channels) with 1, 3 or 4 "
            f"channels, as `make_grid` returns. Received: shape={grid.shape}, dtype={grid.dtype}"
        )
    directory = os.path.dirname(os.fspath(path))
    if directory:
        os.makedirs(directory, exist_ok=True)
    Image.fromarray(grid).save(path, format="PNG")
