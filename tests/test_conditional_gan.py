"""ConditionalGAN: labels in, one sample per label out; its own checks."""

import keras
import numpy as np
import pytest
from keras import layers
from model_zoo import changed
from model_zoo import conditional_pair
from model_zoo import images
from model_zoo import snapshot

import keras_gan
from keras_gan.backend import run_eagerly


@pytest.mark.parametrize("label_rank", [1, 2])
def test_fit_and_generate(label_rank):
    g, d = conditional_pair(label_rank=label_rank)
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    cgan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2), loss="hinge")
    labels = np.arange(16) % 3
    history = cgan.fit(images(16), labels, batch_size=8, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["d_loss"]))
    assert cgan.generate(7).shape == (7, 4, 4, 1)
    z = cgan.sample_noise(2, seed=0)
    expected = keras.ops.convert_to_numpy(
        g([z, np.array([2, 0]).reshape((2,) + (1,) * (label_rank - 1))], training=False)
    )
    np.testing.assert_allclose(cgan.generate(2, labels=[2, 0], seed=0), expected, rtol=1e-6)
    np.testing.assert_allclose(cgan.predict([z, np.array([2, 0])], verbose=0), expected, rtol=1e-6)


def test_labels_change_the_samples():
    g, d = conditional_pair()
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    a = cgan.generate(4, labels=[0] * 4, seed=1)
    b = cgan.generate(4, labels=[1] * 4, seed=1)
    assert not np.allclose(a, b)


def test_frozen_updates():
    g, d = conditional_pair()
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    cgan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    x = keras.ops.convert_to_tensor(images(8))
    labels = keras.ops.convert_to_tensor(np.arange(8) % 3)
    g0, d0 = snapshot(g), snapshot(d)
    run_eagerly(cgan, lambda: cgan._discriminator_update(x, labels))
    assert changed(g0, snapshot(g)) == []
    d1 = snapshot(d)
    assert changed(d0, d1) != []
    run_eagerly(cgan, lambda: cgan._generator_update(x, labels))
    assert changed(d1, snapshot(d)) == []


def test_missing_labels():
    g, d = conditional_pair()
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    cgan.compile("adam", "adam")
    with pytest.raises(ValueError, match=r"yield \(samples, labels\). Received: batches of"):
        cgan.fit(images(8), batch_size=8, verbose=0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"labels": [0, 5]}, r"labels in \[0, 3\). Received: labels from 0 to 5"),
        ({"labels": [0]}, "Expected 2 labels. Received: 1 labels"),
        ({"labels": [0.5, 1.0]}, "integer labels. Received: dtype=float64"),
    ],
)
def test_generate_checks_labels(kwargs, message):
    g, d = conditional_pair()
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    with pytest.raises(ValueError, match=message):
        cgan.generate(2, **kwargs)


def test_num_classes_checked():
    g, d = conditional_pair()
    with pytest.raises(ValueError, match="integer >= 2. Received: num_classes=1"):
        keras_gan.ConditionalGAN(g, d, num_classes=1)


def test_call_needs_noise_and_labels():
    g, d = conditional_pair()
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    with pytest.raises(ValueError, match=r"Expected \[noise, labels\]"):
        cgan(np.zeros((2, 4), "float32"))


def test_discriminator_without_labels_input():
    g, _ = conditional_pair()
    inputs = keras.Input((4, 4, 1))
    d = keras.Model(inputs, layers.Dense(1)(layers.Flatten()(inputs)))
    with pytest.raises(ValueError, match=r"discriminator to take two inputs \[samples, labels\]"):
        keras_gan.ConditionalGAN(g, d, num_classes=3)


def test_generator_without_labels_input():
    from model_zoo import dense_discriminator
    from model_zoo import dense_generator

    with pytest.raises(ValueError, match=r"two inputs \[noise, labels\]"):
        keras_gan.ConditionalGAN(dense_generator(), dense_discriminator(), num_classes=3)


