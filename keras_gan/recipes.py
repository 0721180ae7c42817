"""Whole GAN recipes in one call: networks, losses, optimizers, schedules.

Each recipe returns `(gan, callbacks)`: a compiled `GAN` (a `ConditionalGAN` with
`num_classes`) and the callbacks its schedules need, to pass to `fit`:

```python
gan, callbacks = keras_gan.recipes.r3gan((32, 32, 3), total_images=2_000_000, seed=0)
gan.fit(images, batch_size=32, epochs=..., callbacks=[*callbacks, ...])
```

- `dcgan`: keras_gan's classic recipe, what `keras-gan train` ran before recipes: DCGAN
  networks with BatchNorm, the non-saturating loss, Adam (beta_1 = 0.5) and a generator
  moving average.
- `r3gan`: the modern baseline of Huang et al. (2024, arXiv:2501.05441): the R3GAN
  networks (residual, no normalization), the relativistic pairing loss with R1 and R2
  penalties that decay along a cosine over the run, Adam with beta_1 = 0, and a
  moving average by half-life in images with a ramp-up.

`docs/recipes.md` measures both (mode coverage on stacked digits, digits at 100% and
10%, a real image folder at 32 px).
"""

import math

import keras
from keras import layers

from keras_gan import architectures
from keras_gan import callbacks as callbacks_module
from keras_gan import checks
from keras_gan.conditional_gan import ConditionalGAN
from keras_gan.gan import GAN

#: The names `keras-gan train --recipe` accepts.
RECIPES = ("dcgan", "r3gan")

# ------------------------------------------------------------------ dcgan
#: The classic recipe's defaults (also `keras-gan train`'s flags' defaults).
DCGAN_DEFAULTS = {
    "loss": "non_saturating",
    "d_learning_rate": 5e-4,
    "g_learning_rate": 1e-3,
    "ema_decay": 0.999,
}


def dcgan_networks(image_shape, *, num_classes=None, latent_dim=None, width=None, seed=0):
    """The classic recipe's `(generator, discriminator)` for `image_shape`.

    Square 32, 64 and 128 px images get `architectures.dcgan_preset` unless `width` is
    given; other shapes the DCGAN pair of `width` channels (32 up to 16 px, else 64) and
    noise of `latent_dim` (32, or 128 with a preset). With `num_classes`, the generator
    takes `[noise, labels]` (a learned label embedding concatenated to the noise) and the
    discriminator is `architectures.projection_discriminator`.
    """
    image_shape = tuple(image_shape)
    side = max(image_shape[:2])
    preset = image_shape[0] == image_shape[1] and side in architectures.PRESET_WIDTHS
    if preset and width is None and num_classes is None:
        return architectures.dcgan_preset(
            side, image_shape[-1], latent_dim=latent_dim or 128, seed=seed
        )
    width = width or (32 if side <= 16 else 64)
    latent_dim = latent_dim or (128 if preset else 32)
    if num_classes is None:
        generator = architectures.dcgan_generator(image_shape, latent_dim, width=width, seed=seed)
        discriminator = architectures.dcgan_discriminator(image_shape, width=width, seed=seed + 1)
        return generator, discriminator
    body = architectures.dcgan_generator(
        image_shape, 2 * latent_dim, width=width, seed=seed, name="generator_body"
    )
    noise = keras.Input((latent_dim,), name="noise")
    labels = keras.Input((1,), dtype="int32", name="labels")
    embedded = layers.Flatten()(
        layers.Embedding(
            num_classes,
            latent_dim,
            embeddings_initializer=keras.initializers.RandomNormal(seed=seed + 2),
        )(labels)
    )
    generator = keras.Model(
        [noise, labels], body(layers.Concatenate()([noise, embedded])), name="generator"
    )
    discriminator = architectures.projection_discriminator(
        image_shape, num_classes, width=width, seed=seed + 1
    )
    return generator, discriminator


