"""The hyperparameters a `GAN` can change between steps without recompiling.

Each is a `keras.Variable` that the training step reads, so a jitted step sees a new
value without being traced again; a checked property sets it (`gan.r1_penalty = 0.5`)
and the GAN saves it: `label_smoothing`, `r1_penalty`, `r2_penalty`, `ema_decay`,
`ema_half_life`, `augment_p` (ADA's `p`) and `adam_beta_2` (both optimizers'
`beta_2`). `images_seen` counts the real images the training steps consumed.
`keras_gan.callbacks.HyperparameterScheduler` sets them on a schedule.
"""

import keras
import numpy as np
from keras import ops

from keras_gan import checks

#: What `HyperparameterScheduler` can set, each a property of `GAN`.
SCHEDULABLE = (
    "label_smoothing",
    "r1_penalty",
    "r2_penalty",
    "ema_decay",
    "ema_half_life",
    "augment_p",
    "adam_beta_2",
)

#: The epoch-log key of a scheduled value whose name is also one of the GAN's metrics:
#: the metrics `r1_penalty` and `r2_penalty` are the penalties' values, so their
#: scheduled weights are logged as `r1_penalty_weight` and `r2_penalty_weight`
#: (`keras_gan.penalties.Penalty.weight_log_key`).
LOG_KEYS = {name: f"{name}_weight" for name in ("r1_penalty", "r2_penalty")}


def log_key(name):
    """The key under which `HyperparameterScheduler` logs the scheduled `name`."""
    return LOG_KEYS.get(name, name)


# JAX keeps 64-bit integers off by default: there the count wraps after 2**31 - 1
# (2.1 billion) images.
_COUNT_DTYPE = "int32" if keras.config.backend() == "jax" else "int64"


def _scalar(value, name, dtype="float32", *, set_in_step=False):
    # A variable the step assigns holds the same value on every replica (computed from
    # values summed over them): kept from the first, as ADA's `p`.
    kwargs = {"aggregation": "only_first_replica"} if set_in_step else {}
    return keras.Variable(value, trainable=False, dtype=dtype, name=name, **kwargs)


def unscaled(optimizer):
    """The optimizer behind a `LossScaleOptimizer`, or `optimizer` itself."""
    return getattr(optimizer, "inner_optimizer", optimizer)


def value_of(variable):
    """A scalar variable's value as a Python number; a float32 one as the shortest
    decimal that reads back to it (0.9, not 0.8999999761581421)."""
    value = np.asarray(ops.convert_to_numpy(variable))
    if value.dtype.kind == "f":
        return float(str(np.float32(value)))
    return value.item()


