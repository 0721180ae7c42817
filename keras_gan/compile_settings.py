"""`GAN.compile`'s settings: every option declared once, in `OPTIONS`.

An option's entry says how `compile` checks it, which `GAN` attribute reads it and
how `get_compile_config` saves it and `compile_from_config` loads it back. Adding an
option to `compile` is one entry here plus its keyword (and docstring line) in
`GAN.compile`'s signature.
"""

import dataclasses
from collections.abc import Callable
from typing import Any

import keras

from keras_gan import augmentation as augmentation_module
from keras_gan import checks
from keras_gan import hyperparameters
from keras_gan import losses as losses_module

#: The arguments of Keras' own `compile` saved with the GAN.
KERAS_KWARGS_SAVED = ("jit_compile", "steps_per_execution", "run_eagerly", "auto_scale_loss")

_NO_ATTRIBUTE = object()  # the attribute does not exist before `compile`


@dataclasses.dataclass(frozen=True)
class Context:
    """What an option's check may read: the GAN, the options checked before it
    (`checked`), every argument as given (`given`) and Keras' own arguments."""

    gan: Any
    checked: dict
    given: dict
    keras_kwargs: dict


def _keep(value, context):
    return value


def _saved_as_is(gan, settings, name):
    return settings.values[name]


@dataclasses.dataclass(frozen=True)
class Option:
    """One `compile` option.

    Attributes:
        name: `compile`'s keyword, and the key in `get_compile_config()`.
        check: `(value, context) -> value` the GAN uses; raises on a bad value.
        attribute: the `GAN` attribute that reads the checked value, or None.
        before_compile: that attribute's value before `compile`; by default it
            does not exist then.
        save: `(gan, settings, name) -> value` saved in `get_compile_config()`.
        load: saved value -> `compile`'s argument.
    """

    name: str
    check: Callable = _keep
    attribute: str = None
    before_compile: Any = _NO_ATTRIBUTE
    save: Callable = _saved_as_is
    load: Callable = None


# ------------------------------------------------------------------- checks
def _check_d_optimizer(value, context):
    return checks.check_optimizer(value, "d_optimizer")


def _check_g_optimizer(value, context):
    g_optimizer = checks.check_optimizer(value, "g_optimizer")
    if context.checked["d_optimizer"] is g_optimizer:
        raise ValueError(
            "Expected two different optimizer objects, one per network. "
            "Received: the same object as d_optimizer and g_optimizer"
        )
    return g_optimizer


def _check_loss(value, context):
    return losses_module.get(value, from_logits=context.given["from_logits"])


def _check_update(value, context):
    return checks.check_update(value, context.checked["d_steps"])


def _check_reuse_fakes(value, context):
    return checks.check_reuse_fakes(value, context.checked["update"])


def _check_label_smoothing(value, context):
    return checks.check_label_smoothing(value, context.checked["loss"])


def _check_gradient_penalty(value, context):
    value = checks.check_gradient_penalty(value)
    checks.warn_discriminator_mismatch(context.gan.discriminator, context.checked["loss"], value)
    return value


def _check_penalty_weight(name):
    return lambda value, context: checks.check_penalty_weight(value, name)


def _check_penalty_every(value, context):
    value = checks.check_penalty_every(value)
    checks.check_penalties_compile(
        {name: context.checked[name] for name in ("gradient_penalty", "r1_penalty", "r2_penalty")},
        context.keras_kwargs.get("jit_compile"),
        context.keras_kwargs.get("run_eagerly"),
    )
    return value


def _check_adam_beta_2(value, context):
    optimizers = {
        name: hyperparameters.unscaled(context.checked[name])
        for name in ("d_optimizer", "g_optimizer")
    }
    return checks.check_adam_beta_2(value, optimizers)


def _check_augment(value, context):
    """Returns the augmenter (a layer, a callable or None) built from `augment`."""
    gan = context.gan
    if value is not None:
        augmentation_module.check_images(gan.sample_shape)
    augmenter = augmentation_module.get(
        value, seed=None if gan.seed is None else gan.seed + 2, sample_shape=gan.sample_shape
    )
    checks.check_adaptive_augment(augmenter, context.checked["loss"])
    checks.check_augment_jit(augmenter, context.keras_kwargs.get("jit_compile"))
    return augmenter


# ------------------------------------------------------------ saving, loading
def _serialized(gan, settings, name):
    return keras.saving.serialize_keras_object(settings.values[name])


def _serialized_optimizer(gan, settings, name):
    # A `beta_2` made a variable by `adam_beta_2` is saved as its value now (the
    # variable itself is saved with the optimizer's variables).
    optimizer = settings.values[name]
    inner = hyperparameters.unscaled(optimizer)
    beta_2 = getattr(inner, "beta_2", None)
    if not isinstance(beta_2, keras.Variable):
        return keras.saving.serialize_keras_object(optimizer)
    inner.beta_2 = hyperparameters.value_of(beta_2)
    try:
        return keras.saving.serialize_keras_object(optimizer)
    finally:
        inner.beta_2 = beta_2


def _variable_now(gan, settings, name):
    # The variable, which may have changed since `compile`.
    return hyperparameters.value_of(getattr(gan, name))


