"""Checks of user arguments, made where they enter (constructor, compile, first batch).

The one place for argument checks: the GAN's, the callbacks', the metrics' and the
datasets'. A few typed primitives (`check_int`, `check_float`, `check_bool`,
`check_image_shape`, `check_label_range`) hold the wording; the named checks below use them.
`keras_gan.data_checks` checks the data given to `fit`; `keras_gan.introspection`
reads the models.

Every message says what was expected and what was received.
"""

import math
import numbers
import os
import warnings

import keras

from keras_gan import _keras_internals
from keras_gan import introspection


# ------------------------------------------------------------------ primitives
def is_int_at_least(value, minimum):
    """Whether `value` is an integer (not a bool) >= `minimum`: the one integer test."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= minimum


def check_int(value, name, minimum, *, expected=None, optional=False):
    """Returns `value` as an `int` if it is an integer (not a bool) >= `minimum`.

    Args:
        value: the argument.
        name: its name, for the message.
        minimum: the smallest value allowed.
        expected: what the message says was expected. Defaults to `None`,
            "an integer >= {minimum}".
        optional: whether `None` is allowed (and returned). Defaults to `False`.
    """
    if optional and value is None:
        return None
    if not is_int_at_least(value, minimum):
        expected = expected or f"an integer >= {minimum}"
        if optional:
            expected = f"None or {expected}"
        raise ValueError(f"Expected `{name}` to be {expected}. Received: {name}={value!r}")
    return int(value)


def as_float(value):
    """`value` as a `float`; NaN for a bool, a string or anything `float()` refuses."""
    if isinstance(value, (bool, str)):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def check_float(value, name, low, high, *, closed="[]", expected=None, optional=False):
    """Returns `value` as a `float` if it is a number (not a bool) in an interval.

    Args:
        value: the argument.
        name: its name, for the message.
        low: the interval's lower end (`-math.inf` for none).
        high: the interval's upper end (`math.inf` for none).
        closed: which ends are included: `"[]"`, `"[)"`, `"(]"` or `"()"`.
            Defaults to `"[]"`.
        expected: what the message says was expected. Defaults to `None`,
            "a float in [low, high]" with the interval written as `closed` says.
        optional: whether `None` is allowed (and returned). Defaults to `False`.
    """
    if optional and value is None:
        return None
    number = as_float(value)
    above = number >= low if closed[0] == "[" else number > low
    below = number <= high if closed[1] == "]" else number < high
    if not (above and below):  # NaN fails both
        expected = expected or f"a float in {closed[0]}{low:g}, {high:g}{closed[1]}"
        if optional:
            expected = f"None or {expected}"
        raise ValueError(f"Expected `{name}` to be {expected}. Received: {name}={value!r}")
    return number


def check_bool(value, name):
    if not isinstance(value, bool):
        raise ValueError(f"Expected `{name}` to be True or False. Received: {name}={value!r}")
    return value


def check_image_shape(
    shape, name="image_shape", *, sides=None, unknown=False, subject=None, received=None
):
    """Returns `shape` as a tuple if it is an image shape (height, width, channels).

    The one image-shape check and its one wording, "Expected {subject} (height, width,
    channels): three positive ints[ or None][, square with a side of ...]. Received:
    {received}": a tuple or list of three positive ints (`None` too where
    `unknown`), square with a side in `sides` where `sides` is given.

    Args:
        shape: the shape, without the batch axis.
        name: its name, for the message. Defaults to `"image_shape"`.
        sides: the sides allowed; the shape must be square. Defaults to `None`, any.
        unknown: whether a dimension may be `None` (unknown). Defaults to `False`.
        subject: what the message says was expected, the caller's context. Defaults
            to `None`, "`{name}` to be an image shape".
        received: what the message says was received. Defaults to `None`,
            "{name}={shape!r}".
    """
    dims = tuple(shape) if isinstance(shape, (tuple, list)) else None
    valid = (
        dims is not None
        and len(dims) == 3
        and all(is_int_at_least(d, 1) or (unknown and d is None) for d in dims)
        and (sides is None or (dims[0] == dims[1] and dims[0] in sides))
    )
    if not valid:
        subject = subject or f"`{name}` to be an image shape"
        allowed = " or None" if unknown else ""
        if sides is not None:
            allowed += f", square with a side of {', '.join(map(str, sides))}"
        raise ValueError(
            f"Expected {subject} (height, width, channels): three positive ints{allowed}. "
            f"Received: {received or f'{name}={shape!r}'}"
        )
    return tuple(d if d is None else int(d) for d in dims)


def label_range_expected(num_classes, *, every_batch=False):
    """The expectation every message about out-of-range class labels starts with."""
    return f"Expected labels in [0, {num_classes})" + (" in every batch" if every_batch else "")


def check_label_range(low, high, num_classes, *, every_batch=False, where=""):
    """Raises unless the labels' range `[low, high]` is within `[0, num_classes)`.

    Args:
        low: the smallest label seen.
        high: the largest label seen.
        num_classes: the number of classes.
        every_batch: whether the message says the check holds for every batch.
            Defaults to `False`.
        where: what the message appends to the received range (" in y").
            Defaults to `""`.
    """
    if low < 0 or high >= num_classes:
        raise ValueError(
            f"{label_range_expected(num_classes, every_batch=every_batch)}. Received: "
            f"labels from {low} to {high}{where}"
        )


# ------------------------------------------------------------ the GAN's checks
def check_model(model, role):
    """Checks that `model` is a built Keras layer or model."""
    if not isinstance(model, keras.Layer):
        raise ValueError(
            f"Expected `{role}` to be a Keras model. Received: {role}={model!r} "
            f"of type {type(model).__name__}"
        )
    if not model.built:
        raise ValueError(
            f"Expected a built {role}: start it with `keras.Input(...)` or call "
            f"`{role}.build(input_shape)` first. Received: an unbuilt model "
            f"{model.name!r} with no known input shape"
        )


def warn_discriminator_mismatch(discriminator, gan_loss, gradient_penalty):
    """Warns about a discriminator that the loss or the penalty will misread.

    A discriminator ending in a sigmoid under a cross-entropy loss with
    `from_logits=True` has its probabilities read as logits; a gradient penalty on a
    critic with BatchNormalization penalises gradients that depend on the whole batch
    (Gulrajani et al., 2017, arXiv:1704.00028, sec. 4, advise layer normalisation).
    """
    bounds = introspection.output_range(discriminator)
    if bounds is not None and bounds[0] == "sigmoid" and getattr(gan_loss, "from_logits", False):
        warnings.warn(
            "The discriminator ends in a sigmoid, but `compile` got `from_logits=True`: "
            "its probabilities will be read as logits. Pass `from_logits=False`, or "
            "remove the sigmoid.",
            stacklevel=3,
        )
    if gradient_penalty > 0 and introspection.contains_layer(
        discriminator, keras.layers.BatchNormalization
    ):
        warnings.warn(
            "A gradient penalty with a BatchNormalization critic: each sample's gradient "
            "then depends on the whole batch, which the penalty does not account for "
            "(the WGAN-GP paper advises LayerNormalization, or no normalisation, in the "
            "critic).",
            stacklevel=3,
        )


def check_trainable_since_compile(models, current, compiled):
    """Checks each network trains what its optimizer was built for at `compile`.

    A network frozen whole (`trainable = False`) is allowed, with a warning: it does
    not train. Any other change needs a new `compile`, with fresh optimizers, which
    are built for the variables trainable then.

    Args:
        models: `[discriminator, generator]`.
        current: per model, the ids of its trainable variables now.
        compiled: per model, the ids of its trainable variables at `compile`.
    """
    roles = ("discriminator", "generator")
    for role, model, now, then in zip(roles, models, current, compiled):
        if now and now != then:
            raise ValueError(
                f"Expected the {role}'s trainable variables to be those it had at "
                f"`compile` ({len(then)}): after changing `trainable` on some of its "
                "layers, call compile() again with new optimizers. Received: "
                f"{len(now)} trainable variables in {model.name!r}"
            )
    frozen = [role for role, now in zip(roles, current) if not now]
    if len(frozen) == 2:
        raise ValueError(
            "Expected at least one network to train. Received: the discriminator and "
            "the generator both frozen (trainable=False)"
        )
    if frozen:
        other = roles[1 - roles.index(frozen[0])]
        warnings.warn(
            f"The {frozen[0]} is frozen (it has no trainable variable): only the {other} trains.",
            stacklevel=4,
        )


def check_latent_dim(generator, latent_dim, expected_inputs):
    """Returns the latent size: `latent_dim`, or the generator's first input size."""
    shapes = introspection.declared_input_shapes(generator)
    if shapes is not None and len(shapes) != expected_inputs:
        what = "one input (noise)" if expected_inputs == 1 else "two inputs [noise, labels]"
        raise ValueError(
            f"Expected the generator to take {what}. Received: input_shape="
            f"{shapes if len(shapes) > 1 else shapes[0]}"
        )
    declared = None
    if shapes is not None:
        noise_shape = shapes[0]
        if len(noise_shape) != 2:
            raise ValueError(
                "Expected the generator's noise input to have shape (batch, latent_dim). "
                f"Received: input_shape={noise_shape}"
            )
        declared = noise_shape[-1]
    if latent_dim is None:
        if declared is None:
            raise ValueError(
                "Expected `latent_dim` when the generator declares no input shape. "
                "Received: latent_dim=None"
            )
        return declared
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    if declared is not None and declared != latent_dim:
        raise ValueError(
            f"Expected `latent_dim` to match the generator's input size {declared}. "
            f"Received: latent_dim={latent_dim}, generator input_shape=(None, {declared})"
        )
    return latent_dim


