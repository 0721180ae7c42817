"""keras_gan: train GANs with Keras' own `compile` and `fit`."""

import importlib as _importlib
import os as _os
import sys as _sys

__version__ = "0.1.0"

__all__ = [
    "ConditionalGAN",
    "GAN",
    "architectures",
    "augmentation",
    "callbacks",
    "datasets",
    "images",
    "layers",
    "load_gan",
    "losses",
    "metrics",
    "penalties",
    "recipes",
    "sampling",
]

#: Where each public name lives.
_SOURCES = {
    "ConditionalGAN": "keras_gan.conditional_gan",
    "GAN": "keras_gan.gan",
    "load_gan": "keras_gan.saving",
}


def _is_command_line():
    """Whether this process runs `keras-gan ...` or `python -m keras_gan ...`.

    The command line imports Keras itself, after reading its arguments and quieting
    TensorFlow's start-up logs, so that `keras-gan train --help` answers at once.
    """
    if _os.path.basename(_sys.argv[0]).startswith("keras-gan"):
        return True
    argv = getattr(_sys, "orig_argv", [])
    return any(a == "-m" and b in ("keras_gan", "keras_gan.cli") for a, b in zip(argv, argv[1:]))


def __getattr__(name):
    if name in _SOURCES:
        value = getattr(_importlib.import_module(_SOURCES[name]), name)
    elif name in __all__:
        value = _importlib.import_module(f"keras_gan.{name}")
    else:
        raise AttributeError(f"module 'keras_gan' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


if not _is_command_line():
    # Imported by a program: everything now, so that `keras.models.load_model` finds
    # the registered keras_gan classes.
    for _name in __all__:
        __getattr__(_name)
    del _name
