"""compile(update=...): the alternating default and the simultaneous mode."""

import keras
import numpy as np
import pytest
from model_zoo import dense_discriminator
from model_zoo import dense_generator
from model_zoo import images
from model_zoo import snapshot

import keras_gan


def make(update="simultaneous", opt=keras.optimizers.Adam, **compile_kwargs):
    gan = keras_gan.GAN(dense_generator(), dense_discriminator(dropout=0), seed=3)
    gan.compile(opt(1e-2), opt(1e-2), update=update, **compile_kwargs)
    return gan


def test_simultaneous_updates_each_network_once_per_step():
    gan = make(gradient_penalty=1.0)
    history = gan.fit(images(32), batch_size=8, epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations) == 4 and int(gan.g_optimizer.iterations) == 4
    assert set(history.history) == {"d_loss", "g_loss", "gradient_penalty"}
    assert np.all(np.isfinite(list(history.history.values())))


def test_simultaneous_generator_step_does_not_see_the_discriminator_update():
    """One step with the discriminator's learning rate 0 and 1: under `simultaneous` the
    generator's gradient is taken at the discriminator's old weights, so its step is the
    same; under `alternating` it is taken after the discriminator's step, so it differs.
    The discriminator's own step (first noise draw, old generator) is the same in both."""

    def run(update, d_learning_rate):
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        gan = keras_gan.GAN(dense_generator(), dense_discriminator(dropout=0), seed=3)
        gan.compile(keras.optimizers.SGD(d_learning_rate), keras.optimizers.SGD(0.1), update=update)
        gan.fit(images(8), batch_size=8, epochs=1, verbose=0, shuffle=False)
        return snapshot(gan.generator), snapshot(gan.discriminator)

    def assert_close(a, b):
        for path in a:
            np.testing.assert_allclose(a[path], b[path], rtol=1e-5, atol=1e-6, err_msg=path)

    sim_still, _ = run("simultaneous", 0.0)
    sim, sim_d = run("simultaneous", 1.0)
    alt_still, _ = run("alternating", 0.0)
    alt, alt_d = run("alternating", 1.0)
    assert_close(sim_still, sim)
    assert_close(sim_d, alt_d)
    kernels = [path for path in alt if path.endswith("kernel")]
    assert len(kernels) == 2
    for path in kernels:
        assert np.abs(alt[path] - alt_still[path]).max() > 1e-4, path


@pytest.mark.tensorflow_only
def test_simultaneous_step_equals_the_tf_tutorial_step():
    """Same models, same noise: the TF DCGAN tutorial's two-tape step, written by hand.

    The canonical step, on networks with BatchNorm in training mode; on every backend,
    `test_step_equals_a_numpy_reference_on_linear_networks` checks the simultaneous step
    against gradients computed by hand.

    SGD, not Adam: Adam turns the float noise in the near-zero gradients of biases
    feeding BatchNorm into full-size steps.
    """
    import tensorflow as tf

    def build():
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        return make(opt=keras.optimizers.SGD)

    gan = build()
    x = images(8)
    gan.fit(x, batch_size=8, epochs=1, verbose=0, shuffle=False)

    ref = build()
    g, d = ref.generator, ref.discriminator
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    z = keras.random.normal((8, ref.latent_dim), seed=ref.seed_generator)
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake = g(z, training=True)
        real_out, fake_out = d(x, training=True), d(fake, training=True)
        g_loss = bce(tf.ones_like(fake_out), fake_out)
        d_loss = bce(tf.ones_like(real_out), real_out) + bce(tf.zeros_like(fake_out), fake_out)
    g_grads = g_tape.gradient(g_loss, g.trainable_variables)
    d_grads = d_tape.gradient(d_loss, d.trainable_variables)
    ref.g_optimizer.apply(g_grads, g.trainable_variables)
    ref.d_optimizer.apply(d_grads, d.trainable_variables)

    for a, b in zip(gan.generator.weights + gan.discriminator.weights, g.weights + d.weights):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-6
        )


