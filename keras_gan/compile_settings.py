"""`GAN.compile`'s settings, checked once into one typed object: `CompileConfig`.

`GAN.compile(...)` passes each of its named arguments to `CompileConfig.checked`,
which checks them in plain code and returns a frozen `CompileConfig` whose fields are
named as `compile`'s keywords; the GAN keeps it as `gan.compile_config` and the step
reads its fields (`self.compile_config.d_steps`). `CompileConfig.get_config` is
`GAN.get_compile_config()` and `arguments_from_config` turns it back into `compile`'s
arguments. Adding an option is a keyword (and docstring line) in `GAN.compile`, a
field here, its check in `checked` and its entry in `get_config`.
"""

import dataclasses
import warnings
from typing import Any

import keras

from keras_gan import _keras_internals
from keras_gan import augmentation as augmentation_module
from keras_gan import checks
from keras_gan import hyperparameters
from keras_gan import introspection
from keras_gan import losses as losses_module

#: The arguments of Keras' own `compile` saved with the GAN.
KERAS_KWARGS_SAVED = ("jit_compile", "steps_per_execution", "run_eagerly", "auto_scale_loss")

#: `compile`'s options, in the order `checked` checks them and `get_config` saves them.
OPTION_NAMES = (
    "d_optimizer",
    "g_optimizer",
    "loss",
    "d_steps",
    "update",
    "reuse_fakes",
    "label_smoothing",
    "gradient_penalty",
    "r1_penalty",
    "r2_penalty",
    "penalty_every",
    "from_logits",
    "augment",
    "adam_beta_2",
)


@dataclasses.dataclass(frozen=True)
class CompileConfig:
    """The checked arguments of one `GAN.compile` call, named as its keywords.

    Attributes:
        d_optimizer: the discriminator's optimizer (loss-scaled under `mixed_float16`).
        g_optimizer: the generator's optimizer, likewise.
        loss: the `keras_gan.losses.GANLoss` (`gan.gan_loss`).
        d_steps: discriminator updates per generator update.
        update: `"alternating"` or `"simultaneous"`.
        reuse_fakes: whether the generator update reuses the last discriminator
            update's batch.
        label_smoothing: the smoothing compiled; the step reads the variable
            `gan.label_smoothing`, which `compile` sets to it.
        gradient_penalty: WGAN-GP's weight (fixed), 0 when off.
        r1_penalty: R1's weight as compiled, 0 when off; the step reads the weight
            variable `gan.r1_penalty`, which `compile` sets to it.
        r2_penalty: R2's weight as compiled, as `r1_penalty`.
        penalty_every: R1/R2's lazy regularization interval.
        from_logits: whether the discriminator outputs logits.
        augment: the augmenter built from `compile`'s `augment` (a layer, a callable
            or None; `gan.augmenter`).
        augment_argument: `compile`'s `augment` as given (a name is saved as the name).
        adam_beta_2: both optimizers' `beta_2` as compiled, or None (each its own).
        keras_kwargs: the arguments passed on to Keras' own `compile`.
    """

    d_optimizer: Any
    g_optimizer: Any
    loss: Any
    d_steps: int
    update: str
    reuse_fakes: bool
    label_smoothing: float
    gradient_penalty: float
    r1_penalty: float
    r2_penalty: float
    penalty_every: int
    from_logits: bool
    augment: Any
    augment_argument: Any
    adam_beta_2: float | None
    keras_kwargs: dict

    @classmethod
    def checked(
        cls,
        gan,
        *,
        d_optimizer,
        g_optimizer,
        loss,
        d_steps,
        update,
        reuse_fakes,
        label_smoothing,
        gradient_penalty,
        r1_penalty,
        r2_penalty,
        penalty_every,
        from_logits,
        augment,
        adam_beta_2,
        keras_kwargs,
    ):
        """Checks `compile`'s arguments (in `OPTION_NAMES`' order: a check may read
        the values checked before it) and returns the config; raises on a bad one."""
        jit_compile = keras_kwargs.get("jit_compile")
        d_optimizer_checked = _check_optimizer(d_optimizer, "d_optimizer")
        g_optimizer_checked = _check_optimizer(g_optimizer, "g_optimizer")
        if d_optimizer_checked is g_optimizer_checked:
            raise ValueError(
                "Expected two different optimizer objects, one per network. "
                "Received: the same object as d_optimizer and g_optimizer"
            )
        gan_loss = losses_module.get(loss, from_logits=from_logits)
        d_steps = checks.check_int(d_steps, "d_steps", 1)
        update = _check_update(update, d_steps)
        reuse_fakes = _check_reuse_fakes(reuse_fakes, update)
        label_smoothing = checks.check_label_smoothing(label_smoothing, gan_loss)
        gradient_penalty = checks.check_penalty_weight(gradient_penalty, "gradient_penalty")
        _warn_discriminator_mismatch(gan.discriminator, gan_loss, gradient_penalty)
        r1_penalty = checks.check_penalty_weight(r1_penalty, "r1_penalty")
        r2_penalty = checks.check_penalty_weight(r2_penalty, "r2_penalty")
        penalty_every = checks.check_int(penalty_every, "penalty_every", 1)
        _check_penalties_compile(
            {
                "gradient_penalty": gradient_penalty,
                "r1_penalty": r1_penalty,
                "r2_penalty": r2_penalty,
            },
            jit_compile,
            keras_kwargs.get("run_eagerly"),
        )
        augmenter = _augmenter(gan, augment, gan_loss, jit_compile)
        adam_beta_2 = _check_adam_beta_2(
            adam_beta_2,
            {
                "d_optimizer": hyperparameters.unscaled(d_optimizer_checked),
                "g_optimizer": hyperparameters.unscaled(g_optimizer_checked),
            },
        )
        return cls(
            d_optimizer=d_optimizer_checked,
            g_optimizer=g_optimizer_checked,
            loss=gan_loss,
            d_steps=d_steps,
            update=update,
            reuse_fakes=reuse_fakes,
            label_smoothing=label_smoothing,
            gradient_penalty=gradient_penalty,
            r1_penalty=r1_penalty,
            r2_penalty=r2_penalty,
            penalty_every=penalty_every,
            from_logits=bool(from_logits),
            augment=augmenter,
            augment_argument=augment,
            adam_beta_2=adam_beta_2,
            keras_kwargs=dict(keras_kwargs),
        )

    def replace(self, **changes):
        """A copy with some fields replaced (the loss-scaled optimizers)."""
        return dataclasses.replace(self, **changes)

    def get_config(self, gan):
        """`GAN.get_compile_config()`: every option, then Keras' saved arguments.

        The variables the GAN's hyperparameters live in are saved as their values
        now (they may have changed since `compile`; they are saved with the weights
        too).
        """
        config = {
            "d_optimizer": _serialized_optimizer(self.d_optimizer),
            "g_optimizer": _serialized_optimizer(self.g_optimizer),
            "loss": keras.saving.serialize_keras_object(self.loss),
            "d_steps": self.d_steps,
            "update": self.update,
            "reuse_fakes": self.reuse_fakes,
            "label_smoothing": hyperparameters.value_of(gan.label_smoothing),
            "gradient_penalty": self.gradient_penalty,
            "r1_penalty": _penalty_now(gan.r1_penalty, self.r1_penalty),
            "r2_penalty": _penalty_now(gan.r2_penalty, self.r2_penalty),
            "penalty_every": self.penalty_every,
            "from_logits": self.from_logits,
            "augment": _saved_augment(self.augment_argument, self.augment),
            "adam_beta_2": (
                None if self.adam_beta_2 is None else hyperparameters.value_of(gan.adam_beta_2)
            ),
        }
        keras_saved = {k: v for k, v in self.keras_kwargs.items() if k in KERAS_KWARGS_SAVED}
        return {**config, **keras_saved}


