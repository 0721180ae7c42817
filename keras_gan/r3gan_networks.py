"""The R3GAN generator and discriminator (Huang et al., 2024, arXiv:2501.05441).

Both networks are stacks of stages, one per resolution from 4x4 to the image size. A
stage holds `blocks_per_stage` residual blocks: a 1x1 convolution expanding the channels
2x, leaky ReLU (0.2), a grouped 3x3 convolution (groups of 16 channels), leaky ReLU, and a
1x1 convolution back to the block's width, added to the block's input. There is no
normalization. Initialization follows the paper's fix-up scheme: the last convolution of
every block starts at zero (each block starts as the identity) and the other two are
He-normal with their gain multiplied by `L ** (-1/4)`, `L` being the number of blocks in
the network (`L ** (-1 / (2 * 3 - 2))` for three layers per block). Resolution changes
use the low-pass filtered resampling of `keras_gan.r3gan_layers` (binomial
`[1, 3, 3, 1]` filter), with a 1x1 convolution where the width changes. The generator
starts from a learned 4x4 basis scaled per channel by a linear map of the noise, and
ends with a 1x1 convolution to the image channels; the discriminator starts with a 1x1
convolution and ends with a depthwise 4x4 convolution and a linear map to the score.
"""

import math

import keras
from keras import layers

from keras_gan import checks
from keras_gan.r3gan_layers import GenerativeBasis
from keras_gan.r3gan_layers import GroupedConv2D
from keras_gan.r3gan_layers import LowPassDownsample2D
from keras_gan.r3gan_layers import LowPassUpsample2D

#: Sides the networks are built for.
SIDES = (8, 16, 32, 64, 128)
#: Default width of the stages up to 32x32; each larger stage halves it.
DEFAULT_WIDTH = 128
#: The residual blocks' expansion factor and channels per group of the 3x3 convolution.
EXPANSION = 2
GROUP_CHANNELS = 16
#: Slope of the leaky ReLU and the gain that keeps its output variance (He et al.).
LEAK = 0.2
ACTIVATION_GAIN = math.sqrt(2 / (1 + LEAK**2))


class _Seeds:
    """Distinct initializer seeds, `seed + 0, seed + 1, ...` (None when unseeded)."""

    def __init__(self, seed):
        self.seed = checks.check_seed(seed)
        self.count = 0

    def __call__(self):
        self.count += 1
        return None if self.seed is None else self.seed + self.count - 1


def _he_normal(seed, gain=1.0):
    """Untruncated normal weights of standard deviation `gain / sqrt(fan_in)`."""
    return keras.initializers.VarianceScaling(
        scale=gain**2, mode="fan_in", distribution="untruncated_normal", seed=seed
    )


def block_gain(total_blocks):
    """Gain of the first two convolutions of each residual block in a network of
    `total_blocks` blocks: the leaky ReLU's gain times `total_blocks ** (-1/4)`."""
    return ACTIVATION_GAIN * total_blocks ** (-1 / (2 * 3 - 2))


