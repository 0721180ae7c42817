"""Ready-made networks: DCGAN generators/discriminators and small image classifiers.

`dcgan_generator` and `dcgan_discriminator` build a DCGAN pair (Radford et al., 2015,
arXiv:1511.06434) for any image size that halves down to 3..7 pixels (8x8, 28x28,
32x32, 64x64, ...); `dcgan_preset` picks their sizes for 32, 64 and 128 px images.
`digits_classifier` trains, in a few seconds on a CPU, the
classifier whose softmax is the default `ClassifierScore` classifier for the 8x8
digits and whose penultimate layer (`feature_extractor`) is the default feature
extractor of `FrechetDistance` and `KernelDistance` for them.
"""

import keras
import numpy as np
from keras import layers

from keras_gan import checks
from keras_gan import layers as gan_layers
from keras_gan.r3gan_networks import r3gan_discriminator  # noqa: F401 (re-exported)
from keras_gan.r3gan_networks import r3gan_generator  # noqa: F401 (re-exported)

#: Name of the penultimate (feature) layer of the classifiers built here.
FEATURE_LAYER = "features"


def _upsamplings(image_shape):
    """Number of stride-2 steps from a 3..7-pixel base to `image_shape`."""
    height, width, _ = checks.check_image_shape(image_shape, subject="an image shape")
    steps = 0
    while height % 2 == 0 and width % 2 == 0 and min(height, width) // 2 >= 3:
        height, width, steps = height // 2, width // 2, steps + 1
    if steps == 0 or max(height, width) > 8:
        raise ValueError(
            "Expected an image size that halves down to 3..8 pixels (8x8, 28x28, 32x32, "
            f"64x64, ...). Received: image_shape={tuple(image_shape)}"
        )
    return steps, height, width


def _init(seed, i):
    return keras.initializers.GlorotUniform(seed=None if seed is None else seed + i)


def _bn_relu(x):
    return layers.ReLU()(layers.BatchNormalization()(x))


def dcgan_generator(
    image_shape=(8, 8, 1),
    latent_dim: int = 32,
    *,
    width: int = 64,
    dense_layers: int = 2,
    dense_units: int = 256,
    seed: int | None = None,
    name: str = "generator",
) -> keras.Model:
    """Builds a DCGAN generator: noise -> Dense -> (Conv2DTranspose, BN, ReLU)* -> tanh.

    `dense_layers` fully connected layers (BN, ReLU) first transform the noise; the
    result is projected to a small base image (`width * 2**steps` channels), which
    stride-2 transposed convolutions double `steps` times (halving the channels) up to
    `image_shape`, each followed by BN and ReLU; a final 3x3 convolution with `tanh`
    gives samples in [-1, 1]. The dense layers are cheap and let the generator map the
    connected Gaussian noise onto separate modes (the ten digits) with sharper
    boundaries: on the 8x8 digits they raise the classifier score of the samples
    markedly (see `docs/quality.md`).

    Args:
        image_shape: `(height, width, channels)` of the samples. Defaults to `(8, 8, 1)`.
        latent_dim: size of the noise vector. Defaults to `32`.
        width: channels at full resolution. Defaults to `64`.
        dense_layers: fully connected layers before the projection. Defaults to `2`.
        dense_units: units of each of them. Defaults to `256`.
        seed: seed of the initial weights. Defaults to `None`.
        name: the model's name. Defaults to `"generator"`.

    Returns:
        A functional `keras.Model` from `(batch, latent_dim)` to `(batch,) + image_shape`.
    """
    steps, base_h, base_w = _upsamplings(tuple(image_shape))
    filters = width * 2**steps
    noise = keras.Input((latent_dim,), name="noise")
    x = noise
    for i in range(dense_layers):
        x = _bn_relu(
            layers.Dense(dense_units, use_bias=False, kernel_initializer=_init(seed, 50 + i))(x)
        )
    x = layers.Dense(base_h * base_w * filters, use_bias=False, kernel_initializer=_init(seed, 0))(
        x
    )
    x = layers.Reshape((base_h, base_w, filters))(_bn_relu(x))
    for i in range(steps):
        filters //= 2
        x = layers.Conv2DTranspose(
            filters,
            4,
            strides=2,
            padding="same",
            use_bias=False,
            kernel_initializer=_init(seed, 2 * i + 1),
        )(x)
        x = _bn_relu(x)
    x = layers.Conv2D(
        image_shape[-1], 3, padding="same", activation="tanh", kernel_initializer=_init(seed, 99)
    )(x)
    return keras.Model(noise, x, name=name)


