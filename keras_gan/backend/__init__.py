"""What differs per Keras backend: taking gradients and applying them.

Everything else in keras_gan is written once in `keras.ops`. Each backend module
provides the same two functions:

- `minimize(loss_fn, variables, optimizer)`: calls `loss_fn()` (which returns
  `(loss, aux)`), differentiates `loss` with respect to `variables` and applies the
  gradients with `optimizer`. Returns `(loss, aux)`.
- `input_gradients(fn, x)`: returns the gradient of `sum(fn(x))` with respect to
  `x`, differentiable again (for the gradient penalty).

The module for the active backend is imported on first use.
"""

import importlib

import keras

_MODULES = {"tensorflow": "tensorflow", "torch": "torch"}


def current():
    """Returns the keras_gan backend module for `keras.config.backend()`."""
    name = keras.config.backend()
    if name not in _MODULES:
        raise ValueError(
            f"Expected one of the Keras backends {sorted(_MODULES)}. "
            f"Received: KERAS_BACKEND={name!r}"
        )
    return importlib.import_module(f"keras_gan.backend.{_MODULES[name]}")


def minimize(loss_fn, variables, optimizer):
    return current().minimize(loss_fn, variables, optimizer)


def input_gradients(fn, x):
    return current().input_gradients(fn, x)
