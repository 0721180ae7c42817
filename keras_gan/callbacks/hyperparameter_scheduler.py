"""`HyperparameterScheduler`: sets a GAN's hyperparameters on a schedule; `cosine_ramp`."""

import math

import keras

from keras_gan import _keras_internals
from keras_gan import checks
from keras_gan import hyperparameters
from keras_gan.callbacks import _checks

UNITS = ("epoch", "images")


class HyperparameterScheduler(keras.callbacks.Callback):
    """Sets a GAN's hyperparameters from schedules, per epoch or per images seen.

    Each schedule is a function of the 0-based epoch (`unit="epoch"`, set as each epoch
    starts) or of `gan.images_seen`, the real images trained on so far
    (`unit="images"`: set when training starts, then as batches start, every
    `update_every` images: the value for `n` images is `schedule(n - n % update_every)`,
    a function of `n` alone, so a resumed run sets exactly what the uninterrupted run
    had). The GAN's variables change without recompiling.

    The names: `label_smoothing`, `r1_penalty`, `r2_penalty` (compiled `> 0`),
    `ema_decay` (`GAN(ema_decay=...)`), `ema_half_life` (`GAN(ema_half_life=...)`),
    `augment_p` (`ADA(adaptive=False)`) and `adam_beta_2` (`compile(adam_beta_2=...)`).
    A GAN that cannot change one of its names fails when training starts.

    Each value is added to the epoch logs under its name, so `History`, `CSVLogger` and
    `TensorBoard` record it; `r1_penalty` and `r2_penalty` as `r1_penalty_weight` and
    `r2_penalty_weight`, since the GAN's metrics of those names are the penalties'
    values. List this callback before them, as Keras' `LearningRateScheduler`. Learning
    rates are scheduled by Keras itself: give the optimizers a
    `keras.optimizers.schedules.LearningRateSchedule`.

    Args:
        schedules: a dict mapping names (above) to functions `schedule(t) -> float`.
            No default.
        unit: `"epoch"` or `"images"`: what `t` counts. Defaults to `"epoch"`.
        update_every: with `unit="images"`, the images between updates; `None` sets the
            values at every batch. Each update writes the JAX trainer's state back into
            the model (about one small step's time); between updates, a batch costs one
            read of `images_seen`. Defaults to `None`.
        verbose: `1` prints each value set. Defaults to `0`.

    Example:
    ```python
    scheduler = keras_gan.callbacks.HyperparameterScheduler(
        {"r1_penalty": keras_gan.callbacks.cosine_ramp(1.0, 0.1, 500_000),
         "ema_half_life": keras_gan.callbacks.cosine_ramp(0, 10_000, 100_000)},
        unit="images", update_every=10_000)
    gan.fit(images, epochs=100, callbacks=[scheduler])
    ```
    """

    def __init__(self, schedules, unit: str = "epoch", update_every=None, verbose: int = 0):
        super().__init__()
        self.schedules = _check_schedules(schedules, hyperparameters.SCHEDULABLE)
        self.unit = _check_schedule_unit(unit, UNITS)
        self.update_every = _check_update_every(update_every, unit)
        self.verbose = verbose
        self._next_update = None  # with unit="images": the count of the next update
        self._read_images_seen = None

    def on_train_begin(self, logs=None):
        gan = self.model
        _checks.check_gan(gan, type(self).__name__)
        for name in self.schedules:
            gan._check_settable(name)
            _check_assignable(gan, name)
        if self.unit == "images":
            # Read as each batch starts, without syncing the JAX trainer's state (which
            # `self.model` does): only an update reads `self.model`.
            self._read_images_seen = _keras_internals.variable_reader(gan, gan.images_seen)
            self._update_at(self._images_seen())

    def on_epoch_begin(self, epoch, logs=None):
        if self.unit == "epoch":
            self._set_all(epoch, f"Epoch {epoch + 1}")

    def on_train_batch_begin(self, batch, logs=None):
        if self.unit == "images":
            seen = self._images_seen()
            if seen >= self._next_update:
                self._update_at(seen)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            for name in self.schedules:
                value = hyperparameters.value_of(getattr(self.model, name))
                logs[hyperparameters.log_key(name)] = float(value)

    # ---------------------------------------------------------------- helpers
    def _images_seen(self):
        return int(hyperparameters.value_of(self._read_images_seen()))

    def _update_at(self, seen):
        every = self.update_every or 1
        start = seen - seen % every
        self._set_all(start, f"Images {seen}")
        self._next_update = start + every

    def _set_all(self, t, when):
        for name, schedule in self.schedules.items():
            value = schedule(t)
            try:
                setattr(self.model, name, value)
            except ValueError as e:
                raise ValueError(
                    f"Expected `{self._describe(name, t)}` to return a valid "
                    f"{name.replace('_', ' ')}. {e}"
                ) from e
            if self.verbose:
                print(f"\n{when}: {type(self).__name__} setting {name} to {float(value)}.")

    def _describe(self, name, t):
        return f"schedules[{name!r}]({t})"