def _augmenter(gan, augment, gan_loss, jit_compile):
    """The augmenter (a layer, a callable or None) built from `augment`."""
    if augment is not None:
        augmentation_module.check_images(gan.sample_shape)
    augmenter = augmentation_module.get(
        augment, seed=None if gan.seed is None else gan.seed + 2, sample_shape=gan.sample_shape
    )
    _check_adaptive_augment(augmenter, gan_loss)
    _check_augment_jit(augmenter, jit_compile)
    return augmenter


# ------------------------------------------------------------ saving, loading
def _serialized_optimizer(optimizer):
    # A `beta_2` made a variable by `adam_beta_2` is saved as its value now (the
    # variable itself is saved with the optimizer's variables).
    inner = hyperparameters.unscaled(optimizer)
    beta_2 = getattr(inner, "beta_2", None)
    if not isinstance(beta_2, keras.Variable):
        return keras.saving.serialize_keras_object(optimizer)
    inner.beta_2 = hyperparameters.value_of(beta_2)
    try:
        return keras.saving.serialize_keras_object(optimizer)
    finally:
        inner.beta_2 = beta_2


def _penalty_now(variable, compiled):
    # The weight now; a penalty compiled on and set to 0 since saves its compiled
    # weight, so that the reloaded GAN still computes it (its variable, saved with the
    # weights, comes back at 0).
    now = hyperparameters.value_of(variable)
    return now if now > 0 else compiled


def _saved_augment(given, augmenter):
    # A name is saved as the name; the built augmenter (a layer or callable)
    # otherwise. One that cannot be saved leaves its name, for the reloaded GAN to
    # ask for it.
    if isinstance(given, str):
        return given
    if augmenter is None:
        return None
    if not augmentation_module.is_saveable(augmenter):
        return {"unsaved_augment": augmentation_module.describe(augmenter)}
    return keras.saving.serialize_keras_object(augmentation_module.unwrapped(augmenter))


