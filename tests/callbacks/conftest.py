"""Fixtures of the callback tests: tiny GANs that train in well under a second."""

import keras
import model_zoo
import pytest

import keras_gan


def _compile(gan, lr, g_lr, loss):
    g_lr = lr if g_lr is None else g_lr
    gan.compile(keras.optimizers.Adam(lr), keras.optimizers.Adam(g_lr), loss=loss)
    return gan


def _gan(sample_shape=(4, 4, 1), *, ema_decay=None, lr=1e-2, g_lr=None, loss="non_saturating"):
    generator = model_zoo.dense_generator(sample_shape=sample_shape, batch_norm=False)
    discriminator = model_zoo.dense_discriminator(
        sample_shape=sample_shape, batch_norm=False, dropout=0
    )
    gan = keras_gan.GAN(generator, discriminator, seed=1, ema_decay=ema_decay)
    return _compile(gan, lr, g_lr, loss)


def _cgan(num_classes=3, *, lr=1e-2):
    generator, discriminator = model_zoo.conditional_pair(num_classes=num_classes)
    gan = keras_gan.ConditionalGAN(generator, discriminator, num_classes, seed=1)
    return _compile(gan, lr, None, "non_saturating")


@pytest.fixture
def make_gan():
    """`make_gan(sample_shape=(4, 4, 1), *, ema_decay, lr, g_lr, loss)`: a compiled GAN."""
    return _gan


@pytest.fixture
def make_cgan():
    """`make_cgan(num_classes=3)`: a compiled ConditionalGAN on 4x4x1 samples."""
    return _cgan


@pytest.fixture
def images():
    """16 fixed 4x4 grayscale training images in [-1, 1]."""
    return model_zoo.images(16)