def check_sample_shapes(sample_shape, discriminator):
    """Checks the generator's output against the discriminator's declared input."""
    shapes = introspection.declared_input_shapes(discriminator)
    if shapes is None:
        return
    if not introspection.shapes_compatible(sample_shape, shapes[0]):
        raise ValueError(
            "Expected the generator's output to match the discriminator's input. "
            f"Received: generator output_shape={sample_shape}, discriminator "
            f"input_shape={shapes[0]}"
        )


def check_score_shape(score_shape):
    """Checks the discriminator returns one score per sample."""
    if len(score_shape) == 1 or (len(score_shape) == 2 and score_shape[1] == 1):
        return
    raise ValueError(
        "Expected the discriminator to output one score per sample, shape (batch, 1) "
        f"or (batch,). Received: output_shape={score_shape}"
    )


def check_optimizer(optimizer, name):
    """Returns a Keras optimizer from an instance, name or config."""
    if optimizer is None:
        raise ValueError(
            f"Expected `{name}` to be a Keras optimizer (an instance or a name such as "
            f"'adam'). Received: {name}=None"
        )
    try:
        return keras.optimizers.get(optimizer)
    except (ValueError, TypeError) as e:
        raise ValueError(
            f"Expected `{name}` to be a Keras optimizer (an instance or a name such as "
            f"'adam'). Received: {name}={optimizer!r}"
        ) from e


