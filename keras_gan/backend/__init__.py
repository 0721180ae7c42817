"""What differs per Keras backend: taking gradients and applying them.

Everything else in keras_gan is written once in `keras.ops`. Each backend module
provides the same four functions:

- `run_step(model, step_fn, *args)`: runs the model's stateful step function on the
  arguments Keras' trainer passes to `train_step`/`test_step` (`(data)`, or
  `(state, data)` on JAX, where the step runs in a `StatelessScope` and returns
  `(logs, new_state)`).
- `trainer_optimizer(d_optimizer, g_optimizer)`: what `GAN.compile` hands to
  `keras.Model.compile` as its optimizer.
- `step_logs(logs)`: the step's logs, shaped for the trainer's cross-replica
  reduction.
- `replica_context()`: `(number of replicas, this replica's index)` of the
  distribution strategy the step runs under; `(1, 0)` outside one.
- `replica_sum(x)`: the sum of `x` over the replicas of the distribution strategy
  the step runs under; `x` itself outside one.
- `minimize(loss_fn, targets)`: calls `loss_fn()` once (it returns `(losses, aux)`,
  one loss per target), differentiates each loss with respect to its target's
  variables, then applies every gradient with its target's optimizer. `targets` is a
  list of `(variables, optimizer)`. Returns `(losses, aux)`.
- `input_gradients(fn, x)`: returns the gradient of `sum(fn(x))` with respect to
  `x`, differentiable again (for the gradient penalty).

The module for the active backend is imported on first use.
"""

import importlib

import keras

_MODULES = {"tensorflow": "tensorflow", "torch": "torch", "jax": "jax"}


def current():
    """Returns the keras_gan backend module for `keras.config.backend()`."""
    name = keras.config.backend()
    if name not in _MODULES:
        raise ValueError(
            f"Expected one of the Keras backends {sorted(_MODULES)}. "
            f"Received: KERAS_BACKEND={name!r}"
        )
    return importlib.import_module(f"keras_gan.backend.{_MODULES[name]}")


def minimize(loss_fn, targets):
    return current().minimize(loss_fn, targets)


def input_gradients(fn, x):
    return current().input_gradients(fn, x)


def run_step(model, step_fn, *args):
    return current().run_step(model, step_fn, *args)


def trainer_optimizer(d_optimizer, g_optimizer):
    return current().trainer_optimizer(d_optimizer, g_optimizer)


def replica_context():
    return current().replica_context()


def replica_sum(x):
    return current().replica_sum(x)


def run_eagerly(model, fn):
    """Runs `fn()` (a piece of a step) outside `fit`, its updates applied to `model`."""
    return current().run_eagerly(model, fn)


def step_logs(logs):
    return current().step_logs(logs)