def _targets(gan, name):
    """`(where, value)` of each variable that setting `name` assigns."""
    if name == "adam_beta_2":
        return [
            (f"{attribute}.beta_2", hyperparameters.unscaled(getattr(gan, attribute)).beta_2)
            for attribute in ("d_optimizer", "g_optimizer")
        ]
    if name == "augment_p":
        return [("augmenter.p", getattr(gan.augmenter, "p", None))]
    return [(name, getattr(gan, name))]


def _check_assignable(gan, name):
    """Refuses, when training starts, a scheduled name whose value is not a variable.

    A plain number there (an optimizer's `beta_2` replaced after `compile`, a subclass
    overriding a name) would fail at the first update with an `AttributeError`, or a
    traced step would keep its old value.
    """
    for where, target in _targets(gan, name):
        if not callable(getattr(target, "assign", None)):
            raise ValueError(
                f"Expected `gan.{where}` to be a variable (with `.assign()`) for "
                f"HyperparameterScheduler to set `{name}` during training. Received: "
                f"{where}={target!r} of type {type(target).__name__}; compile the GAN again "
                "rather than replacing it"
            )


def cosine_ramp(start: float, end: float, length: float):
    """A schedule going from `start` to `end` along half a cosine, then constant.

    `f(t) = end + (start - end) * (1 + cos(pi * t / length)) / 2` for `0 <= t <=
    length`, `start` before and `end` after: flat at both ends, steepest half-way.

    Args:
        start: the value at `t = 0`. No default.
        end: the value from `t = length` on. No default.
        length: the duration of the ramp, in the scheduler's unit (epochs or images),
            > 0. No default.

    Returns:
        A function `t -> float`.

    Example:
    ```python
    half_life = keras_gan.callbacks.cosine_ramp(0, 10_000, 200_000)
    half_life(0), half_life(100_000), half_life(300_000)  # 0.0, 5000.0, 10000.0
    ```
    """
    start = checks.check_float(start, "start", -math.inf, math.inf, closed="()")
    end = checks.check_float(end, "end", -math.inf, math.inf, closed="()")
    length = checks.check_float(length, "length", 0, math.inf, closed="()")

    def schedule(t):
        if t <= 0:
            return start
        fraction = min(float(t), length) / length
        return end + (start - end) * 0.5 * (1.0 + math.cos(math.pi * fraction))

    return schedule


# ---------------------------------------- checks with this module as their one caller
def _check_schedules(schedules, names):
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


def _check_schedule_unit(unit, units):
    if unit not in units:
        raise ValueError(f"Expected `unit` to be one of {list(units)}. Received: unit={unit!r}")
    return unit


def _check_update_every(value, unit):
    """`update_every`: None, or with `unit="images"` a positive number of images."""
    if value is not None and unit != "images":
        raise ValueError(
            "Expected `update_every=None` with `unit='epoch'` (values are set as each "
            f"epoch starts). Received: update_every={value!r}"
        )
    return checks.check_positive_int(value, "update_every", optional=True)