def check_d_steps(d_steps):
    return check_int(d_steps, "d_steps", 1)


UPDATE_MODES = ("alternating", "simultaneous")


def check_update(update, d_steps):
    if update not in UPDATE_MODES:
        raise ValueError(
            f"Expected `update` to be one of {list(UPDATE_MODES)}. Received: update={update!r}"
        )
    if update == "simultaneous" and d_steps != 1:
        raise ValueError(
            "Expected `d_steps=1` with `update='simultaneous'` (both networks update once "
            f"from the same generator pass). Received: d_steps={d_steps}"
        )
    return update


def check_reuse_fakes(reuse_fakes, update):
    check_bool(reuse_fakes, "reuse_fakes")
    if reuse_fakes and update != "alternating":
        raise ValueError(
            "Expected `update='alternating'` with `reuse_fakes=True` (the generator update "
            f"reuses the discriminator update's batch). Received: update={update!r}"
        )
    return bool(reuse_fakes)


def check_label_smoothing(value, loss=None):
    """Returns `value` as a float in [0, 1); checks that `loss` supports it."""
    value = check_float(as_float(value), "label_smoothing", 0, 1, closed="[)")
    if value > 0.0 and loss is not None and not loss.supports_label_smoothing:
        raise ValueError(
            "Expected `label_smoothing=0` with this loss: real targets have no meaning "
            "for it (label smoothing applies to 'minimax', 'non_saturating' and "
            f"'least_squares'). Received: label_smoothing={value}, loss={loss!r}"
        )
    return value


