"""Differentiable augmentation of the images a discriminator sees: DiffAugment and ADA.

Both are Keras layers called as `augmenter(images, training=True)` on a batch of
channels-last images `(batch, height, width, channels)` of any size and channel count.
Every random draw is per sample and comes from the layer's own `SeedGenerator` (which
`GAN` saves with the model, so a resumed run draws the same augmentations). Shape and
dtype are kept; values are not clipped (neither paper clips: a brightness shift can
take [-1, 1] images slightly outside [-1, 1]). Every transform is differentiable with
respect to the images, so the generator's gradient passes through.

Colour transforms on one channel: brightness and contrast act as on colour images;
saturation scales each pixel's deviation from its mean over the channels, which is
zero for one channel, so it leaves grey images unchanged.

`GAN.compile(..., augment="diffaugment")` uses `DiffAugment()`, `augment="ada"` uses
`ADA()`; pass an instance for other settings.
"""

import inspect
import math

import keras
from keras import ops

from keras_gan import _keras_internals
from keras_gan import backend
from keras_gan import checks
from keras_gan._random import per_replica

DIFFAUGMENT_POLICIES = ("color", "translation", "cutout")


def _float(images):
    return ops.cast(images, "float32")


def _shift(images, tx, ty, *, interpolation="nearest", fill_mode="constant"):
    """Moves each image by `(tx, ty)` pixels (per-sample `(batch,)` tensors)."""
    transform = _affine(ops.ones_like(tx), ops.zeros_like(tx), -tx, -ty, images.shape)
    return ops.image.affine_transform(
        images,
        transform,
        interpolation=interpolation,
        fill_mode=fill_mode,
        fill_value=0.0,
        data_format="channels_last",
    )


def _affine(scale_cos, scale_sin, tx, ty, shape, flip=None):
    """Rows `[a0, a1, a2, b0, b1, b2, 0, 0]` mapping output pixels to input pixels.

    The map is `c + G (x - c) + t` about the image centre `c`, with
    `G = [[f s cos, -s sin], [f s sin, s cos]]` (`f` the x-flip, `+-1`).
    """
    height, width = shape[1], shape[2]
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    flip = ops.ones_like(scale_cos) if flip is None else flip
    a0, a1 = flip * scale_cos, -scale_sin
    b0, b1 = flip * scale_sin, scale_cos
    a2 = cx + tx - (a0 * cx + a1 * cy)
    b2 = cy + ty - (b0 * cx + b1 * cy)
    zeros = ops.zeros_like(a0)
    return ops.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)


def _cutout(images, ratio, apply, seed):
    """Zeroes a `ratio`-sized rectangle at a random centre of each image where `apply`."""
    batch = ops.shape(images)[0]
    height, width = images.shape[1], images.shape[2]
    size_h, size_w = max(1, int(height * ratio + 0.5)), max(1, int(width * ratio + 0.5))
    top = per_replica(keras.random.randint, batch, (1, 1, 1), seed, minval=0, maxval=height)
    left = per_replica(keras.random.randint, batch, (1, 1, 1), seed, minval=0, maxval=width)
    top, left = top - size_h // 2, left - size_w // 2
    rows = ops.reshape(ops.arange(height, dtype="int32"), (1, height, 1, 1))
    cols = ops.reshape(ops.arange(width, dtype="int32"), (1, 1, width, 1))
    inside = ops.logical_and(
        ops.logical_and(rows >= top, rows < top + size_h),
        ops.logical_and(cols >= left, cols < left + size_w),
    )
    inside = ops.logical_and(inside, ops.reshape(apply, (-1, 1, 1, 1)))
    return images * (1.0 - ops.cast(inside, images.dtype))


def _scale_around(images, factor, axis):
    mean = ops.mean(images, axis=axis, keepdims=True)
    return (images - mean) * factor + mean


def _per_image(values):
    return ops.reshape(values, (-1, 1, 1, 1))


def _tensorflow():
    return keras.config.backend() == "tensorflow"


def check_images(shape, name="augment"):
    """Checks that samples of shape `shape` (no batch axis) are images."""
    checks.check_image_shape(
        tuple(shape),
        unknown=True,
        subject=f"image samples with `{name}`",
        received=f"samples of shape {tuple(shape)}",
    )