def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def linear_pair(latent_dim=3, sample_shape=(2, 2, 1)):
    """`G(z) = z A + a` (reshaped) and `D(x) = x w + c`: their gradients are closed-form."""
    z = keras.Input((latent_dim,))
    generator = keras.Model(z, keras.layers.Reshape(sample_shape)(keras.layers.Dense(4)(z)))
    x = keras.Input(sample_shape)
    discriminator = keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    return generator, discriminator


def numpy_step(params, real, noises, update, d_steps, lr):
    """One step of the non-saturating GAN with SGD, gradients by hand (NumPy).

    `L_D = mean softplus(-D(x)) + mean softplus(D(G(z)))`, `L_G = mean softplus(-D(G(z)))`;
    alternating: `d_steps` discriminator updates, each on fresh noise, then the generator
    on fresh noise against the updated discriminator; simultaneous: both gradients at
    the old weights, on one noise batch.
    """
    A, a, w, c = params
    n = len(real)

    def d_grads(w, c, z):
        fake = z @ A + a
        dr = -sigmoid(-(real @ w + c)) / n  # dL_D / dD(x_i)
        df = sigmoid(fake @ w + c) / n  # dL_D / dD(G(z_i))
        return real.T @ dr + fake.T @ df, dr.sum(0) + df.sum(0)

    def g_grads(w, c, z):
        fake = z @ A + a
        dfake = (-sigmoid(-(fake @ w + c)) / n) @ w.T  # dL_G / dG(z_i)
        return z.T @ dfake, dfake.sum(0)

    noises = iter(noises)
    if update == "simultaneous":
        z = next(noises)
        (gw, gc), (gA, ga) = d_grads(w, c, z), g_grads(w, c, z)
        return A - lr * gA, a - lr * ga, w - lr * gw, c - lr * gc
    for _ in range(d_steps):
        gw, gc = d_grads(w, c, next(noises))
        w, c = w - lr * gw, c - lr * gc
    gA, ga = g_grads(w, c, next(noises))
    return A - lr * gA, a - lr * ga, w, c


@pytest.mark.parametrize(
    "update, d_steps", [("simultaneous", 1), ("alternating", 1), ("alternating", 2)]
)
def test_step_equals_a_numpy_reference_on_linear_networks(update, d_steps):
    # Every backend: two fitted steps against the same two steps by hand. The noise is
    # what a generator of the GAN's seed draws, `(batch, latent_dim)` standard normal.
    lr, batch, latent_dim = 0.1, 4, 3
    generator, discriminator = linear_pair(latent_dim)
    params = [
        keras.ops.convert_to_numpy(v).astype("float64")
        for v in generator.trainable_variables + discriminator.trainable_variables
    ]
    gan = keras_gan.GAN(generator, discriminator, seed=3)
    gan.compile(keras.optimizers.SGD(lr), keras.optimizers.SGD(lr), update=update, d_steps=d_steps)
    x = images(2 * batch, (2, 2, 1))
    gan.fit(x, batch_size=batch, epochs=1, verbose=0, shuffle=False)

    seed = keras.random.SeedGenerator(3)
    draws = 1 if update == "simultaneous" else d_steps + 1
    for step in range(2):
        noises = [
            keras.ops.convert_to_numpy(keras.random.normal((batch, latent_dim), seed=seed))
            for _ in range(draws)
        ]
        real = x[step * batch : (step + 1) * batch].reshape(batch, -1).astype("float64")
        params = numpy_step(
            params, real, [z.astype("float64") for z in noises], update, d_steps, lr
        )
    fitted = generator.trainable_variables + discriminator.trainable_variables
    for variable, expected in zip(fitted, params):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(variable),
            expected,
            rtol=1e-5,
            atol=1e-6,
            err_msg=variable.path,
        )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"update": "both"}, r"one of \['alternating', 'simultaneous'\]. Received: update='both'"),
        ({"update": "simultaneous", "d_steps": 2}, "Expected `d_steps=1` with `update='simult"),
    ],
)
def test_update_is_checked(kwargs, message):
    gan = keras_gan.GAN(dense_generator(), dense_discriminator())
    with pytest.raises(ValueError, match=message):
        gan.compile("adam", "adam", **kwargs)


def test_update_mode_is_saved(tmp_path):
    gan = make()
    gan.save(tmp_path / "gan.keras")
    assert keras.models.load_model(tmp_path / "gan.keras").update == "simultaneous"