def stage_widths(side, width=None):
    """Channels of each stage, from 4x4 up to `side` x `side`.

    Args:
        side: the image side, one of `SIDES`.
        width: `None` (`DEFAULT_WIDTH`), an integer (the width of every stage up to
            32x32, halved at each larger stage, at least 1), or one width per stage.

    Returns:
        A list of `log2(side) - 1` widths.
    """
    sides = [4 * 2**i for i in range(int(math.log2(side)) - 1)]
    if width is None:
        width = DEFAULT_WIDTH
    if checks.is_int_at_least(width, 1):
        return [max(1, int(width) * 32 // max(s, 32)) for s in sides]
    valid = isinstance(width, (tuple, list)) and len(width) == len(sides)
    if not (valid and all(checks.is_int_at_least(w, 1) for w in width)):
        raise ValueError(
            "Expected `width` to be a positive integer or one positive integer per stage "
            f"({len(sides)} for {side}x{side} images: {', '.join(f'{s}x{s}' for s in sides)}). "
            f"Received: width={width!r}"
        )
    return [int(w) for w in width]


def _residual_block(x, name, gain, seeds):
    channels = x.shape[-1]
    expanded = channels * EXPANSION
    groups = expanded // GROUP_CHANNELS if expanded % GROUP_CHANNELS == 0 else 1
    y = layers.Conv2D(
        expanded, 1, kernel_initializer=_he_normal(seeds(), gain), name=f"{name}_expand"
    )(x)
    y = layers.LeakyReLU(LEAK, name=f"{name}_act1")(y)
    y = GroupedConv2D(
        expanded,
        3,
        padding="same",
        groups=groups,
        kernel_initializer=_he_normal(seeds(), gain),
        name=f"{name}_grouped",
    )(y)
    y = layers.LeakyReLU(LEAK, name=f"{name}_act2")(y)
    y = layers.Conv2D(
        channels, 1, use_bias=False, kernel_initializer="zeros", name=f"{name}_project"
    )(y)
    return layers.Add(name=f"{name}_add")([x, y])


def _stage_blocks(x, stage, blocks, gain, seeds, prefix):
    for b in range(blocks):
        x = _residual_block(x, f"{prefix}{stage}_block{b}", gain, seeds)
    return x


def _linear_conv(x, channels, seeds, name, activation=None):
    return layers.Conv2D(
        channels,
        1,
        use_bias=False,
        activation=activation,
        kernel_initializer=_he_normal(seeds()),
        name=name,
    )(x)


def _label_input():
    return keras.Input((1,), dtype="int32", name="labels")


def _embedding(labels, num_classes, dim, stddev, seeds):
    """`(batch, dim)` class embeddings, normal of standard deviation `stddev`."""
    embedded = layers.Embedding(
        num_classes,
        dim,
        embeddings_initializer=keras.initializers.RandomNormal(stddev=stddev, seed=seeds()),
        name="class_embedding",
    )(labels)
    return layers.Reshape((dim,))(embedded)


def r3gan_generator(
    image_shape,
    latent_dim: int = 64,
    *,
    width=None,
    blocks_per_stage: int = 2,
    num_classes: int | None = None,
    seed: int | None = None,
    name: str = "generator",
) -> keras.Model:
    """Builds the R3GAN generator (Huang et al., 2024, arXiv:2501.05441).

    noise -> learned 4x4 basis -> (residual blocks, low-pass 2x upsampling)* -> 1x1
    convolution -> tanh. See the module docstring for the blocks and their
    initialization. The paper's generator ends linearly; the tanh here puts the samples
    in [-1, 1] like the DCGAN generators', so that data in another range is refused.
    With `num_classes`, a learned class embedding of `latent_dim` numbers (normal,
    standard deviation `1 / sqrt(num_classes)`) is concatenated to the noise.

    Default sizes (`width=None`: 128 channels per stage up to 32x32, then halved), RGB:
    8 px 0.42M parameters, 16 px 0.63M, 32 px 0.83M, 64 px 0.91M, 128 px 0.94M.

    Args:
        image_shape: `(side, side, channels)`, side 8, 16, 32, 64 or 128.
        latent_dim: size of the noise vector. Defaults to `64`.
        width: channels of each stage: an integer (every stage up to 32x32, halved at
            each larger one) or a list with one per stage, 4x4 first. Defaults to
            `None` (128).
        blocks_per_stage: residual blocks at each resolution. Defaults to `2`.
        num_classes: build a conditional generator taking `[noise, labels]` (integer
            labels, shape `(batch, 1)`). Defaults to `None`.
        seed: seed of the initial weights. Defaults to `None`.
        name: the model's name. Defaults to `"generator"`.

    Returns:
        A functional `keras.Model` from `(batch, latent_dim)` noise (and labels) to
        `(batch,) + image_shape` images in [-1, 1].

    Example:
    ```python
    generator = keras_gan.architectures.r3gan_generator((32, 32, 3))
    discriminator = keras_gan.architectures.r3gan_discriminator((32, 32, 3))
    gan = keras_gan.GAN(generator, discriminator)
    ```
    """
    side, _, channels = checks.check_image_shape(
        image_shape, sides=SIDES, subject="a square image shape"
    )
    latent_dim = checks.check_positive_int(latent_dim, "latent_dim")
    blocks = checks.check_positive_int(blocks_per_stage, "blocks_per_stage")
    widths = stage_widths(side, width)
    seeds = _Seeds(seed)
    gain = block_gain(blocks * len(widths))
    noise = keras.Input((latent_dim,), name="noise")
    inputs, x = [noise], noise
    if num_classes is not None:
        num_classes = checks.check_num_classes(num_classes)
        labels = _label_input()
        embedded = _embedding(labels, num_classes, latent_dim, 1 / math.sqrt(num_classes), seeds)
        inputs, x = [noise, labels], layers.Concatenate(name="noise_and_class")([noise, embedded])
    x = GenerativeBasis(
        widths[0],
        kernel_initializer=_he_normal(seeds()),
        basis_initializer=keras.initializers.RandomNormal(stddev=1.0, seed=seeds()),
        name="basis",
    )(x)
    x = _stage_blocks(x, 0, blocks, gain, seeds, "g_stage")
    for stage in range(1, len(widths)):
        if widths[stage] != widths[stage - 1]:
            x = _linear_conv(x, widths[stage], seeds, f"g_stage{stage}_transition")
        x = LowPassUpsample2D(name=f"g_stage{stage}_upsample")(x)
        x = _stage_blocks(x, stage, blocks, gain, seeds, "g_stage")
    x = _linear_conv(x, channels, seeds, "to_image", activation="tanh")
    return keras.Model(inputs if num_classes is not None else noise, x, name=name)


def r3gan_discriminator(
    image_shape,
    *,
    width=None,
    blocks_per_stage: int = 2,
    num_classes: int | None = None,
    seed: int | None = None,
    name: str = "discriminator",
) -> keras.Model:
    """Builds the R3GAN discriminator (Huang et al., 2024, arXiv:2501.05441).

    images -> 1x1 convolution -> (residual blocks, low-pass 2x downsampling)* ->
    residual blocks at 4x4 -> depthwise 4x4 convolution -> linear map to one raw score.
    The generator's stages in reverse, with the same widths. With `num_classes`, the
    linear map gives a vector of the 4x4 stage's width and the score is its dot product
    with a learned class embedding (a projection discriminator, as in the paper).

    Default sizes (`width=None`), RGB: 8 px 0.41M parameters, 16 px 0.62M, 32 px 0.83M,
    64 px 0.90M, 128 px 0.93M.

    Args:
        image_shape: `(side, side, channels)`, side 8, 16, 32, 64 or 128.
        width: channels of each stage: an integer (every stage up to 32x32, halved at
            each larger one) or a list with one per stage, 4x4 first (as for
            `r3gan_generator`). Defaults to `None` (128).
        blocks_per_stage: residual blocks at each resolution. Defaults to `2`.
        num_classes: build a conditional discriminator taking `[images, labels]`
            (integer labels, shape `(batch, 1)`). Defaults to `None`.
        seed: seed of the initial weights. Defaults to `None`.
        name: the model's name. Defaults to `"discriminator"`.

    Returns:
        A functional `keras.Model` from `(batch,) + image_shape` images (and labels) to
        `(batch, 1)` raw scores.
    """
    side, _, _ = checks.check_image_shape(image_shape, sides=SIDES, subject="a square image shape")
    blocks = checks.check_positive_int(blocks_per_stage, "blocks_per_stage")
    widths = stage_widths(side, width)[::-1]
    seeds = _Seeds(seed)
    gain = block_gain(blocks * len(widths))
    images = keras.Input(tuple(image_shape), name="images")
    x = _linear_conv(images, widths[0], seeds, "from_image")
    for stage in range(len(widths) - 1):
        x = _stage_blocks(x, stage, blocks, gain, seeds, "d_stage")
        x = LowPassDownsample2D(name=f"d_stage{stage}_downsample")(x)
        if widths[stage + 1] != widths[stage]:
            x = _linear_conv(x, widths[stage + 1], seeds, f"d_stage{stage}_transition")
    x = _stage_blocks(x, len(widths) - 1, blocks, gain, seeds, "d_stage")
    x = layers.DepthwiseConv2D(
        4,
        use_bias=False,
        depthwise_initializer=keras.initializers.RandomNormal(stddev=1 / 4, seed=seeds()),
        name="basis",
    )(x)
    x = layers.Flatten()(x)
    if num_classes is None:
        score = layers.Dense(
            1, use_bias=False, kernel_initializer=_he_normal(seeds()), name="score"
        )
        return keras.Model(images, score(x), name=name)
    num_classes = checks.check_num_classes(num_classes)
    dim = widths[-1]
    features = layers.Dense(
        dim, use_bias=False, kernel_initializer=_he_normal(seeds()), name="features"
    )(x)
    labels = _label_input()
    embedded = _embedding(labels, num_classes, dim, 1 / math.sqrt(dim * num_classes), seeds)
    score = layers.Dot(axes=1, name="projection")([features, embedded])
    return keras.Model([images, labels], score, name=name)