def check_gradient_penalty(value):
    return check_penalty_weight(value, "gradient_penalty")


def check_num_classes(num_classes):
    return check_int(num_classes, "num_classes", 2)


def check_ema_decay(value):
    return check_float(value, "ema_decay", 0, 1, closed="()", optional=True)


def check_ema_half_life(value, *, optional=False):
    return check_float(
        value,
        "ema_half_life",
        0,
        math.inf,
        closed="()",
        expected="a finite number of images > 0",
        optional=optional,
    )


def check_ema(ema_decay, ema_half_life, ema_rampup):
    """Checks the moving-average arguments of `GAN`; returns them checked."""
    ema_decay = check_ema_decay(ema_decay)
    ema_half_life = check_ema_half_life(ema_half_life, optional=True)
    if ema_decay is not None and ema_half_life is not None:
        raise ValueError(
            "Expected either `ema_decay` (a fixed decay per step) or `ema_half_life` (a "
            "decay from the batch size, in images), not both. Received: "
            f"ema_decay={ema_decay}, ema_half_life={ema_half_life}"
        )
    ema_rampup = check_float(
        ema_rampup,
        "ema_rampup",
        0,
        math.inf,
        closed="()",
        optional=True,
        expected="a finite float > 0",
    )
    if ema_rampup is not None and ema_half_life is None:
        raise ValueError(
            "Expected `ema_half_life` with `ema_rampup` (the ramp-up caps the half-life at "
            f"images_seen * ema_rampup). Received: ema_rampup={ema_rampup}, ema_half_life=None"
        )
    return ema_decay, ema_half_life, ema_rampup


def check_augment_p(value):
    return check_float(value, "augment_p", 0, 1)


# ------------------------------------- hyperparameters set during training
def check_penalty_settable(name, compiled_on):
    """Refuses a positive `r1_penalty`/`r2_penalty` on a GAN compiled without it
    (`compiled_on`: whether the GAN computes that penalty)."""
    if not compiled_on:
        raise ValueError(
            f"Expected a GAN compiled with `{name} > 0` to change `{name}` during "
            f"training (the step computes the penalty only when compiled with it). "
            f"Received: a GAN compiled with {name}=0.0: compile with {name}=<its first "
            "value> to change it during training"
        )


def check_ema_settable(name, ema_on, half_life_on):
    """Refuses `ema_decay`/`ema_half_life` on a GAN whose moving average lacks it."""
    built = "ema_half_life" if half_life_on else "ema_decay" if ema_on else None
    if built == name:
        return
    received = (
        "a GAN built without a moving average"
        if built is None
        else f"a GAN built with `{built}`"
        + (": its decay follows from the half-life at each step" if half_life_on else "")
    )
    raise ValueError(
        f"Expected a GAN built with `GAN(..., {name}=...)` to set `{name}`. Received: {received}"
    )


