"""The three classic setups, written as a user would, train unchanged."""

import keras
import numpy as np
from keras import layers

import keras_gan


def tf_tutorial_dcgan():
    """The TensorFlow DCGAN tutorial's models: 28x28x1, BatchNorm, logits."""
    generator = keras.Sequential(
        [
            keras.Input((100,)),
            layers.Dense(7 * 7 * 256, use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Reshape((7, 7, 256)),
            layers.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(1, 5, strides=2, padding="same", activation="tanh"),
        ]
    )
    discriminator = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(64, 5, strides=2, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Conv2D(128, 5, strides=2, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )
    return generator, discriminator


def mlp_with_sigmoid():
    generator = keras.Sequential(
        [keras.Input((16,)), layers.Dense(32, activation="relu"), layers.Dense(8, "tanh")]
    )
    discriminator = keras.Sequential(
        [keras.Input((8,)), layers.Dense(32, activation="relu"), layers.Dense(1, "sigmoid")]
    )
    return generator, discriminator


def cifar_style():
    generator = keras.Sequential(
        [
            keras.Input((32,)),
            layers.Dense(4 * 4 * 32),
            layers.Reshape((4, 4, 32)),
            layers.Conv2DTranspose(16, 4, strides=2, padding="same"),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Conv2DTranspose(8, 4, strides=2, padding="same"),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Conv2DTranspose(3, 4, strides=2, padding="same", activation="tanh"),
        ]
    )
    discriminator = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            layers.Conv2D(8, 4, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Conv2D(16, 4, strides=2, padding="same"),
            layers.BatchNormalization(),
            layers.LeakyReLU(0.2),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )
    return generator, discriminator


def train(generator, discriminator, data, **compile_kwargs):
    gan = keras_gan.GAN(generator, discriminator)
    gan.compile(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4), **compile_kwargs)
    history = gan.fit(data, batch_size=8, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["d_loss"] + history.history["g_loss"]))
    samples = gan.generate(3)
    assert samples.shape == (3,) + data.shape[1:]
    assert np.all(np.abs(samples) <= 1.0)  # tanh outputs
    return gan


def test_tf_dcgan_tutorial_models():
    rng = np.random.default_rng(0)
    gan = train(*tf_tutorial_dcgan(), rng.uniform(-1, 1, (16, 28, 28, 1)).astype("float32"))
    assert gan.latent_dim == 100


def test_mlp_with_sigmoid_discriminator():
    rng = np.random.default_rng(0)
    gan = train(
        *mlp_with_sigmoid(),
        rng.uniform(-1, 1, (32, 8)).astype("float32"),
        from_logits=False,
        loss="minimax",
        label_smoothing=0.1,
    )
    assert gan.gan_loss.from_logits is False


def test_mlp_with_sigmoid_learns_a_shifted_mean():
    """A real (if tiny) learning check: generated means move towards the data's."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    data = (0.5 + 0.05 * rng.standard_normal((512, 8))).astype("float32")
    gan = keras_gan.GAN(*mlp_with_sigmoid())
    gan.compile(keras.optimizers.Adam(2e-3), keras.optimizers.Adam(2e-3), from_logits=False)
    before = abs(gan.generate(256, seed=0).mean() - 0.5)
    gan.fit(data, batch_size=64, epochs=30, verbose=0)
    after = abs(gan.generate(256, seed=0).mean() - 0.5)
    assert after < 0.5 * before


def test_cifar_style_conv_pair():
    rng = np.random.default_rng(0)
    train(
        *cifar_style(),
        rng.uniform(-1, 1, (16, 32, 32, 3)).astype("float32"),
        loss="hinge",
        d_steps=2,
    )
