"""The argument checks' typed primitives, and the arguments they now refuse alike."""

import math

import numpy as np
import pytest

import keras_gan
from keras_gan import checks


@pytest.mark.parametrize("value", [0, -3, 2.0, "2", True, None, np.float32(2)])
def test_check_int_refuses_what_is_no_integer_at_least_the_minimum(value):
    with pytest.raises(ValueError, match=r"^Expected `n` to be an integer >= 1\. Received: n="):
        checks.check_int(value, "n", 1)


def test_check_int_returns_python_ints_and_words_its_message():
    assert checks.check_int(np.int64(3), "n", 1) == 3
    assert type(checks.check_int(np.int64(3), "n", 1)) is int
    assert checks.check_int(0, "padding", 0) == 0
    assert checks.check_int(None, "n", 1, optional=True) is None
    with pytest.raises(ValueError, match=r"^Expected `n` to be None or a positive integer\. "):
        checks.check_int(0, "n", 1, expected="a positive integer", optional=True)
    with pytest.raises(ValueError, match=r"^Expected `k` to be an integer >= 2\. Received: k=1$"):
        checks.check_int(1, "k", 2)


@pytest.mark.parametrize(
    "closed, low_ok, high_ok", [("[]", True, True), ("[)", True, False), ("()", False, False)]
)
def test_check_float_includes_the_ends_it_is_told(closed, low_ok, high_ok):
    for value, ok in ((0, low_ok), (1, high_ok), (0.5, True)):
        if ok:
            assert checks.check_float(value, "x", 0, 1, closed=closed) == float(value)
        else:
            with pytest.raises(ValueError, match=rf"a float in \{closed[0]}0, 1\{closed[1]}"):
                checks.check_float(value, "x", 0, 1, closed=closed)


@pytest.mark.parametrize("value", [True, False, "0.5", None, math.nan, [0.5]])
def test_check_float_refuses_bools_strings_and_non_numbers(value):
    with pytest.raises(ValueError, match=r"^Expected `x` to be a float in \[0, 1\]\. Received: x="):
        checks.check_float(value, "x", 0, 1)


def test_check_float_accepts_numpy_scalars():
    assert checks.check_float(np.float32(0.25), "x", 0, 1) == 0.25
    assert checks.check_float(None, "x", 0, 1, optional=True) is None


@pytest.mark.parametrize("shape", [(8, 8), (8, 8, 0), (8, 8, True), (8, 8, None), "8x8", None])
def test_check_image_shape_refuses_what_is_no_three_positive_ints(shape):
    with pytest.raises(
        ValueError,
        match=r"^Expected `image_shape` to be an image shape \(height, width, channels\): "
        r"three positive ints\. Received: image_shape=",
    ):
        checks.check_image_shape(shape)


def test_check_image_shape_returns_ints_and_words_its_context():
    assert checks.check_image_shape([np.int64(8), 8, 3]) == (8, 8, 3)
    assert checks.check_image_shape((None, 8, 3), unknown=True) == (None, 8, 3)
    assert checks.check_image_shape((16, 16, 1), sides=(8, 16)) == (16, 16, 1)
    with pytest.raises(
        ValueError,
        match=r"^Expected a square image shape \(height, width, channels\): three positive "
        r"ints, square with a side of 8, 16\. Received: image_shape=\(8, 16, 1\)$",
    ):
        checks.check_image_shape((8, 16, 1), sides=(8, 16), subject="a square image shape")
    with pytest.raises(
        ValueError,
        match=r"^Expected image samples \(height, width, channels\): three positive ints or "
        r"None\. Received: samples of shape \(6,\)$",
    ):
        checks.check_image_shape(
            (6,), unknown=True, subject="image samples", received="samples of shape (6,)"
        )


def test_check_label_range_message():
    checks.check_label_range(0, 2, 3)
    with pytest.raises(
        ValueError, match=r"^Expected labels in \[0, 3\)\. Received: labels from 0 "
    ):
        checks.check_label_range(0, 3, 3)
    with pytest.raises(
        ValueError, match=r"^Expected labels in \[0, 3\) in every batch\. Received: labels from -1 "
    ):
        checks.check_label_range(-1, 0, 3, every_batch=True)
    with pytest.raises(ValueError, match=r"Received: labels from 0 to 7 in y$"):
        checks.check_label_range(0, 7, 3, where=" in y")


def test_ada_refuses_a_bool_target_as_it_refuses_a_bool_p():
    from keras_gan.augmentation import ADA

    with pytest.raises(ValueError, match=r"Expected `p` to be a float in \[0, 1\]. Received: p=Fa"):
        ADA(p=False)
    with pytest.raises(
        ValueError, match=r"Expected `target` to be a float in \(-1, 1\). Received: target=False"
    ):
        ADA(target=False)
    assert ADA(p=np.float32(0.5), target=np.float32(0.5), interval=np.int64(2)).interval == 2


def test_compile_refuses_a_bool_penalty_weight():
    from model_zoo import dense_discriminator
    from model_zoo import dense_generator

    gan = keras_gan.GAN(dense_generator(), dense_discriminator(batch_norm=False))
    with pytest.raises(
        ValueError,
        match=r"Expected `gradient_penalty` to be a finite float >= 0. Received: gradient_pen",
    ):
        gan.compile("adam", "adam", loss="wasserstein", gradient_penalty=True)
    with pytest.raises(ValueError, match=r"Expected `r1_penalty` to be a finite float >= 0"):
        gan.compile("adam", "adam", r1_penalty=math.inf)