def check_augment_p_settable(augmenter):
    """Refuses `augment_p` unless the augmenter is a non-adaptive ADA (or has a `p`)."""
    if not isinstance(getattr(augmenter, "p", None), keras.Variable):
        name = "None" if augmenter is None else type(augmenter).__name__
        raise ValueError(
            "Expected an augmentation with a probability `p` to set `augment_p`: "
            "`compile(..., augment=keras_gan.augmentation.ADA(p, adaptive=False))`. "
            f"Received: augment={name}"
        )
    if getattr(augmenter, "adaptive", False):
        raise ValueError(
            "Expected `ADA(p, adaptive=False)` to set its `p` (`augment_p`): an adaptive "
            "ADA steers `p` itself. Received: an ADA with adaptive=True"
        )


def check_adam_beta_2_settable(compiled):
    if compiled is None:
        raise ValueError(
            "Expected a GAN compiled with `adam_beta_2=...` to change `adam_beta_2` "
            "during training (compile makes both optimizers' `beta_2` a variable then). "
            "Received: a GAN compiled with adam_beta_2=None"
        )


def check_adam_beta_2(value, optimizers):
    """Returns `value` as a float in [0, 1) if every optimizer of `optimizers` (a dict
    of names to the optimizers, unwrapped from loss scaling) has a `beta_2`."""
    if value is None:
        return None
    value = check_float(value, "adam_beta_2", 0, 1, closed="[)")
    for name, optimizer in optimizers.items():
        if not hasattr(optimizer, "beta_2"):
            raise ValueError(
                f"Expected optimizers with a `beta_2` (Adam, AdamW, Adamax, Nadam, Lamb, "
                f"Lion) with `adam_beta_2`. Received: {name}={type(optimizer).__name__}, "
                "which has none"
            )
    return value


# ------------------------------------------------- callbacks and metrics
def check_positive_int(value, name, *, optional=False):
    return check_int(value, name, 1, expected="a positive integer", optional=optional)


def check_kid_subset_size(value, name):
    """A KID subset size: the unbiased MMD^2 averages over pairs of distinct samples."""
    expected = (
        "an integer >= 2 (KID averages the kernel over pairs of distinct samples of a subset)"
    )
    return check_int(value, name, 2, expected=expected)


def check_path(value, name):
    """Returns `value` as a `str` path."""
    try:
        path = os.fspath(value)
    except TypeError:
        path = None
    if not isinstance(path, str) or not path:
        raise ValueError(
            f"Expected `{name}` to be a directory path (str or os.PathLike). "
            f"Received: {name}={value!r}"
        )
    return path


def check_seed(seed):
    if seed is not None and not is_int_at_least(seed, -math.inf):
        raise ValueError(f"Expected `seed` to be an integer or None. Received: seed={seed!r}")
    return None if seed is None else int(seed)


def check_callable(model, role):
    if model is not None and not callable(model):
        raise ValueError(
            f"Expected `{role}` to be a Keras model or a callable mapping a batch to "
            f"(batch, d) outputs. Received: {role}={model!r} of type {type(model).__name__}"
        )
    if isinstance(model, keras.Model):
        try:
            shape = model.output_shape
        except (AttributeError, ValueError):  # not built yet: checked on the first batch
            return model
        if not (isinstance(shape, tuple) and len(shape) == 2):
            raise ValueError(
                f"Expected `{role}` to output (batch, d) values, one vector per sample. "
                f"Received: {role} {model.name!r} with output shape {shape}"
            )
    return model