def _deserialize_augment(config):
    """`(augment, name of an augmentation that was not saved, or None)`."""
    if not isinstance(config, dict):
        return config, None
    if "unsaved_augment" in config:
        return None, config["unsaved_augment"]
    try:
        return keras.saving.deserialize_keras_object(config), None
    except TypeError:
        # A plain function in a file written before such functions were marked unsaved.
        if config.get("class_name") != "function":
            raise
        return None, str(config.get("config"))


#: The options saved as Keras objects, deserialized on load.
_DESERIALIZED = ("d_optimizer", "g_optimizer", "loss")


def arguments_from_config(config):
    """`compile`'s arguments from `get_compile_config()`'s dict, and the name of an
    augmentation that was not saved (or None)."""
    arguments = {
        key: keras.saving.deserialize_keras_object(value) if key in _DESERIALIZED else value
        for key, value in config.items()
    }
    arguments["augment"], unsaved = _deserialize_augment(config.get("augment"))
    return arguments, unsaved


def _compiled(gan, name):
    """The `CompileConfig` of `gan`; `AttributeError` naming `name` before `compile`."""
    config = getattr(gan, "compile_config", None)
    if config is None:
        raise AttributeError(
            f"'{type(gan).__name__}' object has no attribute '{name}' before `compile`"
        )
    return config


class CompiledAttributesMixin:
    """The `GAN` attributes that read `compile`'s settings (`self.compile_config`).

    Those without a value before `compile` raise `AttributeError` until then.
    """

    @property
    def d_optimizer(self):
        """`compile(d_optimizer=...)`, checked (loss-scaled under `mixed_float16`)."""
        return _compiled(self, "d_optimizer").d_optimizer

    @property
    def g_optimizer(self):
        """`compile(g_optimizer=...)`, checked (loss-scaled under `mixed_float16`)."""
        return _compiled(self, "g_optimizer").g_optimizer

    @property
    def gan_loss(self):
        """`compile(loss=...)`: the `keras_gan.losses.GANLoss`."""
        return _compiled(self, "gan_loss").loss

    @property
    def d_steps(self):
        """`compile(d_steps=...)`."""
        return _compiled(self, "d_steps").d_steps

    @property
    def update(self):
        """`compile(update=...)`."""
        return _compiled(self, "update").update

    @property
    def reuse_fakes(self):
        """`compile(reuse_fakes=...)`."""
        return _compiled(self, "reuse_fakes").reuse_fakes

    @property
    def from_logits(self):
        """`compile(from_logits=...)`."""
        return _compiled(self, "from_logits").from_logits

    @property
    def gradient_penalty_weight(self):
        """`compile(gradient_penalty=...)`: WGAN-GP's weight; 0.0 before `compile`."""
        config = getattr(self, "compile_config", None)
        return 0.0 if config is None else config.gradient_penalty

    @property
    def r1_weight(self):
        """`compile(r1_penalty=...)`: R1's compiled weight (> 0: the step computes it);
        0.0 before `compile`. Its weight now is the variable `gan.r1_penalty`."""
        config = getattr(self, "compile_config", None)
        return 0.0 if config is None else config.r1_penalty

    @property
    def r2_weight(self):
        """`compile(r2_penalty=...)`: R2's compiled weight, as `r1_weight`."""
        config = getattr(self, "compile_config", None)
        return 0.0 if config is None else config.r2_penalty

    @property
    def penalty_every(self):
        """`compile(penalty_every=...)`; 1 before `compile`."""
        config = getattr(self, "compile_config", None)
        return 1 if config is None else config.penalty_every


# ---------------------------------------- checks with this module as their one caller
def _check_optimizer(optimizer, name):
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


UPDATE_MODES = ("alternating", "simultaneous")


def _check_update(update, d_steps):
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


def _check_reuse_fakes(reuse_fakes, update):
    checks.check_bool(reuse_fakes, "reuse_fakes")
    if reuse_fakes and update != "alternating":
        raise ValueError(
            "Expected `update='alternating'` with `reuse_fakes=True` (the generator update "
            f"reuses the discriminator update's batch). Received: update={update!r}"
        )
    return bool(reuse_fakes)


def _check_adam_beta_2(value, optimizers):
    """Returns `value` as a float in [0, 1) if every optimizer of `optimizers` (a dict
    of names to the optimizers, unwrapped from loss scaling) has a `beta_2`."""
    if value is None:
        return None
    value = checks.check_float(value, "adam_beta_2", 0, 1, closed="[)")
    for name, optimizer in optimizers.items():
        if not hasattr(optimizer, "beta_2"):
            raise ValueError(
                f"Expected optimizers with a `beta_2` (Adam, AdamW, Adamax, Nadam, Lamb, "
                f"Lion) with `adam_beta_2`. Received: {name}={type(optimizer).__name__}, "
                "which has none"
            )
    return value


def _check_penalties_compile(penalty_weights, jit_compile, run_eagerly):
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


def _check_adaptive_augment(augmenter, gan_loss):
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


def _check_augment_jit(augmenter, jit_compile):
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


def _warn_discriminator_mismatch(discriminator, gan_loss, gradient_penalty):
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