def dcgan_discriminator(
    image_shape=(8, 8, 1),
    *,
    width: int = 64,
    dropout: float = 0.0,
    spectral_norm: bool = False,
    seed: int | None = None,
    name: str = "discriminator",
) -> keras.Model:
    """Builds a DCGAN discriminator: (Conv2D stride 2, LeakyReLU)* -> Dense(1) logits.

    Mirrors `dcgan_generator`: a 3x3 convolution at full resolution, then stride-2
    convolutions doubling the channels down to the base size, and one raw score.

    Args:
        image_shape: `(height, width, channels)` of the samples. Defaults to `(8, 8, 1)`.
        width: channels at full resolution. Defaults to `64`.
        dropout: dropout rate before the score. Defaults to `0.0`.
        spectral_norm: wrap every convolution and the dense layer in
            `keras.layers.SpectralNormalization` (Miyato et al., 2018,
            arXiv:1802.05957), which bounds each one's spectral norm by 1.
            Defaults to `False`.
        seed: seed of the initial weights. Defaults to `None`.
        name: the model's name. Defaults to `"discriminator"`.

    Returns:
        A functional `keras.Model` from `(batch,) + image_shape` to `(batch, 1)` logits.
    """
    images = keras.Input(tuple(image_shape), name="images")
    x = _conv_trunk(images, width, seed, spectral_norm)
    x = layers.Flatten()(x)
    if dropout:
        x = layers.Dropout(dropout, seed=seed)(x)
    x = _normed(layers.Dense(1, kernel_initializer=_init(seed, 99)), spectral_norm)(x)
    return keras.Model(images, x, name=name)


def _normed(layer, spectral_norm):
    return gan_layers.SpectralNormalization(layer) if spectral_norm else layer


def _conv_trunk(images, width, seed, spectral_norm):
    """The DCGAN discriminator's convolutions, from images to the base-size features."""
    steps, _, _ = _upsamplings(tuple(images.shape[1:]))
    conv = layers.Conv2D(width, 3, padding="same", kernel_initializer=_init(seed, 0))
    x = layers.LeakyReLU(0.2)(_normed(conv, spectral_norm)(images))
    filters = width
    for i in range(steps):
        filters *= 2
        conv = layers.Conv2D(
            filters, 4, strides=2, padding="same", kernel_initializer=_init(seed, i + 1)
        )
        x = layers.LeakyReLU(0.2)(_normed(conv, spectral_norm)(x))
    return x


