"""What a new user gets wrong, refused or warned about clearly (issue 13)."""

import keras
import numpy as np
import pytest
from keras import layers
from model_zoo import changed
from model_zoo import conditional_pair
from model_zoo import dense_discriminator
from model_zoo import dense_generator
from model_zoo import images
from model_zoo import snapshot

import keras_gan


def compiled_gan(generator=None, discriminator=None, gan_kwargs=None, **compile_kwargs):
    gan = keras_gan.GAN(
        generator or dense_generator(), discriminator or dense_discriminator(), **(gan_kwargs or {})
    )
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2), **compile_kwargs)
    return gan


def sequential_generator(activation):
    return keras.Sequential(
        [keras.Input((4,)), layers.Dense(16, activation=activation), layers.Reshape((4, 4, 1))]
    )


# ------------------------------------------------------------- data range (13.2)
@pytest.mark.parametrize(
    "generator, hint",
    [
        (dense_generator, r"x / 127\.5 - 1"),
        (lambda: sequential_generator("sigmoid"), r"x / 255"),
    ],
)
def test_unscaled_float_images_are_refused(generator, hint):
    gan = compiled_gan(generator())
    data = np.random.default_rng(0).integers(0, 256, (16, 4, 4, 1)).astype("float32")
    before = snapshot(gan.generator.variables + gan.discriminator.variables)
    with pytest.raises(ValueError, match=rf"Expected samples in \[.*\].*Received: .*255.*{hint}"):
        gan.fit(data, batch_size=8, epochs=1, verbose=0)
    import tensorflow as tf

    with pytest.raises(ValueError, match=r"Expected samples in \[.*first batch"):
        gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(8), epochs=1, verbose=0)
    assert changed(before, snapshot(gan.generator.variables + gan.discriminator.variables)) == []


def test_unscaled_images_are_refused_by_a_conditional_gan():
    g, d = conditional_pair()
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    cgan.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    with pytest.raises(ValueError, match=r"Expected samples in \[-1, 1\]"):
        cgan.fit(images(8) * 100, np.zeros(8, "int32"), batch_size=8, verbose=0)


def test_data_outside_a_linear_or_unknown_output_range_is_accepted():
    for generator in (sequential_generator(None), sequential_generator("relu")):
        gan = compiled_gan(generator)
        history = gan.fit(images(8) * 100, batch_size=8, epochs=1, verbose=0)
        assert np.isfinite(history.history["d_loss"][0])


def test_output_range_is_read_through_shape_only_layers():
    from keras_gan import validation

    assert validation.output_range(dense_generator()) == ("tanh", -1.0, 1.0)
    assert validation.output_range(sequential_generator("sigmoid")) == ("sigmoid", 0.0, 1.0)
    assert validation.output_range(sequential_generator(None)) is None
    x = inputs = keras.Input((4,))
    x = layers.Dense(16)(x)
    x = layers.Activation("tanh")(x)
    outputs = layers.Add()([layers.Reshape((4, 4, 1))(x), layers.Reshape((4, 4, 1))(x)])
    assert validation.output_range(keras.Model(inputs, outputs)) is None  # not a bound
    nested = keras.Sequential([dense_generator(), layers.Flatten()])
    assert validation.output_range(nested) == ("tanh", -1.0, 1.0)
