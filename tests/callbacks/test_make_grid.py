import math

import numpy as np
import pytest
from callback_testing import reference_grid
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from keras_gan.images import make_grid
from keras_gan.images import save_png
from keras_gan.images import to_uint8


def test_make_grid_hand_computed():
    # Two 1x2 grayscale tiles in [-1, 1]: -1 -> 0, 1 -> 255, 0 -> 127.5 -> 128, 0.5 -> 191.
    images = np.array([[[-1.0, 1.0]], [[0.0, 0.5]]], dtype="float32")
    grid = make_grid(images)
    expected = np.zeros((3, 7, 1), "uint8")
    expected[1, :, 0] = [0, 0, 255, 0, 128, 191, 0]
    np.testing.assert_array_equal(grid, expected)
    assert grid.dtype == np.uint8


def test_to_uint8_keeps_the_batch_and_maps_pixels_as_make_grid_does():
    images = np.array([[[-1.0, 1.0]], [[0.0, np.nan]]], dtype="float32")  # no channel axis
    pixels = to_uint8(images)
    assert pixels.shape == (2, 1, 2, 1) and pixels.dtype == np.uint8
    np.testing.assert_array_equal(pixels[..., 0], [[[0, 255]], [[128, 0]]])
    with pytest.raises(ValueError, match=r"with n >= 1 and 1, 3 or 4 channels. Received: shape="):
        to_uint8(np.zeros((2, 4, 4, 2)))


def test_make_grid_clips_and_maps_nan_to_black():
    images = np.array([-0.2, 1.3, np.nan, np.inf, -np.inf, 0.5], "float32").reshape(6, 1, 1, 1)
    grid = make_grid(images, value_range=(0, 1), ncols=6, padding=0)
    np.testing.assert_array_equal(grid[0, :, 0], [0, 255, 0, 255, 0, 128])


@pytest.mark.parametrize(
    "n, ncols, rows, cols",
    [(16, None, 4, 4), (5, None, 2, 3), (1, None, 1, 1), (10, 5, 2, 5), (3, 8, 1, 3)],
)
def test_make_grid_layout(n, ncols, rows, cols):
    grid = make_grid(np.zeros((n, 3, 2, 3)), ncols=ncols)
    assert grid.shape == (rows * 4 + 1, cols * 3 + 1, 3)


@given(
    n=st.integers(1, 7),
    height=st.integers(1, 4),
    width=st.integers(1, 4),
    channels=st.sampled_from([1, 3, 4]),
    padding=st.integers(0, 2),
    sigmoid=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_make_grid_matches_reference(n, height, width, channels, padding, sigmoid, seed):
    low, high = (0.0, 1.0) if sigmoid else (-1.0, 1.0)
    rng = np.random.default_rng(seed)
    images = rng.uniform(low - 0.3, high + 0.3, (n, height, width, channels)).astype("float32")
    grid = make_grid(images, (low, high), padding=padding)
    ncols = math.ceil(math.sqrt(n))
    np.testing.assert_array_equal(grid, reference_grid(images, (low, high), ncols, padding))


def test_make_grid_accepts_images_without_channel_axis():
    images = np.linspace(-1, 1, 2 * 3 * 3).reshape(2, 3, 3)
    np.testing.assert_array_equal(make_grid(images), make_grid(images[..., None]))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(images=np.zeros((2, 4, 4, 2))), r"Expected images of shape .*shape=\(2, 4, 4, 2\)"),
        (dict(images=np.zeros((0, 4, 4, 1))), r"n >= 1 .*shape=\(0, 4, 4, 1\)"),
        (dict(images=np.zeros((4, 4))), r"Received: shape=\(4, 4\)"),
        (dict(value_range=(1, -1)), r"Expected `value_range` .*Received: value_range=\(1, -1\)"),
        (dict(value_range=(0, np.inf)), r"Received: value_range=\(0, inf\)"),
        (dict(value_range="01"), r"Received: value_range='01'"),
        (dict(ncols=0), r"Expected `ncols` to be a positive integer. Received: ncols=0"),
        (dict(padding=-1), r"Expected `padding` to be an integer >= 0. Received: padding=-1"),
    ],
)
def test_make_grid_errors(kwargs, match):
    kwargs = {"images": np.zeros((2, 4, 4, 1)), **kwargs}
    with pytest.raises(ValueError, match=match):
        make_grid(**kwargs)


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_save_png_round_trip(tmp_path, channels):
    rng = np.random.default_rng(channels)
    grid = rng.integers(0, 256, (5, 7, channels), dtype="uint8")
    path = tmp_path / "nested" / "grid.png"
    save_png(grid, path)
    with Image.open(path) as image:
        assert image.format == "PNG"
        decoded = np.asarray(image)
    np.testing.assert_array_equal(decoded.reshape(grid.shape), grid)


def test_save_png_rejects_float_grids(tmp_path):
    with pytest.raises(ValueError, match=r"Expected a uint8 image .*dtype=float32"):
        save_png(np.zeros((4, 4, 3), "float32"), tmp_path / "x.png")
