"""Small generator/discriminator builders shared by the tests."""

import keras
import numpy as np
from keras import layers


def dense_generator(
    latent_dim=4, sample_shape=(4, 4, 1), batch_norm=True, name="generator", synchronized=False
):
    units = int(np.prod(sample_shape))
    x = inputs = keras.Input((latent_dim,))
    x = layers.Dense(8)(x)
    if batch_norm:
        x = layers.BatchNormalization(synchronized=synchronized)(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Dense(units, activation="tanh")(x)
    return keras.Model(inputs, layers.Reshape(sample_shape)(x), name=name)


def dense_discriminator(
    sample_shape=(4, 4, 1),
    batch_norm=True,
    dropout=0.2,
    score_rank=2,
    name="discriminator",
    dropout_seed=None,
    synchronized=False,
):
    x = inputs = keras.Input(sample_shape)
    x = layers.Flatten()(x)
    x = layers.Dense(8)(x)
    if batch_norm:
        x = layers.BatchNormalization(synchronized=synchronized)(x)
    x = layers.LeakyReLU(0.2)(x)
    if dropout:
        x = layers.Dropout(dropout, seed=dropout_seed)(x)
    x = layers.Dense(1)(x)
    if score_rank == 1:
        x = layers.Reshape(())(x)
    return keras.Model(inputs, x, name=name)


def conv_discriminator(sample_shape=(8, 8, 1), batch_norm=True, dropout=0.2):
    x = inputs = keras.Input(sample_shape)
    x = layers.Conv2D(4, 3, strides=2, padding="same")(x)
    if batch_norm:
        x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(0.2)(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(1)(x), name="conv_discriminator")


def conditional_pair(num_classes=3, latent_dim=4, sample_shape=(4, 4, 1), label_rank=2):
    label_shape = (1,) if label_rank == 2 else ()
    units = int(np.prod(sample_shape))
    noise = keras.Input((latent_dim,))
    labels = keras.Input(label_shape, dtype="int32")
    embedded = layers.Flatten()(layers.Embedding(num_classes, 3)(labels))
    x = layers.Concatenate()([noise, embedded])
    x = layers.BatchNormalization()(layers.Dense(8)(x))
    x = layers.Dense(units, activation="tanh")(layers.LeakyReLU(0.2)(x))
    generator = keras.Model([noise, labels], layers.Reshape(sample_shape)(x))

    samples = keras.Input(sample_shape)
    d_labels = keras.Input(label_shape, dtype="int32")
    d_embedded = layers.Flatten()(layers.Embedding(num_classes, 3)(d_labels))
    y = layers.Concatenate()([layers.Flatten()(samples), d_embedded])
    y = layers.BatchNormalization()(layers.Dense(8)(y))
    y = layers.Dense(1)(layers.LeakyReLU(0.2)(y))
    discriminator = keras.Model([samples, d_labels], y)
    return generator, discriminator


def images(n=32, sample_shape=(4, 4, 1), seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, size=(n,) + tuple(sample_shape)).astype("float32")


def snapshot(model_or_variables):
    variables = getattr(model_or_variables, "variables", model_or_variables)
    return {v.path: np.array(keras.ops.convert_to_numpy(v)) for v in variables}


def training_state(gan):
    """Every number training carries on from: the GAN's variables (both networks, EMA,
    seeds, augmenter state) and both optimizers' variables, by path."""
    return snapshot(
        list(gan.variables) + list(gan.d_optimizer.variables) + list(gan.g_optimizer.variables)
    )


def changed(before, after):
    """Paths of the variables whose value is not bit-identical, matched in order."""
    assert len(before) == len(after), (list(before), list(after))
    pairs = zip(before.items(), after.values())
    return [path for (path, old), new in pairs if not np.array_equal(old, new)]
