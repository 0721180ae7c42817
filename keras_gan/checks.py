"""Checks of user arguments, made where they enter (constructor, compile, first batch).

The checks shared by several modules: a few typed primitives (`check_int`,
`check_float`, `check_bool`, `check_image_shape`, `check_label_range`) hold the
wording, and the named checks below use them. A check with one caller lives beside
that caller (`compile_settings`, `gan`, `hyperparameters`, ...).
`keras_gan.data_checks` checks the data given to `fit`; `keras_gan.introspection`
reads the models.

Every message says what was expected and what was received.
"""

import math
import numbers
import os

import keras

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
    """Returns `shape` (no batch axis) as a tuple if it is an image shape: the one
    image-shape check, "Expected {subject} (height, width, channels): three positive
    ints[ or None][, square with a side of ...]. Received: {received}".

    `sides`: the sides allowed, square shapes only. `unknown`: whether a dimension may
    be `None`. `subject` defaults to "`{name}` to be an image shape", `received` to
    "{name}={shape!r}": the caller's context.
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


def check_num_classes(num_classes):
    return check_int(num_classes, "num_classes", 2)


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


# ------------------------------------- hyperparameters set during training
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


def check_penalty_weight(value, name):
    return check_float(value, name, 0, math.inf, closed="[)", expected="a finite float >= 0")