class _Augmenter(keras.layers.Layer):
    """Common plumbing: its own seed, float32 arithmetic, shape and dtype kept."""

    def __init__(self, seed=None, **kwargs):
        kwargs.setdefault("autocast", False)  # keeps the images' dtype
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="augment_seed")
        self.built = True

    def call(self, images, training=True):
        if not training:
            return images
        check_images(images.shape[1:], type(self).__name__)
        return ops.cast(self._augment(_float(images)), images.dtype)

    def compute_output_spec(self, images, training=True):
        return keras.KerasTensor(images.shape, dtype=images.dtype)

    def after_discriminator_update(self, real_scores, gan_loss):
        """Called by the GAN's step after each discriminator update; a no-op here.

        Args:
            real_scores: the discriminator's scores of the (augmented) real batch.
            gan_loss: the GAN's `keras_gan.losses.GANLoss`.
        """

    def step_logs(self):
        """What the GAN's step logs about this augmenter: nothing here."""
        return {}

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="keras_gan")
class DiffAugment(_Augmenter):
    """Differentiable Augmentation (Zhao et al., 2020, arXiv:2006.10738).

    Applies every transform of `policy` to every image, with random amounts drawn per
    sample, for images in [-1, 1]:
    - `"color"`: brightness `x + (u - 0.5)`, saturation `(x - m_c) * 2u + m_c` (`m_c`
      each pixel's mean over the channels; no change on one channel), contrast
      `(x - m) * (u + 0.5) + m` (`m` the image's mean), `u ~ U(0, 1)` each.
    - `"translation"`: a shift by whole pixels, up to `translation_ratio` of the size
      each way, the uncovered border filled with 0.
    - `"cutout"`: a rectangle of `cutout_ratio` of the size, at a random centre, set
      to 0.

    Args:
        policy: transforms to apply, a subset of `("color", "translation", "cutout")`
            in that order. Defaults to all three.
        translation_ratio: largest shift as a fraction of the size. Defaults to `0.125`.
        cutout_ratio: side of the cut-out rectangle as a fraction of the size.
            Defaults to `0.5`.
        seed: int seed of the draws. Defaults to `None`.
        **kwargs: passed to `keras.layers.Layer`.
    """

    def __init__(
        self,
        policy=DIFFAUGMENT_POLICIES,
        *,
        translation_ratio: float = 0.125,
        cutout_ratio: float = 0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        policy = (policy,) if isinstance(policy, str) else tuple(policy)
        unknown = [p for p in policy if p not in DIFFAUGMENT_POLICIES]
        if unknown or not policy:
            raise ValueError(
                f"Expected a policy among {list(DIFFAUGMENT_POLICIES)}. Received: policy={policy!r}"
            )
        for name, value in (
            ("translation_ratio", translation_ratio),
            ("cutout_ratio", cutout_ratio),
        ):
            if not (isinstance(value, (int, float)) and 0.0 <= value <= 1.0):
                raise ValueError(f"Expected `{name}` in [0, 1]. Received: {name}={value!r}")
        self.policy = policy
        # TensorFlow's XLA has no kernel for the image transform translation uses.
        self.supports_jit = "translation" not in policy or not _tensorflow()
        self.translation_ratio = float(translation_ratio)
        self.cutout_ratio = float(cutout_ratio)

    def _uniform(self, batch):
        return _per_image(per_replica(keras.random.uniform, batch, (), self.seed_generator))

    def _augment(self, x):
        batch = ops.shape(x)[0]
        if "color" in self.policy:
            x = x + (self._uniform(batch) - 0.5)
            x = _scale_around(x, 2.0 * self._uniform(batch), axis=3)
            x = _scale_around(x, self._uniform(batch) + 0.5, axis=(1, 2, 3))
        if "translation" in self.policy:
            max_x = int(x.shape[2] * self.translation_ratio + 0.5)
            max_y = int(x.shape[1] * self.translation_ratio + 0.5)
            seed = self.seed_generator
            randint = keras.random.randint
            tx = per_replica(randint, batch, (), seed, minval=-max_x, maxval=max_x + 1)
            ty = per_replica(randint, batch, (), seed, minval=-max_y, maxval=max_y + 1)
            x = _shift(x, ops.cast(tx, "float32"), ops.cast(ty, "float32"))
        if "cutout" in self.policy:
            x = _cutout(x, self.cutout_ratio, ops.ones((batch,), "bool"), self.seed_generator)
        return x

    def get_config(self):
        return {
            **super().get_config(),
            "policy": list(self.policy),
            "translation_ratio": self.translation_ratio,
            "cutout_ratio": self.cutout_ratio,
        }


@keras.saving.register_keras_serializable(package="keras_gan")
class ADA(_Augmenter):
    """Adaptive discriminator augmentation (Karras et al., 2020, arXiv:2006.06676).

    Each transform is applied to each image independently with probability `p`:
    x-flip (half the time when applied), rotation by a multiple of 90 degrees,
    integer translation (up to 1/8 of the size), isotropic scaling (`2^N(0, 0.2)`),
    rotation by an angle in [-pi, pi) (with probability `1 - sqrt(1 - p)`, as in the
    paper), all composed into one affine map with reflected borders; then brightness
    (`+ N(0, 0.2)`), contrast (`2^N(0, 0.5)` about the image's mean), saturation
    (`2^N(0, 1)` about each pixel's channel mean; no change on one channel), and
    cutout (a rectangle of half the size set to 0). With `p = 0` the images pass
    unchanged. The random maps are drawn directly as output-to-input maps: every
    parameter's distribution is symmetric, so this is the same distribution of
    transforms.

    `p` is a non-trainable variable, saved with the GAN (settable when not adaptive:
    `ada.p = 0.3`, or `gan.augment_p = 0.3`). With `adaptive=True`, the GAN
    calls `update(real_scores, threshold)` after each discriminator update, with the
    loss's `decision_boundary` `b` as the threshold (0 for logits and hinge, 0.5 for
    probabilities and least squares; a loss without one, such as Wasserstein, is
    refused: fix `p` there). It accumulates `sign(D(real) - b)` and every `interval`
    updates sets
    `p += sign(r_t - target) * images / speed_images`, clipped to [0, 1], where
    `r_t = E[sign(D(real))]` over those updates (over all replicas under a
    distribution strategy) and `images` is how many real images they scored. So `p`
    can go from 0 to 1 in `speed_images` images.

    The paper uses `target=0.6`, `interval=4` and `speed_images=500_000` for runs of
    tens of millions of images. The default here, `speed_images=100_000`, is scaled
    for runs of about half a million images (9,000 steps of 64): `p` can cross
    [0, 1] in about 1,600 such steps, a sixth of the run.

    Args:
        p: initial (or, with `adaptive=False`, fixed) probability in [0, 1].
            Defaults to `0.0`.
        adaptive: whether `p` follows the overfitting heuristic. Defaults to `True`.
        target: the value of `r_t` that `p` steers toward, in (-1, 1).
            Defaults to `0.6`.
        interval: discriminator updates between adjustments. Defaults to `4`.
        speed_images: images over which `p` can change by 1. Defaults to `100_000`.
        seed: int seed of the draws. Defaults to `None`.
        **kwargs: passed to `keras.layers.Layer`.
    """

    def __init__(
        self,
        p: float = 0.0,
        *,
        adaptive: bool = True,
        target: float = 0.6,
        interval: int = 4,
        speed_images: int = 100_000,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.supports_jit = not _tensorflow()  # no XLA kernel for its image transform
        self.initial_p = checks.check_float(p, "p", 0, 1)
        self.adaptive = bool(adaptive)
        self.target = checks.check_float(target, "target", -1, 1, closed="()")
        self.interval = checks.check_int(interval, "interval", 1)
        self.speed_images = checks.check_int(speed_images, "speed_images", 1)
        # Identical on every replica (the sums are reduced first): kept from the first.
        # Read as float32 under a mixed precision policy too: `p` moves in steps of
        # `images / speed_images`, below bfloat16's resolution.
        state = {"trainable": False, "aggregation": "only_first_replica", "autocast": False}
        self._p = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(p), name="p", **state
        )
        self.sign_sum = self.add_weight(shape=(), initializer="zeros", name="sign_sum", **state)
        self.image_count = self.add_weight(
            shape=(), initializer="zeros", name="image_count", **state
        )
        self.update_count = self.add_weight(
            shape=(), initializer="zeros", name="update_count", **state
        )

    @property
    def p(self):
        """The probability of each transform, a non-trainable variable.

        With `adaptive=False`, `ada.p = 0.3` (or `gan.augment_p = 0.3`) changes it
        during training without recompiling; an adaptive ADA refuses.
        """
        return self._p

    @p.setter
    def p(self, value):
        checks.check_augment_p_settable(self)
        self._p.assign(checks.check_float(value, "augment_p", 0, 1))

    def update(self, real_scores, threshold=0.0):
        """Accumulates `sign(real_scores - threshold)`; adjusts `p` every `interval` calls.

        Args:
            real_scores: the discriminator's scores of the (augmented) real batch.
            threshold: the score that separates "real" from "fake", the loss's
                `decision_boundary`. Defaults to `0.0`.
        """
        if not self.adaptive:
            return
        scores = ops.stop_gradient(ops.convert_to_tensor(real_scores))
        scores = ops.reshape(ops.cast(scores, "float32"), (-1,))
        signs = backend.replica_sum(ops.sum(ops.sign(scores - threshold)))
        count = backend.replica_sum(ops.cast(ops.shape(scores)[0], "float32"))
        p = ops.convert_to_tensor(self.p)
        sign_sum = ops.convert_to_tensor(self.sign_sum) + signs
        image_count = ops.convert_to_tensor(self.image_count) + count
        update_count = ops.convert_to_tensor(self.update_count) + 1.0
        adjust = update_count >= self.interval
        r_t = sign_sum / ops.maximum(image_count, 1.0)
        step = ops.sign(r_t - self.target) * image_count / self.speed_images
        self.p.assign(ops.where(adjust, ops.clip(p + step, 0.0, 1.0), p))
        self.sign_sum.assign(ops.where(adjust, 0.0, sign_sum))
        self.image_count.assign(ops.where(adjust, 0.0, image_count))
        self.update_count.assign(ops.where(adjust, 0.0, update_count))

    def after_discriminator_update(self, real_scores, gan_loss):
        """Adjusts `p` from `real_scores`, the loss's `decision_boundary` as threshold."""
        self.update(real_scores, threshold=gan_loss.decision_boundary)

    def step_logs(self):
        """`augment_p`, the current probability."""
        return {"augment_p": ops.convert_to_tensor(self.p)}

    def _draw(self, batch, probability):
        return per_replica(keras.random.uniform, batch, (), self.seed_generator) < probability

    def _normal(self, batch, std):
        return per_replica(keras.random.normal, batch, (), self.seed_generator, stddev=std)

    def _augment(self, x):
        batch = ops.shape(x)[0]
        p = ops.convert_to_tensor(self.p)
        seed = self.seed_generator
        one, zero = ops.ones((batch,)), ops.zeros((batch,))
        # Geometric transforms, composed into one map.
        flip = ops.where(ops.logical_and(self._draw(batch, p), self._draw(batch, 0.5)), -one, one)
        quarter_turns = per_replica(keras.random.randint, batch, (), seed, minval=0, maxval=4)
        angle = ops.where(self._draw(batch, p), ops.cast(quarter_turns, "float32"), zero)
        angle = angle * (math.pi / 2)
        shift = per_replica(keras.random.uniform, batch, (2,), seed, minval=-0.125, maxval=0.125)
        shift = ops.transpose(shift)
        move = self._draw(batch, p)
        tx = ops.where(move, ops.round(shift[0] * x.shape[2]), zero)
        ty = ops.where(move, ops.round(shift[1] * x.shape[1]), zero)
        scale = ops.where(self._draw(batch, p), 2.0 ** self._normal(batch, 0.2), one)
        free_angle = per_replica(
            keras.random.uniform, batch, (), seed, minval=-math.pi, maxval=math.pi
        )
        angle = angle + ops.where(self._draw(batch, 1.0 - ops.sqrt(1.0 - p)), free_angle, zero)
        transform = _affine(
            scale * ops.cos(angle), scale * ops.sin(angle), tx, ty, x.shape, flip=flip
        )
        x = ops.image.affine_transform(
            x, transform, interpolation="bilinear", fill_mode="reflect", data_format="channels_last"
        )
        # Colour transforms.
        x = x + _per_image(ops.where(self._draw(batch, p), self._normal(batch, 0.2), zero))
        contrast = ops.where(self._draw(batch, p), 2.0 ** self._normal(batch, 0.5), one)
        x = _scale_around(x, _per_image(contrast), axis=(1, 2, 3))
        saturation = ops.where(self._draw(batch, p), 2.0 ** self._normal(batch, 1.0), one)
        x = _scale_around(x, _per_image(saturation), axis=3)
        return _cutout(x, 0.5, self._draw(batch, p), seed)

    def get_config(self):
        return {
            **super().get_config(),
            "p": self.initial_p,
            "adaptive": self.adaptive,
            "target": self.target,
            "interval": self.interval,
            "speed_images": self.speed_images,
        }


class CallableAugmenter(keras.layers.Layer):
    """A callable `(images, training) -> images` as a layer that owns its seeds.

    The `SeedGenerator`s the callable draws from (found by `reachable_seed_generators`)
    become this layer's, hence the GAN's: their state then advances inside a jitted
    step on JAX (which carries only the model's state), and is saved with the GAN.

    Args:
        fn: the callable.
        seed_generators: the `keras.random.SeedGenerator`s it draws from.
        **kwargs: passed to `keras.layers.Layer`.
    """

    def __init__(self, fn, seed_generators, **kwargs):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.fn = fn
        self.fn_seed_generators = list(seed_generators)
        self.built = True

    def call(self, images, training=True):
        return self.fn(images, training=training)

    def compute_output_spec(self, images, training=True):
        return keras.KerasTensor(images.shape, dtype=images.dtype)


def reachable_seed_generators(fn):
    """The `SeedGenerator`s a callable can reach: in its closure, the globals it names,
    its default arguments and the attributes of the object it is (or is bound to),
    directly, in a list, tuple or dict, or inside a Keras layer there."""
    candidates, function = [], fn
    if inspect.ismethod(fn):
        candidates += list(getattr(fn.__self__, "__dict__", {}).values())
        function = fn.__func__
    elif not inspect.isfunction(fn):
        candidates += list(getattr(fn, "__dict__", {}).values())
        function = type(fn).__call__
    if inspect.isfunction(function):
        names = inspect.getclosurevars(function)
        candidates += [*names.nonlocals.values(), *names.globals.values()]
        candidates += [*(function.__defaults__ or ()), *(function.__kwdefaults__ or {}).values()]
    found = {}
    for candidate in candidates:
        if isinstance(candidate, dict):
            values = list(candidate.values())
        elif isinstance(candidate, (list, tuple)):
            values = list(candidate)
        else:
            values = [candidate]
        for value in values:
            if isinstance(value, keras.random.SeedGenerator):
                found[id(value)] = value
            elif isinstance(value, keras.layers.Layer):
                for layer in _keras_internals.all_layers(value):
                    for seed_generator in _keras_internals.seed_generators(layer):
                        found[id(seed_generator)] = seed_generator
    return list(found.values())


def unwrapped(augmenter):
    """The user's augmentation behind `augmenter` (a `CallableAugmenter`'s callable)."""
    return augmenter.fn if isinstance(augmenter, CallableAugmenter) else augmenter


def is_saveable(augment):
    """Whether a `.keras` file can hold `augment`: a Keras layer, or a function or
    callable class registered with `keras.saving.register_keras_serializable`."""
    augment = unwrapped(augment)
    if isinstance(augment, keras.layers.Layer):
        return True
    target = augment if inspect.isfunction(augment) else type(augment)
    name = keras.saving.get_registered_name(target)
    return keras.saving.get_registered_object(name) is target


def describe(augment):
    """A short name for `augment` in messages: its function's or class's name."""
    augment = unwrapped(augment)
    return getattr(augment, "__qualname__", None) or type(augment).__name__


AUGMENT_NAMES = {"diffaugment": DiffAugment, "ada": ADA}


def get(augment, seed=None, sample_shape=None):
    """Returns the augmenter for `compile(augment=...)`: a layer, a callable or None.

    An unbuilt Keras layer (`keras.layers.RandomFlip()`, a `Sequential` of them) is
    built for `sample_shape`: Keras would otherwise build the GAN, layers included,
    by calling it on a batch of images, which the GAN's `call` (the generator)
    cannot take.

    Args:
        augment: `None`, `"diffaugment"`, `"ada"`, a Keras layer or a callable
            `(images, training) -> images`. A callable that draws from its own
            `keras.random.SeedGenerator`s (in its closure, the globals it names, its
            defaults or its object's attributes) comes back as a `CallableAugmenter`
            owning them.
        seed: seed of the augmenter built from a name. Defaults to `None`.
        sample_shape: the images' shape without the batch axis, to build an unbuilt
            layer. Defaults to `None` (not built).
    """
    if augment is None:
        return None
    if isinstance(augment, str):
        if augment not in AUGMENT_NAMES:
            raise ValueError(
                f"Expected `augment` to be None, one of {list(AUGMENT_NAMES)}, a Keras "
                f"layer or a callable (images, training) -> images. Received: augment={augment!r}"
            )
        return AUGMENT_NAMES[augment](seed=seed)
    if not callable(augment):
        raise ValueError(
            f"Expected `augment` to be None, one of {list(AUGMENT_NAMES)}, a Keras layer or a "
            f"callable (images, training) -> images. Received: augment={augment!r}"
        )
    if isinstance(augment, keras.layers.Layer):
        if sample_shape is not None and not augment.built:
            augment(keras.KerasTensor((None, *sample_shape)), training=True)
    else:
        seed_generators = reachable_seed_generators(augment)
        if seed_generators:
            return CallableAugmenter(augment, seed_generators)
    return augment


# ---------------------------------------- checks with this module as their one caller