def dcgan(
    image_shape,
    *,
    num_classes=None,
    total_images=None,
    seed=None,
    latent_dim=None,
    width=None,
    loss=DCGAN_DEFAULTS["loss"],
    d_learning_rate=DCGAN_DEFAULTS["d_learning_rate"],
    g_learning_rate=DCGAN_DEFAULTS["g_learning_rate"],
    ema_decay=DCGAN_DEFAULTS["ema_decay"],
    **compile_kwargs,
):
    """The classic recipe: DCGAN networks, non-saturating loss, Adam (beta_1 = 0.5), EMA.

    It has no schedule, so `total_images` is accepted (for the same call as `r3gan`)
    and not used.

    Args:
        image_shape: `(height, width, channels)` of the images, values in [-1, 1].
        num_classes: build a `ConditionalGAN` for integer labels in
            `[0, num_classes)`. Defaults to `None` (unconditional).
        total_images: the run's length in images; unused. Defaults to `None`.
        seed: int seed of the weights and the noise. Defaults to `None` (0).
        latent_dim: noise size. Defaults to `None` (see `dcgan_networks`).
        width: channels at full resolution. Defaults to `None` (see `dcgan_networks`).
        loss: the GAN loss. Defaults to `"non_saturating"`.
        d_learning_rate: the discriminator's Adam learning rate. Defaults to `5e-4`.
        g_learning_rate: the generator's. Defaults to `1e-3`.
        ema_decay: the generator moving average's decay, `None` for none.
            Defaults to `0.999`.
        **compile_kwargs: more `GAN.compile` arguments (`augment`, `r1_penalty`, ...).

    Returns:
        `(gan, callbacks)`, `callbacks` an empty list.
    """
    image_shape = checks.check_image_shape(image_shape)
    seed = 0 if seed is None else checks.check_seed(seed)
    _check_total_images(total_images, required=False)
    generator, discriminator = dcgan_networks(
        image_shape, num_classes=num_classes, latent_dim=latent_dim, width=width, seed=seed
    )
    gan = _gan(generator, discriminator, num_classes, seed=seed, ema_decay=ema_decay)
    gan.compile(
        keras.optimizers.Adam(d_learning_rate, beta_1=0.5),
        keras.optimizers.Adam(g_learning_rate, beta_1=0.5),
        loss=loss,
        **compile_kwargs,
    )
    return gan, []


# ------------------------------------------------------------------ r3gan
#: The r3gan recipe's settings (see `r3gan`'s docstring and `docs/recipes.md`).
R3GAN_SETTINGS = {
    "learning_rate": 2e-4,
    "gamma_start": 1.0,
    "gamma_end": 0.1,
    "beta_2": 0.99,
    "ema_half_life": 10_000,
    "ema_rampup": 0.05,
}
#: The r3gan recipe's stage width for small images (above them, the networks' default:
#: 128 up to 32 px): narrower networks, several times faster on a CPU. Chosen at 8 px with
#: `R3GAN_LEARNING_RATES` on stacked digits (mode coverage per width and learning rate:
#: `docs/stacked_digits.md`).
R3GAN_WIDTHS = {8: 64, 16: 64}
#: The r3gan recipe's learning rate where it differs from `R3GAN_SETTINGS`' (see above).
R3GAN_LEARNING_RATES = {8: 5e-4}


