"""Checks of the callbacks' constructor arguments, in Keras' words."""

import numbers
import os

from keras_gan.gan import GAN


def check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"Expected `{name}` to be a positive integer. Received: {name}={value!r}")
    return int(value)


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
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise ValueError(f"Expected `seed` to be an integer or None. Received: seed={seed!r}")
    return None if seed is None else int(seed)


def check_bool(value, name):
    if not isinstance(value, bool):
        raise ValueError(f"Expected `{name}` to be True or False. Received: {name}={value!r}")
    return value


def check_gan(model, callback):
    """Checks, when training starts, that a callback was given to a keras_gan model."""
    if not isinstance(model, GAN):
        raise ValueError(
            f"Expected `{callback}` to be used in the `fit` of a keras_gan.GAN or "
            f"keras_gan.ConditionalGAN. Received: a model of type {type(model).__name__}"
        )
