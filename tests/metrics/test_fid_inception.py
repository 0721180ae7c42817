"""fid_inception_extractor on every backend: the resize protocols against TF1's op and
PIL, the input conventions, pooling semantics, loading errors, saving."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gan.metrics import fid_inception
from keras_gan.metrics import fid_inception_extractor


def _tf1_resize(images, size):
    return tf.raw_ops.ResizeBilinear(
        images=images, size=size, align_corners=False, half_pixel_centers=False
    ).numpy()


def _pil_resize(images, size):
    out = np.empty((len(images), *size, images.shape[-1]), "float32")
    for i, image in enumerate(images):
        for c in range(image.shape[-1]):
            channel = Image.fromarray(image[..., c].astype("float32"), mode="F")
            out[i, ..., c] = np.asarray(channel.resize(size[::-1], Image.BICUBIC))
    return np.clip(out, 0, 255)


@pytest.mark.parametrize("mode", fid_inception.RESIZE_MODES)
@pytest.mark.parametrize("shape", [(37, 37), (300, 300), (37, 300)])
def test_resize_equals_tf1_resize_bilinear_and_pil_bicubic(mode, shape):
    images = np.random.default_rng(0).integers(0, 256, (2, *shape, 3)).astype("float32")
    reference = _tf1_resize if mode == "legacy_tensorflow" else _pil_resize
    expected = reference(images, (299, 299))
    resized = keras.ops.convert_to_numpy(fid_inception.resize(images, mode))
    np.testing.assert_allclose(resized, expected, atol=2e-3)


def test_resize_traced_with_unknown_image_size_equals_eager():
    images = np.random.default_rng(1).uniform(0, 255, (1, 23, 31, 3)).astype("float32")
    layer = fid_inception.FIDPreprocessing("clean")
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, layer(inputs))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model.predict_on_batch(images / 127.5 - 1.0)),
        keras.ops.convert_to_numpy(layer(images / 127.5 - 1.0)),
        atol=1e-5,
    )


def test_uint8_images_and_images_in_minus_one_one_are_the_same_8_bit_values():
    pixels = np.random.default_rng(2).integers(0, 256, (2, 9, 7, 3)).astype("uint8")
    layer = fid_inception.FIDPreprocessing("legacy_tensorflow")
    from_uint8 = keras.ops.convert_to_numpy(layer(pixels))
    from_floats = keras.ops.convert_to_numpy(layer(pixels / 127.5 - 1.0))
    np.testing.assert_allclose(from_floats, from_uint8, atol=1e-6)
    expected = (_tf1_resize(pixels.astype("float32"), (299, 299)) - 128.0) / 128.0
    np.testing.assert_allclose(from_uint8, expected, atol=2e-5)


def test_grayscale_is_repeated_to_three_channels():
    gray = np.random.default_rng(3).integers(0, 256, (1, 8, 8, 1)).astype("uint8")
    layer = fid_inception.FIDPreprocessing("clean")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer(gray)),
        keras.ops.convert_to_numpy(layer(np.repeat(gray, 3, axis=-1))),
    )


def test_pooling_of_the_2015_graph_leaves_the_padding_out():
    # The network's SAME pools: an average over the pixels inside the image (the corner
    # of a 3x3 window covers 4), a max that never picks the padding.
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1) - 20.0
    average = keras.layers.AveragePooling2D(3, strides=1, padding="same")(x)
    maximum = keras.layers.MaxPooling2D(3, strides=1, padding="same")(x)
    assert float(keras.ops.convert_to_numpy(average)[0, 0, 0, 0]) == pytest.approx(
        np.mean(x[0, :2, :2, 0])
    )
    assert float(keras.ops.convert_to_numpy(maximum)[0, 0, 0, 0]) == x[0, 1, 1, 0]


@pytest.fixture(scope="module")
def random_network():
    return fid_inception_extractor(None)


def _state_of(network):
    """The torch state_dict of the network's weights (kernels back to (out, in, h, w))."""
    state = {}
    for prefix, conv, norm in network._units:
        state[f"{prefix}.conv.weight"] = np.transpose(conv.get_weights()[0], (3, 2, 0, 1))
        for key, value in zip(
            ("weight", "bias", "running_mean", "running_var"), norm.get_weights(), strict=True
        ):
            state[f"{prefix}.bn.{key}"] = value
    return state


