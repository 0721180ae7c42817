"""inception_feature_extractor with random weights (`weights=None`, no download)."""

import keras
import numpy as np
import pytest

from keras_gan.metrics import inception_feature_extractor


def test_images_in_minus_one_one_reach_inception_as_its_preprocessing_would_send_them():
    pixels = np.random.default_rng(0).integers(0, 256, (2, 12, 10, 3)).astype("float32")
    extractor = inception_feature_extractor((12, 10, 3), weights=None)
    features = keras.ops.convert_to_numpy(extractor(pixels / 127.5 - 1.0))
    assert features.shape == (2, 2048)
    # What Keras documents for InceptionV3: preprocess_input on [0, 255], 299x299 input.
    inception = extractor.get_layer("inception_v3")
    resized = keras.ops.image.resize(pixels, (299, 299), interpolation="bilinear", antialias=True)
    expected = inception(keras.applications.inception_v3.preprocess_input(resized))
    np.testing.assert_allclose(features, keras.ops.convert_to_numpy(expected), rtol=1e-4, atol=1e-5)


def test_grayscale_equals_the_image_repeated_to_three_channels():
    gray = np.random.default_rng(1).uniform(-1, 1, (2, 8, 8, 1)).astype("float32")
    rgb_extractor = inception_feature_extractor((8, 8, 3), weights=None)
    gray_extractor = inception_feature_extractor((8, 8, 1), weights=None)
    gray_extractor.set_weights(rgb_extractor.get_weights())
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(gray_extractor(gray)),
        keras.ops.convert_to_numpy(rgb_extractor(np.repeat(gray, 3, axis=-1))),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("shape", [(8, 8, 2), (8, 8)])
def test_bad_image_shape_raises(shape):
    with pytest.raises(ValueError, match=r"with 1 or 3 channels. Received: image_shape="):
        inception_feature_extractor(shape, weights=None)
