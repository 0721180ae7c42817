"""Property tests over random small GANs: shapes and frozen weights."""

import keras
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from keras import layers
from model_zoo import changed
from model_zoo import snapshot

import keras_gan
from keras_gan.backend import run_eagerly


@st.composite
def gan_setups(draw):
    side = draw(st.sampled_from([4, 6, 8]))
    channels = draw(st.sampled_from([1, 3]))
    return {
        "latent_dim": draw(st.integers(1, 6)),
        "shape": (side, side, channels),
        "width": draw(st.integers(2, 8)),
        "g_batch_norm": draw(st.booleans()),
        "d_batch_norm": draw(st.booleans()),
        "d_conv": draw(st.booleans()),
        "dropout": draw(st.sampled_from([0.0, 0.3])),
        "score_rank": draw(st.sampled_from([1, 2])),
        "batch": draw(st.integers(2, 6)),
        "loss": draw(st.sampled_from(keras_gan.losses.LOSS_NAMES)),
        "d_steps": draw(st.integers(1, 3)),
        "gradient_penalty": draw(st.sampled_from([0.0, 1.0])),
    }


def build(setup):
    h, w, c = setup["shape"]
    z = keras.Input((setup["latent_dim"],))
    x = layers.Dense(setup["width"])(z)
    if setup["g_batch_norm"]:
        x = layers.BatchNormalization()(x)
    x = layers.Dense(h * w * c, activation="tanh")(layers.ReLU()(x))
    generator = keras.Model(z, layers.Reshape(setup["shape"])(x))

    s = keras.Input(setup["shape"])
    if setup["d_conv"]:
        y = layers.Conv2D(setup["width"], 3, strides=2, padding="same")(s)
    else:
        y = layers.Dense(setup["width"])(s)
    if setup["d_batch_norm"]:
        y = layers.BatchNormalization()(y)
    y = layers.LeakyReLU(0.2)(y)
    if setup["dropout"]:
        y = layers.Dropout(setup["dropout"])(y)
    y = layers.Dense(1)(layers.Flatten()(y))
    if setup["score_rank"] == 1:
        y = layers.Reshape(())(y)
    discriminator = keras.Model(s, y)
    gan = keras_gan.GAN(generator, discriminator)
    gan.compile(
        keras.optimizers.Adam(1e-2),
        keras.optimizers.Adam(1e-2),
        loss=setup["loss"],
        d_steps=setup["d_steps"],
        gradient_penalty=setup["gradient_penalty"],
    )
    return gan


def real_batch(setup):
    rng = np.random.default_rng(setup["batch"])
    return keras.ops.convert_to_tensor(
        rng.uniform(-1, 1, (setup["batch"],) + setup["shape"]).astype("float32")
    )


@given(setup=gan_setups(), n=st.integers(1, 9))
def test_generate_and_predict_shapes(setup, n):
    gan = build(setup)
    assert gan.latent_dim == setup["latent_dim"]
    assert gan.generate(n).shape == (n,) + setup["shape"]
    z = np.zeros((n, setup["latent_dim"]), "float32")
    assert gan.predict(z, verbose=0).shape == (n,) + setup["shape"]


@given(setup=gan_setups())
def test_discriminator_update_freezes_the_generator(setup):
    gan = build(setup)
    before = snapshot(gan.generator)
    d_before = snapshot(gan.discriminator.trainable_variables)
    loss, _ = run_eagerly(gan, lambda: gan._discriminator_update(real_batch(setup), None))
    assert np.isfinite(float(keras.ops.convert_to_numpy(loss)))
    assert changed(before, snapshot(gan.generator)) == []
    assert changed(d_before, snapshot(gan.discriminator.trainable_variables)) != []


@given(setup=gan_setups())
def test_generator_update_freezes_the_discriminator(setup):
    gan = build(setup)
    before = snapshot(gan.discriminator)  # BatchNorm statistics and Dropout seeds too
    g_before = snapshot(gan.generator.trainable_variables)
    run_eagerly(gan, lambda: gan._generator_update(setup["batch"], None))
    assert changed(before, snapshot(gan.discriminator)) == []
    assert changed(g_before, snapshot(gan.generator.trainable_variables)) != []


@given(setup=gan_setups())
def test_one_fit_step_counts_updates_and_logs_finite_losses(setup):
    gan = build(setup)
    data = keras.ops.convert_to_numpy(real_batch(setup))
    history = gan.fit(data, batch_size=setup["batch"], epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations) == setup["d_steps"]
    assert int(gan.g_optimizer.iterations) == 1
    assert np.isfinite(history.history["d_loss"][0]) and np.isfinite(history.history["g_loss"][0])