def test_ema_generator_serves_generate_predict_call_and_the_checkpoint(tmp_path):
    g, d = conditional_pair()
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3, ema_decay=0.5)
    cgan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    checkpoint = keras_gan.callbacks.GANCheckpoint(tmp_path)
    cgan.fit(
        images(16), np.arange(16) % 3, batch_size=8, epochs=1, verbose=0, callbacks=[checkpoint]
    )
    z = cgan.sample_noise(3, seed=0)
    labels = np.array([2, 0, 1]).reshape(3, 1)
    expected = keras.ops.convert_to_numpy(cgan.ema_generator([z, labels], training=False))
    raw = keras.ops.convert_to_numpy(g([z, labels], training=False))
    assert not np.allclose(expected, raw)
    np.testing.assert_allclose(cgan.generate(3, labels=[2, 0, 1], seed=0), expected, rtol=1e-5)
    np.testing.assert_allclose(cgan.predict([z, labels], verbose=0), expected, rtol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(cgan([z, labels])), expected, rtol=1e-5)
    saved = keras.models.load_model(str(tmp_path / "generator_epoch_0001.keras"))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(saved([z, labels], training=False)), expected, rtol=1e-5
    )


def _batches_with_a_late_label(data, bad):
    def batches():  # a Python generator: not read ahead
        yield data[:8], np.zeros(8, "int32")
        yield data[8:], np.array([0, 1, 2, bad, 0, 1, 2, 0], "int32")

    return batches()


@pytest.mark.parametrize("bad", [3, -1])
def test_a_bad_label_after_the_first_batch_fails_naming_it(bad):
    # In the step on TensorFlow and PyTorch; on JAX, from the state the step recorded,
    # when the epoch ends.
    g, d = conditional_pair()
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    cgan.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    data = images(16)
    message = rf"Expected labels in \[0, 3\)(.|\n)*{bad}"
    with pytest.raises(Exception, match=message):
        cgan.fit(_batches_with_a_late_label(data, bad), steps_per_epoch=2, epochs=1, verbose=0)
    with pytest.raises(Exception, match=message):
        cgan.evaluate(_batches_with_a_late_label(data, bad), steps=2, verbose=0)
    with pytest.raises(Exception, match=message):
        cgan.train_on_batch(data[:8], np.array([0, 1, 2, bad, 0, 1, 2, 0], "int32"))
    # The record of bad labels is cleared by the failure: good labels pass.
    cgan.evaluate(data, np.arange(16) % 3, batch_size=8, verbose=0)


def test_the_label_record_is_not_saved(tmp_path):
    # A .keras file holds the same variables as before the record existed, so files
    # written by either version load in both.
    g, d = conditional_pair()
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    store = {}
    cgan.save_own_variables(store)
    own = [k for k in store if not k.startswith("seed_state_")]
    # label_smoothing, r1_penalty, r2_penalty, images_seen: scalars; the record is [low, high]
    assert own == ["0", "1", "2", "3"]
    assert all(np.shape(store[k]) == () for k in own)
    np.testing.assert_array_equal(store["0"], keras.ops.convert_to_numpy(cgan.label_smoothing))
    cgan.label_smoothing = 0.1
    cgan.save(tmp_path / "cgan.keras")
    loaded = keras.models.load_model(tmp_path / "cgan.keras")
    assert float(keras.ops.convert_to_numpy(loaded.label_smoothing)) == pytest.approx(0.1)


@pytest.mark.parametrize("bad", [3, -1])
def test_predict_and_call_refuse_a_label_out_of_range(bad):
    # Past the label embedding: NaN samples on JAX, an indexing error elsewhere.
    g, d = conditional_pair()
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    z = np.zeros((2, 4), "float32")
    labels = np.array([0, bad])
    low, high = min(0, bad), max(0, bad)
    message = rf"Expected labels in \[0, 3\)\. Received: labels from {low} to {high}"
    with pytest.raises(ValueError, match=message):
        cgan.predict([z, labels], verbose=0)
    with pytest.raises(ValueError, match=message):
        cgan([z, labels])
    with pytest.raises(ValueError, match=message):
        cgan([keras.ops.convert_to_tensor(z), keras.ops.convert_to_tensor(labels)])
    np.testing.assert_array_equal(
        cgan.predict([z, np.array([0, 2])], verbose=0).shape, (2, 4, 4, 1)
    )


def test_predict_on_a_dataset_refuses_a_label_out_of_range():
    # In the traced step on TensorFlow (as in `fit`), when `predict` ends on JAX.
    import tensorflow as tf

    g, d = conditional_pair()
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    z = np.zeros((4, 4), "float32")
    batches = tf.data.Dataset.from_tensor_slices(((z, np.array([0, 1, 2, 5])),)).batch(2)
    with pytest.raises(Exception, match=r"Expected labels in \[0, 3\)(.|\n)*5"):
        cgan.predict(batches, verbose=0)
    good = tf.data.Dataset.from_tensor_slices(((z, np.array([0, 1, 2, 0])),)).batch(2)
    assert np.all(np.isfinite(cgan.predict(good, verbose=0)))