def projection_discriminator(
    image_shape=(8, 8, 1),
    num_classes: int = 10,
    *,
    width: int = 64,
    spectral_norm: bool = True,
    label_shape=(1,),
    seed: int | None = None,
    name: str = "discriminator",
) -> keras.Model:
    """Builds a projection discriminator for `ConditionalGAN` (Miyato & Koyama, 2018).

    `score = psi(phi(x)) + <embed(y), phi(x)>` (arXiv:1802.05637): `phi` is the DCGAN
    discriminator's convolutions followed by a mean over the pixels (the paper sums;
    the mean differs by a constant factor and keeps the score's scale independent of
    the image size), `psi` a dense
    layer to one score, and `embed` a learned class embedding of `phi(x)`'s size.

    Args:
        image_shape: `(height, width, channels)` of the samples. Defaults to `(8, 8, 1)`.
        num_classes: number of classes. Defaults to `10`.
        width: channels at full resolution. Defaults to `64`.
        spectral_norm: spectral normalization of the convolutions and of `psi`.
            The class embedding is left unnormalized: Keras 3.15's
            `SpectralNormalization` casts a layer's outputs to its inputs' dtype,
            which turns an embedding of integer labels into zeros. Defaults to `True`.
        label_shape: shape of the label input without the batch axis, `(1,)` or `()`
            (match the generator's). Defaults to `(1,)`.
        seed: seed of the initial weights. Defaults to `None`.
        name: the model's name. Defaults to `"discriminator"`.

    Returns:
        A functional `keras.Model` from `[images, labels]` to `(batch, 1)` logits.
    """
    images = keras.Input(tuple(image_shape), name="images")
    labels = keras.Input(tuple(label_shape), dtype="int32", name="labels")
    x = _conv_trunk(images, width, seed, spectral_norm)
    features = layers.GlobalAveragePooling2D(name="pool")(x)
    score = _normed(layers.Dense(1, kernel_initializer=_init(seed, 99)), spectral_norm)(features)
    embedding = layers.Embedding(
        num_classes,
        features.shape[-1],
        embeddings_initializer=_init(seed, 98),
        name="class_embedding",
    )
    embedded = layers.Reshape((features.shape[-1],))(embedding(layers.Reshape((1,))(labels)))
    projection = layers.Dot(axes=1, name="projection")([embedded, features])
    return keras.Model([images, labels], layers.Add()([score, projection]), name=name)


def image_classifier(
    image_shape, num_classes: int, *, width: int = 32, seed: int | None = None
) -> keras.Model:
    """Builds a small CNN classifier with a softmax output and a `"features"` layer.

    Args:
        image_shape: `(height, width, channels)`.
        num_classes: number of classes.
        width: channels of the first convolution. Defaults to `32`.
        seed: seed of the initial weights and dropout. Defaults to `None`.

    Returns:
        An uncompiled functional `keras.Model` with softmax outputs.
    """
    images = keras.Input(tuple(image_shape), name="images")
    x = layers.Conv2D(
        width, 3, padding="same", activation="relu", kernel_initializer=_init(seed, 0)
    )(images)
    x = layers.Conv2D(
        2 * width,
        3,
        strides=2,
        padding="same",
        activation="relu",
        kernel_initializer=_init(seed, 1),
    )(x)
    if min(image_shape[:2]) >= 16:
        x = layers.Conv2D(
            4 * width,
            3,
            strides=2,
            padding="same",
            activation="relu",
            kernel_initializer=_init(seed, 2),
        )(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3, seed=seed)(x)
    x = layers.Dense(64, activation="tanh", kernel_initializer=_init(seed, 3), name=FEATURE_LAYER)(
        x
    )
    x = layers.Dense(num_classes, activation="softmax", kernel_initializer=_init(seed, 4))(x)
    return keras.Model(images, x, name="classifier")


def train_classifier(
    images,
    labels,
    *,
    epochs: int = 20,
    batch_size: int = 64,
    seed: int = 0,
    verbose: int = 0,
) -> keras.Model:
    """Trains `image_classifier` on `(images, labels)`, deterministically for a seed.

    The data order of every epoch is drawn from `seed` (no global random state is
    read or changed), so two calls with the same inputs give the same model.

    Args:
        images: float array `(n, height, width, channels)`.
        labels: int array `(n,)` in `[0, num_classes)`.
        epochs: passes over the data. Defaults to `20`.
        batch_size: batch size. Defaults to `64`.
        seed: seed of the weights, dropout and data order. Defaults to `0`.
        verbose: Keras' `fit` verbosity. Defaults to `0`.

    Returns:
        The trained classifier (softmax outputs, compiled with accuracy).
    """
    images = np.asarray(images, dtype="float32")
    labels = np.asarray(labels, dtype="int32").reshape(-1)
    num_classes = int(labels.max()) + 1
    if num_classes < 2:
        raise ValueError(
            f"Expected labels of at least 2 classes to train a classifier. Received: "
            f"{num_classes} class"
        )
    model = image_classifier(images.shape[1:], num_classes, seed=seed)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(len(labels)) for _ in range(epochs)])
    model.fit(
        images[order],
        labels[order],
        batch_size=batch_size,
        epochs=1,
        shuffle=False,
        verbose=verbose,
    )
    return model