def test_state_dict_names_and_layouts_and_their_errors(random_network, tmp_path, monkeypatch):
    # The file reader is tested against torch.save in the torch environment; here the
    # state_dict it returns is given directly.
    rng = np.random.default_rng(4)
    state = {key: rng.normal(size=v.shape) for key, v in _state_of(random_network).items()}
    path = tmp_path / "weights.pth"
    path.write_bytes(b"")
    path = str(path)
    monkeypatch.setattr(fid_inception._torch_checkpoint, "read_state_dict", lambda _: state)
    model = fid_inception_extractor(path, resize="clean")
    assert model.description == "fid_inception_2015, clean"
    conv = model.network.get_layer("Mixed_7c_branch_pool")
    np.testing.assert_allclose(
        conv.get_weights()[0], np.transpose(state["Mixed_7c.branch_pool.conv.weight"], (2, 3, 1, 0))
    )
    del state["Mixed_6e.branch7x7_2.bn.running_var"]
    with pytest.raises(ValueError, match=r"without 'Mixed_6e.branch7x7_2.bn.running_var'"):
        fid_inception_extractor(path)
    state["Mixed_6e.branch7x7_2.bn.running_var"] = np.ones(160)
    state.update({"Conv2d_1a_3x3.conv.weight": np.zeros((32, 3, 5, 5))})
    with pytest.raises(ValueError, match=r"of shape \(h, w, in, out\) = \(3, 3, 3, 32\).*"):
        random_network.load_torch_weights(path)


def test_missing_weights_file_and_failed_download_say_where_to_put_it(tmp_path, monkeypatch):
    missing = str(tmp_path / "nowhere.pth")
    with pytest.raises(ValueError, match=r"Received: weights='.*nowhere.pth', which does not"):
        fid_inception_extractor(missing)
    with pytest.raises(ValueError, match=r"Expected a weights file.*Received: a directory, weigh"):
        fid_inception_extractor(str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    url = f"http://127.0.0.1:9/{fid_inception.WEIGHTS_FILE}"
    expected = os.path.join(str(tmp_path), "keras_home", "models", fid_inception.WEIGHTS_FILE)
    with pytest.raises(ValueError, match=rf"weights at {expected} \(offline\?.*download failed"):
        fid_inception_extractor(url)


def test_unknown_resize_raises():
    with pytest.raises(ValueError, match=r"Expected resize in .*Received: resize='bicubic'"):
        fid_inception_extractor(None, resize="bicubic")


def test_saved_and_reloaded_extractor_gives_the_same_features(random_network, tmp_path):
    images = np.random.default_rng(5).integers(0, 256, (1, 16, 16, 3)).astype("uint8")
    path = str(tmp_path / "extractor.keras")
    random_network.save(path)
    reloaded = keras.models.load_model(path)
    assert reloaded.resize == "legacy_tensorflow"
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(reloaded(images)),
        keras.ops.convert_to_numpy(random_network(images)),
        rtol=1e-5,
        atol=1e-6,
    )


def test_quality_scores_and_gan_quality_accept_the_extractor(random_network, tmp_path):
    from keras_gan.metrics import GANQuality
    from keras_gan.metrics import quality_scores

    rng = np.random.default_rng(6)
    real = rng.integers(0, 256, (8, 12, 12, 3)).astype("uint8")
    generated = rng.uniform(-1, 1, (8, 12, 12, 3)).astype("float32")
    scores = quality_scores(real, generated, feature_extractor=random_network, kid_subset_size=4)
    assert np.isfinite(scores["fd"]) and scores["fd"] > 0
    quality = GANQuality(real, random_network, num_samples=8, kid_subsets=2, cache_dir=tmp_path)
    assert quality.scores(generated)["fd"] == pytest.approx(scores["fd"], rel=1e-6)
    assert quality.reference_from_cache is False


def test_images_outside_their_range_are_refused_on_the_first_batch(random_network):
    small = np.full((1, 8, 8, 3), 200.0, "float32")  # floats in [0, 255]
    message = r"Expected float images in \[-1, 1\].*Received: values from 200 to 200"
    with pytest.raises(ValueError, match=message):
        random_network.predict_on_batch(small)
    with pytest.raises(ValueError, match=message):
        random_network.predict(small, verbose=0)
    with pytest.raises(ValueError, match=message):
        fid_inception.FIDPreprocessing()(small)
    with pytest.raises(ValueError, match=r"8-bit values in \[0, 255\].*from 0 to 300"):
        fid_inception.FIDPreprocessing()(np.array([[[[0, 300, 1]]]], "int32"))
    # [-1, 1] and uint8 pass; a small overshoot is clipped as a PNG writer does.
    inside = np.linspace(-1.2, 1.2, 8 * 8 * 3, dtype="float32").reshape(1, 8, 8, 3)
    assert random_network.predict_on_batch(inside).shape == (1, 2048)
    assert fid_inception.FIDPreprocessing()(small.astype("uint8")).shape == (1, 299, 299, 3)
