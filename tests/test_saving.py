"""Saving: config and .keras round trips; a reloaded GAN trains on exactly as before."""

import keras
import numpy as np
import pytest
from model_zoo import changed
from model_zoo import conditional_pair
from model_zoo import dense_discriminator
from model_zoo import dense_generator
from model_zoo import images
from model_zoo import snapshot
from model_zoo import training_state

import keras_gan


def build(kind, **gan_kwargs):
    if kind == "conditional":
        g, d = conditional_pair()
        return keras_gan.ConditionalGAN(g, d, num_classes=3, **gan_kwargs)
    # A seeded Dropout: on PyTorch an unseeded one draws from torch's global RNG (Keras'
    # choice), which no .keras file holds; seeded, its state is saved with the GAN.
    return keras_gan.GAN(dense_generator(), dense_discriminator(dropout_seed=7), **gan_kwargs)


def data(kind):
    x = images(16)
    return (x, np.arange(16) % 3) if kind == "conditional" else (x,)


def fit(gan, kind, epochs=1):
    return gan.fit(*data(kind), batch_size=8, epochs=epochs, verbose=0, shuffle=False)


@pytest.mark.parametrize("kind", ["plain", "conditional"])
def test_config_round_trip(kind):
    gan = build(kind, seed=5, ema_decay=0.9)
    config = gan.get_config()
    clone = type(gan).from_config(config)
    assert clone.get_config()["latent_dim"] == config["latent_dim"]
    assert clone.seed == 5 and clone.ema_decay == 0.9
    assert clone.sample_shape == gan.sample_shape
    assert len(clone.generator.weights) == len(gan.generator.weights)


@pytest.mark.parametrize("kind", ["plain", "conditional"])
@pytest.mark.parametrize("ema", [None, 0.9])
def test_reloaded_gan_continues_training_identically(kind, ema, tmp_path):
    gan = build(kind, ema_decay=ema)
    gan.compile(
        keras.optimizers.Adam(1e-2, beta_1=0.5),
        keras.optimizers.RMSprop(1e-2),
        loss="least_squares",
        d_steps=2,
        label_smoothing=0.1,
        gradient_penalty=0.5,
    )
    fit(gan, kind)
    gan.label_smoothing = 0.2  # changed after compile: the saved value must be this one
    path = tmp_path / "gan.keras"
    gan.save(path)
    restored = keras.models.load_model(path)  # safe_mode=True, the default

    assert type(restored) is type(gan)
    # Seeds and optimizers included.
    assert changed(training_state(gan), training_state(restored)) == []
    assert int(restored.d_optimizer.iterations) == 4
    assert float(keras.ops.convert_to_numpy(restored.label_smoothing)) == pytest.approx(0.2)
    assert restored.d_steps == 2 and restored.gradient_penalty_weight == 0.5
    assert isinstance(restored.gan_loss, keras_gan.losses.LeastSquares)
    np.testing.assert_array_equal(gan.generate(4, seed=1), restored.generate(4, seed=1))

    fit(gan, kind)
    fit(restored, kind)
    assert changed(training_state(gan), training_state(restored)) == []


def test_fresh_gan_differs_from_a_reloaded_one(tmp_path):
    """The check above is not vacuous: an unsaved noise state gives other weights."""
    gan = build("plain")
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    fit(gan, "plain")
    gan.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras")
    restored.seed_generator.state.assign(np.array([1, 0], dtype="uint32"))
    fit(gan, "plain")
    fit(restored, "plain")
    assert changed(snapshot(gan.generator), snapshot(restored.generator)) != []


def test_uncompiled_gan_round_trips(tmp_path):
    gan = build("plain")
    gan.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras")
    assert not hasattr(restored, "gan_loss")
    np.testing.assert_array_equal(gan.generate(3, seed=0), restored.generate(3, seed=0))


def test_loading_emits_no_compile_or_optimizer_warning(tmp_path, recwarn):
    gan = build("plain")
    gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    fit(gan, "plain")
    gan.save(tmp_path / "gan.keras")
    keras.models.load_model(tmp_path / "gan.keras")
    messages = [str(w.message) for w in recwarn]
    assert not [m for m in messages if "compile" in m or "optimizer" in m.lower()], messages


def test_custom_loss_object_round_trips(tmp_path):
    gan = build("plain")
    gan.compile("adam", "adam", loss=keras_gan.losses.Minimax(from_logits=True))
    gan.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras")
    assert isinstance(restored.gan_loss, keras_gan.losses.Minimax)