def feature_extractor(classifier: keras.Model) -> keras.Model:
    """Returns the model from `classifier`'s input to its `"features"` layer.

    Args:
        classifier: a model built by `image_classifier` (or any functional model with
            a layer named `"features"`).

    Returns:
        A `keras.Model` sharing `classifier`'s weights, mapping images to features.
    """
    try:
        features = classifier.get_layer(FEATURE_LAYER).output
    except ValueError as e:
        raise ValueError(
            f"Expected a classifier with a layer named {FEATURE_LAYER!r}. Received: "
            f"{classifier.name!r} with layers {[layer.name for layer in classifier.layers]}"
        ) from e
    return keras.Model(classifier.inputs, features, name=f"{classifier.name}_features")


def digits_classifier(*, seed: int = 0) -> keras.Model:
    """Trains the digits classifier on `load_digits("train")` (a few seconds on a CPU).

    Its accuracy on the held-out split is about 97-99%. Use its softmax as the
    `ClassifierScore` classifier and `feature_extractor(classifier)` for the Frechet
    and kernel distances of 8x8 digits.

    Args:
        seed: seed of the weights and data order. Defaults to `0`.

    Returns:
        The trained classifier, `(batch, 8, 8, 1)` images in [-1, 1] to 10 probabilities.
    """
    from keras_gan.datasets import load_digits

    images, labels = load_digits("train")
    return train_classifier(images, labels, epochs=30, seed=seed)


#: DCGAN presets by image side: channels at full resolution of both networks, chosen so
#: that every preset narrows to 512 channels at 4x4 (about 3.9M generator and 2.8M
#: discriminator parameters at each size).
PRESET_WIDTHS = {32: 64, 64: 32, 128: 16}


def dcgan_preset(
    image_size,
    channels: int = 3,
    *,
    latent_dim: int = 128,
    seed: int | None = None,
):
    """Builds the DCGAN pair for 32, 64 or 128 px images, grayscale or RGB.

    The generator projects the noise straight to 4x4x512 (no dense layers, as in
    DCGAN) and doubles the resolution up to `image_size`; the discriminator mirrors
    it. The widths (`PRESET_WIDTHS`) keep both networks the same size at every
    resolution: 3.8-3.9M generator and 2.8M discriminator parameters.

    Args:
        image_size: 32, 64 or 128, or a square `(side, side)` pair.
        channels: 1 (grayscale) or 3 (RGB). Defaults to `3`.
        latent_dim: size of the noise vector. Defaults to `128`.
        seed: seed of the initial weights. Defaults to `None`.

    Returns:
        `(generator, discriminator)`, built by `dcgan_generator` and
        `dcgan_discriminator`.

    Example:
    ```python
    generator, discriminator = keras_gan.architectures.dcgan_preset(64, channels=3)
    gan = keras_gan.GAN(generator, discriminator)
    ```
    """
    side = check_preset_size(image_size)
    if channels not in (1, 3) or isinstance(channels, bool):
        raise ValueError(
            f"Expected `channels` to be 1 (grayscale) or 3 (RGB). Received: channels={channels!r}"
        )
    shape = (side, side, channels)
    width = PRESET_WIDTHS[side]
    generator = dcgan_generator(shape, latent_dim, width=width, dense_layers=0, seed=seed)
    discriminator = dcgan_discriminator(shape, width=width, seed=None if seed is None else seed + 1)
    return generator, discriminator


def check_preset_size(image_size):
    """Returns the side of a square `image_size` that has a preset, or raises."""
    side = image_size
    if isinstance(image_size, (tuple, list)) and len(image_size) == 2:
        side = image_size[0] if image_size[0] == image_size[1] else None
    if not (checks.is_int_at_least(side, 1) and int(side) in PRESET_WIDTHS):
        raise ValueError(
            f"Expected an image size with a DCGAN preset: {', '.join(map(str, PRESET_WIDTHS))} "
            f"(square). Received: image_size={image_size!r}"
        )
    return int(side)
