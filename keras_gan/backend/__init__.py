"""What differs per Keras backend: taking gradients and applying them.

Everything else in keras_gan is written once in `keras.ops`. The module for
`keras.config.backend()` is chosen once, at import (as Keras chooses its own), and
this package exports its functions:

- `run_step(model, step_fn, *args)`: runs the model's stateful step function on the
  arguments Keras' trainer passes to `train_step`/`test_step` (`(data)`, or
  `(state, data)` on JAX, where the step runs in a `StatelessScope` and returns
  `(logs, new_state)`).
- `run_eagerly(model, fn)`: runs `fn()` (a piece of a step) outside `fit`, its
  updates applied to `model`.
- `step_logs(logs)`: the step's logs, shaped for the trainer's cross-replica
  reduction.
- `replica_context()`: `(number of replicas, this replica's index)` of the
  distribution strategy the step runs under; `(1, 0)` outside one.
- `replica_sum(x)`: the sum of `x` over the replicas of the distribution strategy
  the step runs under; `x` itself outside one.
- `minimize(loss_fn, targets)`: calls `loss_fn()` once (it returns `(losses, aux)`,
  one loss per target), differentiates each loss with respect to its target's
  variables, then applies every gradient with its target's optimizer. `targets` is a
  list of `(variables, optimizer)`; a target without variables (a frozen network) is
  not applied. Returns `(losses, aux)`.
- `forward_with_pullback(fn, variables)`: calls `fn()` once, recording the pass
  (its state updates, such as BatchNorm statistics, happen now, once). Returns
  `(outputs, pullback)`: `pullback(cotangent)`, callable once later in the step,
  returns the gradients of `sum(outputs * cotangent)` with respect to `variables`
  through the recorded pass (a vector-Jacobian product). Other variables may change
  in between (another network's update); `variables` must not.
- `apply_gradients(optimizer, gradients, variables)`: applies gradients as
  `minimize` does.
- `scaled_loss(optimizer, loss)`: the loss `minimize` differentiates for
  `optimizer`: divided by the number of replicas, then scaled for mixed precision
  (`apply_gradients` unscales), for gradients taken outside `minimize`.
- `check_labels(labels, num_classes, seen)`: returns `labels`, to be used in their
  place. On TensorFlow and PyTorch it fails, naming the labels, if a batch holds a
  label outside `[0, num_classes)` (before any use of them). On JAX (where a host
  callback in the jitted step costs too much) it widens `seen`, an int32 variable
  `[lowest, highest]`, to the batch's labels, for the model to check once the step's
  state is synced.
- `concrete(x)`: `x` (a tensor or array) as a NumPy array when it holds values now,
  as in eager code; `None` while it is traced (inside a compiled step, or a
  symbolic call that only infers shapes).
- `GROUPED_CONV_ON_CPU`: how `r3gan_layers.GroupedConv2D` runs where no GPU is
  visible, the fastest formulation `benchmarks/grouped_conv.py` measured with R1/R2's
  double backward: `"by_groups"` (one ordinary convolution per group) or `"native"`
  (the backend's grouped convolution).
- `input_gradients(fn, x, has_aux=False)`: returns the gradient of `sum(fn(x))` with
  respect to `x`, differentiable again (for the gradient penalty); with `has_aux`,
  `fn` returns `(y, aux)` and the result is `(gradient, aux)`.

On another Keras backend, importing works and `check_supported()` (called by `GAN`)
raises.
"""

import keras

from keras_gan.backend import _scaling

_SUPPORTED = ("jax", "tensorflow", "torch")

if keras.config.backend() == "tensorflow":
    from keras_gan.backend import tensorflow as _module
elif keras.config.backend() == "jax":
    from keras_gan.backend import jax as _module
elif keras.config.backend() == "torch":
    from keras_gan.backend import torch as _module
else:
    _module = None

if _module is not None:
    apply_gradients = _module.apply_gradients
    check_labels = _module.check_labels
    concrete = _module.concrete
    forward_with_pullback = _module.forward_with_pullback
    GROUPED_CONV_ON_CPU = _module.GROUPED_CONV_ON_CPU
    input_gradients = _module.input_gradients
    minimize = _module.minimize
    replica_context = _module.replica_context
    replica_sum = _module.replica_sum
    run_eagerly = _module.run_eagerly
    run_step = _module.run_step
    step_logs = _module.step_logs


def scaled_loss(optimizer, loss):
    replicas, _ = replica_context()
    return _scaling.scaled_loss(optimizer, loss, replicas)


def check_supported():
    """Raises unless keras_gan supports `keras.config.backend()`."""
    if _module is None:
        raise ValueError(
            f"Expected one of the Keras backends {list(_SUPPORTED)}. "
            f"Received: KERAS_BACKEND={keras.config.backend()!r}"
        )
