"""Property tests over random small GANs, through the public API: shapes, and each
update moving only its own network."""

import keras
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from keras import layers
from model_zoo import changed
from model_zoo import snapshot

import keras_gan


def optimizer(learning_rate):
    """Adam, or SGD with a zero learning rate: a network that must not move."""
    if learning_rate == 0:
        return keras.optimizers.SGD(0.0)
    return keras.optimizers.Adam(learning_rate)


def output_layer(model):
    """The last Dense layer's kernel and bias: one of them has a non-zero gradient (the
    kernel unless every unit before it is dead; the bias unless the loss is
    Wasserstein's, blind to a constant)."""
    dense = [layer for layer in model.layers if isinstance(layer, layers.Dense)][-1]
    return [dense.kernel, dense.bias]


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


def build(setup, d_lr=1e-2, g_lr=1e-2):
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
        optimizer(d_lr),
        optimizer(g_lr),
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
def test_generate_and_predict_run_the_generator(setup, n):
    gan = build(setup)
    assert gan.latent_dim == setup["latent_dim"]
    samples = gan.generate(n, seed=5)
    assert samples.shape == (n,) + setup["shape"]
    np.testing.assert_array_equal(samples, gan.generate(n, seed=5))  # a seed fixes the draw
    z = np.random.default_rng(n).normal(size=(n, setup["latent_dim"])).astype("float32")
    expected = keras.ops.convert_to_numpy(gan.generator(z, training=False))
    np.testing.assert_allclose(gan.predict(z, verbose=0), expected, rtol=1e-6, atol=1e-6)


@given(setup=gan_setups())
def test_the_discriminator_update_moves_no_generator_weight(setup):
    # The generator's own optimizer does nothing (learning rate 0): any change of its
    # weights in a step would come from the discriminator's update(s).
    gan = build(setup, g_lr=0.0)
    g_before = snapshot(gan.generator.trainable_variables)
    d_before = snapshot(output_layer(gan.discriminator))
    logs = gan.train_on_batch(real_batch(setup), return_dict=True)
    assert np.isfinite(logs["d_loss"]) and np.isfinite(logs["g_loss"])
    assert changed(g_before, snapshot(gan.generator.trainable_variables)) == []
    assert changed(d_before, snapshot(output_layer(gan.discriminator))) != []


@given(setup=gan_setups())
def test_the_generator_update_moves_no_discriminator_weight(setup):
    # The mirror image: the discriminator's optimizer does nothing, so its weights
    # change only if the generator's update reaches them.
    gan = build(setup, d_lr=0.0)
    d_before = snapshot(gan.discriminator.trainable_variables)
    g_before = snapshot(output_layer(gan.generator))
    gan.train_on_batch(real_batch(setup))
    assert changed(d_before, snapshot(gan.discriminator.trainable_variables)) == []
    assert changed(g_before, snapshot(output_layer(gan.generator))) != []


@given(setup=gan_setups())
def test_one_fit_step_counts_updates_and_logs_finite_losses(setup):
    gan = build(setup)
    data = keras.ops.convert_to_numpy(real_batch(setup))
    history = gan.fit(data, batch_size=setup["batch"], epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations) == setup["d_steps"]
    assert int(gan.g_optimizer.iterations) == 1
    assert np.isfinite(history.history["d_loss"][0]) and np.isfinite(history.history["g_loss"][0])