def check_schedules(schedules, names):
    """Returns `schedules` as a dict if it maps some of `names` to callables."""
    if not isinstance(schedules, dict) or not schedules:
        raise ValueError(
            f"Expected `schedules` to be a non-empty dict mapping names among {list(names)} "
            f"to functions. Received: schedules={schedules!r}"
        )
    for name, schedule in schedules.items():
        if name not in names:
            raise ValueError(
                f"Expected `schedules` to name hyperparameters among {list(names)} (a "
                "learning rate is scheduled by giving the optimizer a "
                "`keras.optimizers.schedules.LearningRateSchedule`). Received: a schedule "
                f"for {name!r}"
            )
        if not callable(schedule):
            raise ValueError(
                f"Expected `schedules[{name!r}]` to be a function t -> float. "
                f"Received: {schedule!r}"
            )
    return dict(schedules)


def check_schedule_unit(unit, units):
    if unit not in units:
        raise ValueError(f"Expected `unit` to be one of {list(units)}. Received: unit={unit!r}")
    return unit


def check_update_every(value, unit):
    """`update_every`: None, or with `unit="images"` a positive number of images."""
    if value is not None and unit != "images":
        raise ValueError(
            "Expected `update_every=None` with `unit='epoch'` (values are set as each "
            f"epoch starts). Received: update_every={value!r}"
        )
    return check_positive_int(value, "update_every", optional=True)


def check_penalty_weight(value, name):
    return check_float(value, name, 0, math.inf, closed="[)", expected="a finite float >= 0")


def check_penalties_compile(penalty_weights, jit_compile, run_eagerly):
    """Refuses a gradient penalty with `jit_compile=True` on PyTorch.

    Args:
        penalty_weights: dict of the penalties' names to their weights.
        jit_compile: the `jit_compile` given to `compile`.
        run_eagerly: the `run_eagerly` given to `compile` (which turns `jit_compile` off).
    """
    if keras.config.backend() != "torch" or jit_compile is not True or run_eagerly:
        return
    on = [f"{name}={weight!r}" for name, weight in penalty_weights.items() if weight > 0]
    if on:
        raise ValueError(
            "Expected `jit_compile=False` (the default on PyTorch) with a gradient penalty "
            "on the PyTorch backend: the penalty's gradient is a gradient of a gradient, "
            "which torch.compile (aot_autograd) does not support. Received: "
            f"jit_compile=True with {', '.join(on)}"
        )


def check_penalty_every(value):
    return check_int(value, "penalty_every", 1)


def check_adaptive_augment(augmenter, gan_loss):
    """Refuses adaptive ADA with a loss whose scores have no real/fake boundary.

    ADA steers `p` by the share of real scores above the loss's `decision_boundary`;
    a Wasserstein critic's scores are defined up to a constant and a relativistic
    loss reads only differences of scores, so that share means nothing there.
    """
    if getattr(augmenter, "adaptive", False) is True and gan_loss.decision_boundary is None:
        raise ValueError(
            "Expected a loss with a real/fake decision boundary for adaptive "
            "augmentation (ADA steers `p` by the share of real scores above it). "
            f"Received: loss={gan_loss!r}, whose scores have none (`decision_boundary` "
            "is None: only differences between scores count). Fix `p` with "
            "`augment=keras_gan.augmentation.ADA(p=0.2, adaptive=False)`, use "
            '`augment="diffaugment"`, or give a custom GANLoss a `decision_boundary`.'
        )


def check_augment_jit(augmenter, jit_compile):
    """Refuses `jit_compile=True` with an augmentation layer XLA cannot compile.

    Keras reads `supports_jit` on every layer of the model (the augmenter is one):
    `"auto"` then compiles without XLA; `True` is refused here rather than failing
    inside `fit`.
    """
    if jit_compile is not True or not isinstance(augmenter, keras.layers.Layer):
        return
    for layer in _keras_internals.all_layers(augmenter):
        if not layer.supports_jit:
            raise ValueError(
                f"Expected `jit_compile=False` or `'auto'` with this augmentation: its layer "
                f"`{layer.name}` ({type(layer).__name__}) cannot be compiled with XLA on "
                f"the {keras.config.backend()} backend (`supports_jit` is False). Received: "
                "jit_compile=True"
            )