def r3gan(
    image_shape,
    *,
    num_classes=None,
    total_images,
    seed=None,
    latent_dim=64,
    width=None,
    learning_rate=None,
    **compile_kwargs,
):
    """The modern baseline: R3GAN networks, relativistic loss with R1 + R2, schedules.

    Huang et al. (2024, arXiv:2501.05441): the relativistic pairing loss
    (`loss="relativistic"`) regularized by R1 and R2 of equal weight gamma, networks
    without normalization (`architectures.r3gan_generator` / `r3gan_discriminator`),
    Adam with `beta_1 = 0`. gamma follows half a cosine from `gamma_start` to
    `gamma_end` over `total_images` (a `callbacks.HyperparameterScheduler` by images,
    returned in `callbacks`); the generator's moving average has a half-life of
    `ema_half_life` images, ramped up over the first images (`ema_rampup`). The values
    (`R3GAN_SETTINGS`) were chosen for short CPU runs, not tuned over a grid; the 8x8
    stacked digits and a 32 px image folder measure them (`docs/recipes.md`).

    Args:
        image_shape: `(height, width, channels)` of the images, square, a side of 8,
            16, 32, 64 or 128 px, values in [-1, 1].
        num_classes: build a `ConditionalGAN` (label embedding in the generator,
            projection in the discriminator). Defaults to `None`.
        total_images: how many real images the run will train on (`epochs x` images
            per epoch): the schedules' length. Required.
        seed: int seed of the weights and the noise. Defaults to `None` (0).
        latent_dim: noise size. Defaults to `64`.
        width: channels per stage (an int, or one per stage from 4x4 up). Defaults
            to `None`: `R3GAN_WIDTHS` for 8 and 16 px images, else
            `architectures.r3gan_generator`'s default.
        learning_rate: both Adams' learning rate (a float or a Keras
            `LearningRateSchedule`). Defaults to `None`: `R3GAN_LEARNING_RATES` for the
            image side, else `R3GAN_SETTINGS["learning_rate"]`.
        **compile_kwargs: more `GAN.compile` arguments (`augment`, ...), or
            overrides of the recipe's own (`loss`, `r1_penalty`, `r2_penalty`).

    Returns:
        `(gan, callbacks)`: pass `callbacks` to `fit`, before `TensorBoard` and
        `CSVLogger` (they log the scheduled values).
    """
    image_shape = checks.check_image_shape(image_shape)
    seed = 0 if seed is None else checks.check_seed(seed)
    total_images = _check_total_images(total_images, required=True)
    settings = R3GAN_SETTINGS
    if width is None:
        width = R3GAN_WIDTHS.get(image_shape[0])
    if learning_rate is None:
        learning_rate = R3GAN_LEARNING_RATES.get(image_shape[0], settings["learning_rate"])
    generator = architectures.r3gan_generator(
        image_shape, latent_dim, width=width, num_classes=num_classes, seed=seed
    )
    discriminator = architectures.r3gan_discriminator(
        image_shape, width=width, num_classes=num_classes, seed=seed + 1
    )
    gan = _gan(
        generator,
        discriminator,
        num_classes,
        seed=seed,
        ema_half_life=settings["ema_half_life"],
        ema_rampup=settings["ema_rampup"],
    )
    gamma = settings["gamma_start"]
    compile_settings = {
        "loss": "relativistic",
        "r1_penalty": gamma,
        "r2_penalty": gamma,
        **compile_kwargs,
    }
    gan.compile(
        _adam(learning_rate, settings),
        _adam(learning_rate, settings),
        **compile_settings,
    )
    ramp = callbacks_module.cosine_ramp(gamma, settings["gamma_end"], total_images)
    schedules = {
        name: ramp
        for name in ("r1_penalty", "r2_penalty")
        if name not in compile_kwargs and compile_settings[name] > 0
    }
    if not schedules:
        return gan, []
    scheduler = callbacks_module.HyperparameterScheduler(
        schedules, unit="images", update_every=_update_every(total_images)
    )
    return gan, [scheduler]


def _adam(learning_rate, settings):
    return keras.optimizers.Adam(learning_rate, beta_1=0.0, beta_2=settings["beta_2"])


def _update_every(total_images):
    # About 100 updates over the run: a cosine changes little between them.
    return max(1, math.ceil(total_images / 100))


# ----------------------------------------------------------------- shared
def get(name):
    """The recipe function called `name` (one of `RECIPES`)."""
    if name not in RECIPES:
        raise ValueError(f"Expected a recipe among {list(RECIPES)}. Received: recipe={name!r}")
    return globals()[name]


def _gan(generator, discriminator, num_classes, **kwargs):
    if num_classes is None:
        return GAN(generator, discriminator, **kwargs)
    return ConditionalGAN(generator, discriminator, num_classes=num_classes, **kwargs)


def _check_total_images(total_images, *, required):
    if total_images is None and not required:
        return None
    if not checks.is_int_at_least(total_images, 1):
        raise ValueError(
            "Expected `total_images` to be the run's length in images (epochs x images "
            f"per epoch), a positive int. Received: total_images={total_images!r}"
        )
    return int(total_images)