def _penalty_now(gan, settings, name):
    # The weight now; a penalty compiled on and set to 0 since saves its compiled
    # weight, so that the reloaded GAN still computes it (its variable, saved with the
    # weights, comes back at 0).
    now = _variable_now(gan, settings, name)
    return now if now > 0 else settings.values[name]


def _adam_beta_2_now(gan, settings, name):
    return None if settings.values[name] is None else _variable_now(gan, settings, name)


def _save_augment(gan, settings, name):
    # A name is saved as the name; the built augmenter (a layer or callable)
    # otherwise. One that cannot be saved leaves its name, for the reloaded GAN to
    # ask for it.
    given = settings.given["augment"]
    if isinstance(given, str):
        return given
    augmenter = settings.values["augment"]
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


_deserialized = keras.saving.deserialize_keras_object

#: Every option, in the order `compile` checks them (a check may read the options
#: before it).
OPTIONS = (
    Option(
        "d_optimizer",
        _check_d_optimizer,
        attribute="d_optimizer",
        save=_serialized_optimizer,
        load=_deserialized,
    ),
    Option(
        "g_optimizer",
        _check_g_optimizer,
        attribute="g_optimizer",
        save=_serialized_optimizer,
        load=_deserialized,
    ),
    Option("loss", _check_loss, attribute="gan_loss", save=_serialized, load=_deserialized),
    Option("d_steps", lambda value, context: checks.check_d_steps(value), attribute="d_steps"),
    Option("update", _check_update, attribute="update"),
    Option("reuse_fakes", _check_reuse_fakes, attribute="reuse_fakes"),
    # Read through `gan.label_smoothing`, a variable that `compile` sets.
    Option("label_smoothing", _check_label_smoothing, save=_variable_now),
    Option(
        "gradient_penalty",
        _check_gradient_penalty,
        attribute="gradient_penalty_weight",
        before_compile=0.0,
    ),
    # `r1_weight` (compiled) says whether the step computes the penalty; its weight is
    # the variable `gan.r1_penalty`, which `compile` sets.
    Option(
        "r1_penalty",
        _check_penalty_weight("r1_penalty"),
        attribute="r1_weight",
        before_compile=0.0,
        save=_penalty_now,
    ),
    Option(
        "r2_penalty",
        _check_penalty_weight("r2_penalty"),
        attribute="r2_weight",
        before_compile=0.0,
        save=_penalty_now,
    ),
    Option("penalty_every", _check_penalty_every, attribute="penalty_every", before_compile=1),
    Option("from_logits", lambda value, context: bool(value), attribute="from_logits"),
    # The GAN keeps the augmenter itself (`gan.augmenter`, a tracked layer).
    Option("augment", _check_augment, save=_save_augment),
    # Both optimizers' `beta_2` as a variable (`gan.adam_beta_2`), which `compile` sets.
    Option("adam_beta_2", _check_adam_beta_2, save=_adam_beta_2_now),
)


class CompileSettings:
    """The checked settings of one `compile` call.

    Attributes:
        values: option name -> the checked value the GAN uses (`augment`: the
            augmenter built from it).
        given: option name -> the argument as given to `compile`.
        keras_kwargs: the arguments passed on to Keras' own `compile`.
    """

    def __init__(self, values, given, keras_kwargs):
        self.values = dict(values)
        self.given = dict(given)
        self.keras_kwargs = dict(keras_kwargs)

    @classmethod
    def checked(cls, gan, arguments, keras_kwargs):
        """Checks `compile`'s `arguments` (every option, by name) in `OPTIONS`' order."""
        values = {}
        context = Context(gan, values, arguments, keras_kwargs)
        for option in OPTIONS:
            values[option.name] = option.check(arguments[option.name], context)
        return cls(values, arguments, keras_kwargs)

    def replace(self, **values):
        """A copy with some checked values replaced (the loss-scaled optimizers)."""
        return CompileSettings({**self.values, **values}, self.given, self.keras_kwargs)

    def config(self, gan):
        """`get_compile_config()`: every option, then Keras' saved arguments."""
        saved = {option.name: option.save(gan, self, option.name) for option in OPTIONS}
        keras_saved = {k: v for k, v in self.keras_kwargs.items() if k in KERAS_KWARGS_SAVED}
        return {**saved, **keras_saved}


def arguments_from_config(config):
    """`compile`'s arguments from `get_compile_config()`'s dict, and the name of an
    augmentation that was not saved (or None)."""
    loaders = {option.name: option.load for option in OPTIONS if option.load is not None}
    arguments = {
        key: loaders[key](value) if key in loaders else value for key, value in config.items()
    }
    arguments["augment"], unsaved = _deserialize_augment(config.get("augment"))
    return arguments, unsaved


def add_attributes(cls):
    """Class decorator: each option's `attribute` as a read-only property of `cls`,
    read from the instance's `_compile_settings` (None before `compile`)."""
    for option in OPTIONS:
        if option.attribute is not None:
            setattr(cls, option.attribute, _settings_property(option))
    return cls


def _settings_property(option):
    def read(self):
        settings = getattr(self, "_compile_settings", None)
        if settings is not None:
            return settings.values[option.name]
        if option.before_compile is _NO_ATTRIBUTE:
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute '{option.attribute}' "
                "before `compile`"
            )
        return option.before_compile

    return property(read, doc=f"`compile(..., {option.name}=...)`, checked.")