class HyperparameterMixin:
    """The hyperparameter variables of a `GAN` and their checked properties."""

    def _create_hyperparameters(self, ema_decay, ema_half_life, ema_rampup):
        """Creates the variables, in the order the GAN saves them (`label_smoothing`
        first: older files hold it alone, and the others keep their values then)."""
        self._label_smoothing = _scalar(0.0, "label_smoothing")
        self._r1_penalty = _scalar(0.0, "r1_penalty")
        self._r2_penalty = _scalar(0.0, "r2_penalty")
        self._images_seen = _scalar(0, "images_seen", _COUNT_DTYPE, set_in_step=True)
        self.ema_rampup = ema_rampup
        self._ema_decay = None
        self._ema_half_life = None
        if ema_decay is not None or ema_half_life is not None:
            # With a half-life, the decay the last step used (0 before the first).
            self._ema_decay = _scalar(ema_decay or 0.0, "ema_decay", set_in_step=True)
        if ema_half_life is not None:
            self._ema_half_life = _scalar(ema_half_life, "ema_half_life")

    # ------------------------------------------------------------- properties
    @property
    def label_smoothing(self):
        """One-sided label smoothing, a `keras.Variable`: real targets are `1 - value`.

        Assign a float (`gan.label_smoothing = 0.1`): it is checked at once and the
        next step uses it without recompiling. A value set with `.assign()` (inside a
        traced function, say) is checked when the next `fit` or epoch starts.
        """
        return self._label_smoothing

    @label_smoothing.setter
    def label_smoothing(self, value):
        value = checks.check_label_smoothing(value, getattr(self, "gan_loss", None))
        self._label_smoothing.assign(value)

    @property
    def r1_penalty(self):
        """The R1 penalty's weight, a `keras.Variable` (the penalty is computed when
        compiled with `r1_penalty > 0`; `gan.r1_penalty = 0.5` changes its weight, 0
        included). The penalty's value is the metric `r1_penalty`."""
        return self._r1_penalty

    @r1_penalty.setter
    def r1_penalty(self, value):
        self._set_penalty("r1_penalty", value)

    @property
    def r2_penalty(self):
        """The R2 penalty's weight, a `keras.Variable`, as `r1_penalty`."""
        return self._r2_penalty

    @r2_penalty.setter
    def r2_penalty(self, value):
        self._set_penalty("r2_penalty", value)

    def _set_penalty(self, name, value):
        value = checks.check_penalty_weight(value, name)
        if value > 0:
            self._check_settable(name)
        getattr(self, f"_{name}").assign(value)

    @property
    def images_seen(self):
        """The number of real images the training steps consumed, a `keras.Variable`
        (the global batch under a distribution strategy), saved with the GAN."""
        return self._images_seen

    @property
    def ema_decay(self):
        """The moving average's decay per step, a `keras.Variable`, or None (no moving
        average). With `ema_half_life`, the decay the last step used (read-only)."""
        return self._ema_decay

    @ema_decay.setter
    def ema_decay(self, value):
        self._check_settable("ema_decay")
        self._ema_decay.assign(checks.check_float(value, "ema_decay", 0, 1, closed="()"))

    @property
    def ema_half_life(self):
        """The moving average's half-life in images, a `keras.Variable`, or None (the
        GAN was built without `ema_half_life`)."""
        return self._ema_half_life

    @ema_half_life.setter
    def ema_half_life(self, value):
        self._check_settable("ema_half_life")
        self._ema_half_life.assign(checks.check_ema_half_life(value))

    @property
    def augment_p(self):
        """ADA's probability `p`, a `keras.Variable`, or None (no ADA). Settable when the
        ADA is not adaptive (`ADA(p, adaptive=False)`)."""
        p = getattr(getattr(self, "augmenter", None), "p", None)
        return p if isinstance(p, keras.Variable) else None

    @augment_p.setter
    def augment_p(self, value):
        self._check_settable("augment_p")
        self.augmenter.p = value

    @property
    def adam_beta_2(self):
        """Both optimizers' `beta_2`, a `keras.Variable` of the discriminator's optimizer
        (the generator's holds the same value), or None (compiled without
        `adam_beta_2`)."""
        if self._adam_beta_2_compiled() is None:
            return None
        return unscaled(self.d_optimizer).beta_2

    @adam_beta_2.setter
    def adam_beta_2(self, value):
        self._check_settable("adam_beta_2")
        value = checks.check_float(value, "adam_beta_2", 0, 1, closed="[)")
        for optimizer in (self.d_optimizer, self.g_optimizer):
            unscaled(optimizer).beta_2.assign(value)

    # ---------------------------------------------------------------- helpers
    def _adam_beta_2_compiled(self):
        config = getattr(self, "compile_config", None)
        return None if config is None else config.adam_beta_2

    def _check_settable(self, name):
        """Raises, saying how to fix it, unless `name` can change during training."""
        if name in ("r1_penalty", "r2_penalty"):
            compiled_on = any(penalty.name == name for penalty in self.penalties)
            _check_penalty_settable(name, compiled_on)
        elif name in ("ema_decay", "ema_half_life"):
            _check_ema_settable(name, self._ema_decay is not None, self._ema_half_life is not None)
        elif name == "augment_p":
            checks.check_augment_p_settable(getattr(self, "augmenter", None))
        elif name == "adam_beta_2":
            _check_adam_beta_2_settable(self._adam_beta_2_compiled())

    def _install_adam_beta_2(self, value):
        """Makes both optimizers' `beta_2` a variable holding `value`.

        Keras' optimizers read `beta_2` as a Python number, which a traced step keeps
        as a constant. A variable tracked in the optimizer's own variables is read at
        every step on every backend (on JAX, `stateless_apply` maps the optimizer's
        variables to the step's state). It is added after the optimizer is built,
        last, so that a reloaded GAN, compiled again from its config, holds its
        optimizers' variables in the same order as the saved ones.
        """
        for optimizer in (self.d_optimizer, self.g_optimizer):
            inner = unscaled(optimizer)
            if isinstance(inner.beta_2, keras.Variable):
                inner.beta_2.assign(value)
                continue
            inner.beta_2 = inner.add_variable(
                shape=(),
                initializer=keras.initializers.Constant(value),
                dtype="float32",
                aggregation="only_first_replica",
                name="beta_2",
            )


# ---------------------------------------- checks with this module as their one caller
def _check_penalty_settable(name, compiled_on):
    """Refuses a positive `r1_penalty`/`r2_penalty` on a GAN compiled without it
    (`compiled_on`: whether the GAN computes that penalty)."""
    if not compiled_on:
        raise ValueError(
            f"Expected a GAN compiled with `{name} > 0` to change `{name}` during "
            f"training (the step computes the penalty only when compiled with it). "
            f"Received: a GAN compiled with {name}=0.0: compile with {name}=<its first "
            "value> to change it during training"
        )


def _check_ema_settable(name, ema_on, half_life_on):
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


def _check_adam_beta_2_settable(compiled):
    if compiled is None:
        raise ValueError(
            "Expected a GAN compiled with `adam_beta_2=...` to change `adam_beta_2` "
            "during training (compile makes both optimizers' `beta_2` a variable then). "
            "Received: a GAN compiled with adam_beta_2=None"
        )
