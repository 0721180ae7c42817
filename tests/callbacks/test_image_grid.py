import importlib.util
import io
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from callback_testing import reference_grid
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from keras_gan.callbacks import ImageGrid


def read_png(path):
    with Image.open(path) as image:
        pixels = np.asarray(image)
    return pixels if pixels.ndim == 3 else pixels[..., None]


def read_tensorboard_images(log_dir, tag="generated"):
    """Returns `{step: uint8 image}` of the image summaries under `log_dir/train`."""
    accumulator = EventAccumulator(os.path.join(log_dir, "train"), size_guidance={"tensors": 0})
    accumulator.Reload()
    found = {}
    for event in accumulator.Tensors(tag):
        _, _, png = tf.make_ndarray(event.tensor_proto)  # width, height, encoded image
        found[event.step] = read_png(io.BytesIO(png))
    return found


class RecordSamples(keras.callbacks.Callback):
    """Records, after each epoch, what the sampling generator makes from `inputs`."""

    def __init__(self, inputs):
        super().__init__()
        self.inputs = inputs
        self.samples = []

    def on_epoch_end(self, epoch, logs=None):
        generated = self.model.sampling_generator(self.inputs, training=False)
        self.samples.append(keras.ops.convert_to_numpy(generated))


def test_grayscale_grids_equal_the_fixed_noise_samples(tmp_path, make_gan, images):
    gan = make_gan(ema_decay=0.5)  # samples must come from the EMA generator
    record = RecordSamples(gan.sample_noise(6, seed=3))
    grid = ImageGrid(tmp_path, num_images=6, seed=3)
    gan.fit(images, batch_size=8, epochs=2, verbose=0, callbacks=[grid, record])

    assert sorted(os.listdir(tmp_path / "samples")) == ["epoch_0001.png", "epoch_0002.png"]
    written = read_tensorboard_images(tmp_path)
    assert sorted(written) == [0, 1]
    for epoch, samples in enumerate(record.samples):
        expected = reference_grid(samples, (-1, 1), ncols=3)
        assert expected.shape == (2 * 5 + 1, 3 * 5 + 1, 1)
        np.testing.assert_array_equal(
            read_png(tmp_path / f"samples/epoch_{epoch + 1:04d}.png"), expected
        )
        np.testing.assert_array_equal(written[epoch], expected)
    assert not np.array_equal(written[0], written[1])  # same noise, trained generator
    plain = keras.ops.convert_to_numpy(gan.generator(record.inputs, training=False))
    assert not np.array_equal(reference_grid(plain, (-1, 1), 3), written[1])


def test_rgb_grid_with_sigmoid_range(tmp_path, make_gan):
    gan = make_gan(sample_shape=(4, 4, 3))
    rgb = np.random.default_rng(0).uniform(-1, 1, (8, 4, 4, 3)).astype("float32")
    record = RecordSamples(gan.sample_noise(4, seed=0))
    grid = ImageGrid(tmp_path, num_images=4, value_range=(0, 1))  # tanh output: clipped
    gan.fit(rgb, batch_size=4, epochs=1, verbose=0, callbacks=[grid, record])

    expected = reference_grid(record.samples[0], (0, 1), ncols=2)
    assert expected.shape == (11, 11, 3)
    assert (expected[1:5, 1:5] == 0).any()  # negative outputs clipped to black
    np.testing.assert_array_equal(read_png(tmp_path / "samples/epoch_0001.png"), expected)
    np.testing.assert_array_equal(read_tensorboard_images(tmp_path)[0], expected)


def test_conditional_gan_has_one_row_per_class(tmp_path, make_cgan, images):
    cgan = make_cgan(num_classes=3)
    labels = np.arange(16) % 3
    grid = ImageGrid(tmp_path, num_images=2, seed=5)
    cgan.fit(images, labels, batch_size=8, epochs=1, verbose=0, callbacks=[grid])

    noise = cgan.sample_noise(2, seed=5)
    rows = [
        keras.ops.convert_to_numpy(
            cgan.sampling_generator([noise, np.full((2, 1), c, "int32")], training=False)
        )
        for c in range(3)
    ]
    expected = reference_grid(np.concatenate(rows), (-1, 1), ncols=2)
    assert expected.shape == (3 * 5 + 1, 2 * 5 + 1, 1)
    np.testing.assert_array_equal(read_png(tmp_path / "samples/epoch_0001.png"), expected)
    np.testing.assert_array_equal(read_tensorboard_images(tmp_path)[0], expected)


def test_every_n_epochs_and_no_png(tmp_path, make_gan, images):
    gan = make_gan()
    grid = ImageGrid(tmp_path, num_images=1, every_n_epochs=2, save_png=False)
    gan.fit(images, batch_size=8, epochs=3, verbose=0, callbacks=[grid])
    assert sorted(read_tensorboard_images(tmp_path)) == [1]
    assert not (tmp_path / "samples").exists()


def test_grids_share_the_tensorboard_callbacks_run(tmp_path, make_gan, images):
    gan = make_gan()
    board = keras.callbacks.TensorBoard(tmp_path, write_graph=False)
    grid = ImageGrid(tmp_path, num_images=2, save_png=False)
    gan.fit(images, batch_size=8, epochs=2, verbose=0, callbacks=[board, grid])
    assert sorted(os.listdir(tmp_path)) == ["train"]  # one run: scalars and images
    accumulator = EventAccumulator(str(tmp_path / "train"), size_guidance={"tensors": 0})
    accumulator.Reload()
    assert [e.step for e in accumulator.Tensors("epoch_g_loss")] == [0, 1]
    assert [e.step for e in accumulator.Tensors("generated")] == [0, 1]


def test_needs_image_samples(tmp_path, make_gan):
    gan = make_gan(sample_shape=(6,))
    with pytest.raises(ValueError, match=r"Expected a generator of images.*sample_shape=\(6,\)"):
        gan.fit(np.zeros((4, 6)), epochs=1, verbose=0, callbacks=[ImageGrid(tmp_path)])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(log_dir=None), r"Expected `log_dir` to be a directory path .*log_dir=None"),
        (dict(num_images=0), r"Expected `num_images` to be a positive integer.*num_images=0"),
        (dict(every_n_epochs=1.5), r"`every_n_epochs` .*Received: every_n_epochs=1.5"),
        (dict(seed="0"), r"Expected `seed` to be an integer or None. Received: seed='0'"),
        (dict(save_png="yes"), r"Expected `save_png` to be True or False.*save_png='yes'"),
        (dict(value_range=(1, 0)), r"Expected `value_range` .*value_range=\(1, 0\)"),
    ],
)
def test_constructor_errors(tmp_path, kwargs, match):
    kwargs = {"log_dir": tmp_path, **kwargs}
    with pytest.raises(ValueError, match=match):
        ImageGrid(**kwargs)


def test_missing_tensorboard_has_an_install_hint(tmp_path, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "tensorboard" else find_spec(name, *a),
    )
    with pytest.raises(ImportError, match="pip install tensorboard"):
        ImageGrid(tmp_path)
