"""Gradient plumbing for the JAX backend.

Keras' JAX trainer jits `train_step(state, data)` and threads the model's state
(trainable, non-trainable, optimizer and metric variables) through it. `run_step`
maps every variable to its value in that state inside one `keras.StatelessScope`
and runs the same step code as the other backends: variable reads see the state,
assignments (optimizer updates, BatchNorm statistics, seeds, metrics) are recorded
in the scope and returned as the new state. `minimize` differentiates a loss with
`jax.grad` by re-running it in a scope where the variables being trained are the
function's arguments.

Keras threads only `model.optimizer.variables` through the step: `GAN.compile` gives
Keras an `OptimizerPair` whose variables are both optimizers' variables.
"""

import jax
import jax.numpy as jnp
import keras
import numpy as np

from keras_gan import _keras_internals
from keras_gan.backend._scaling import scaled_loss

# How `GroupedConv2D` runs on a CPU: one ordinary convolution per group, the fastest
# formulation benchmarks/grouped_conv.py measured; XLA's grouped convolution
# (`feature_group_count`) and its derivatives are far slower on a CPU (timings in
# docs/recipes.md, "Step cost").
GROUPED_CONV_ON_CPU = "by_groups"

_SCOPES = []  # the scope of the step being traced, innermost last


def replica_context():
    # keras.distribution runs one global (sharded) computation: nothing per replica.
    return 1, 0


def replica_sum(x):
    return x


def _state_variables(model, n_parts):
    parts = [model.trainable_variables, model.non_trainable_variables]
    if n_parts == 4:
        parts.append(model.optimizer.variables)
    parts.append(model.metrics_variables)
    return parts


def _run_in_scope(mapping, fn):
    with keras.StatelessScope(state_mapping=mapping) as scope:
        _SCOPES.append(scope)
        try:
            result = fn()
        finally:
            _SCOPES.pop()
    return result, scope


def run_step(model, step_fn, state, data):
    parts = _state_variables(model, len(state))
    mapping = [
        (v, value) for variables, values in zip(parts, state) for v, value in zip(variables, values)
    ]
    logs, scope = _run_in_scope(mapping, lambda: step_fn(data))
    new_state = tuple(
        [_current(scope, v, value) for v, value in zip(variables, values)]
        for variables, values in zip(parts, state)
    )
    return logs, new_state


def _current(scope, variable, default):
    value = scope.get_current_value(variable)
    return default if value is None else value


def run_eagerly(model, fn):
    variables = list(model.variables) + list(model.metrics_variables)
    if model.optimizer is not None:
        variables += model.optimizer.variables
    unique = list({id(v): v for v in variables}.values())
    result, scope = _run_in_scope([(v, v.value) for v in unique], fn)
    for v in unique:
        value = scope.get_current_value(v)
        if value is not None:
            v.assign(value)
    return result


def _in_child_scope(fn, overrides=()):
    """Runs `fn` in a scope that sees the step's current values, `overrides` on top.

    Returns `(result, updates)`: `updates` are the state assignments `fn` made
    (BatchNorm statistics, seeds), for the caller to record in the step's scope.
    """
    mapping = _keras_internals.stateless_scope_values(_SCOPES[-1]) if _SCOPES else {}
    for variable, value in overrides:
        mapping[_keras_internals.scope_value_key(variable)] = value
    before = dict(mapping)
    with _keras_internals.stateless_scope_with_values(mapping) as scope:
        _SCOPES.append(scope)
        try:
            result = fn()
        finally:
            _SCOPES.pop()
    after = _keras_internals.stateless_scope_values(scope)
    return result, {k: v for k, v in after.items() if before.get(k) is not v}


def _outer_scope(name):
    if not _SCOPES:
        raise RuntimeError(
            f"Expected keras_gan's JAX `{name}` to run inside a GAN step "
            "(`fit`, or `keras_gan.backend.run_eagerly`). Received: no active step"
        )
    return _SCOPES[-1]


def _stateless(fn, variables):
    """`fn` as a pure function of `variables`' values, returning `(result, updates)`."""

    def pure(values):
        return _in_child_scope(fn, zip(variables, values))

    return pure


def minimize(loss_fn, targets):
    outer = _outer_scope("minimize")
    variables = [v for group, _ in targets for v in group]

    def scaled_losses():
        losses, aux = loss_fn()
        replicas, _ = replica_context()
        scaled = tuple(
            scaled_loss(optimizer, loss, replicas) for loss, (_, optimizer) in zip(losses, targets)
        )
        return scaled, (losses, aux)

    pure = _stateless(scaled_losses, variables)

    def split(values):
        (scaled, extra), updates = pure(values)
        return scaled, (extra, updates)

    # One forward pass; one backward pass per loss, each for its own variables.
    scaled, backward, ((losses, aux), updates) = jax.vjp(
        split, [v.value for v in variables], has_aux=True
    )
    gradients, start = [], 0
    for i, (group, _) in enumerate(targets):
        cotangent = tuple(
            jnp.ones_like(s) if j == i else jnp.zeros_like(s) for j, s in enumerate(scaled)
        )
        (all_grads,) = backward(cotangent)
        gradients.append(all_grads[start : start + len(group)])
        start += len(group)
    _keras_internals.add_stateless_scope_values(outer, updates)
    for grads, (group, optimizer) in zip(gradients, targets):
        if group:  # none: a frozen network
            _apply(outer, optimizer, grads, group)
    return losses, aux


def forward_with_pullback(fn, variables):
    outer = _outer_scope("forward_with_pullback")
    outputs, backward, updates = jax.vjp(
        _stateless(fn, variables), [v.value for v in variables], has_aux=True
    )
    # The pass's state updates (the generator's BatchNorm statistics) happen once, now.
    _keras_internals.add_stateless_scope_values(outer, updates)

    def pullback(cotangent):
        (gradients,) = backward(cotangent)
        return gradients

    return outputs, pullback


def apply_gradients(optimizer, gradients, variables):
    _apply(_outer_scope("apply_gradients"), optimizer, gradients, variables)


def _apply(scope, optimizer, gradients, variables):
    # `stateless_apply`, not `apply`: some optimizers (LossScaleOptimizer) assign inside
    # `ops.cond` branches when applied statefully, which JAX cannot trace.
    new_values, new_optimizer_values = optimizer.stateless_apply(
        [v.value for v in optimizer.variables], gradients, [v.value for v in variables]
    )
    for variable, value in zip(variables, new_values):
        scope.add_update((variable, value))
    for variable, value in zip(optimizer.variables, new_optimizer_values):
        scope.add_update((variable, value))


def input_gradients(fn, x, has_aux=False):
    def total(x):
        (y, aux), updates = _in_child_scope(lambda: fn(x) if has_aux else (fn(x), None))
        return jnp.sum(y), (aux, updates)

    gradients, (aux, updates) = jax.grad(total, has_aux=True)(x)
    # State that `fn` advanced (the seeds of an augmentation inside the penalty)
    # advances in the step too, as it does on the other backends.
    if _SCOPES:
        _keras_internals.add_stateless_scope_values(_SCOPES[-1], updates)
    return (gradients, aux) if has_aux else gradients


def step_logs(logs):
    return logs


def concrete(x):
    if isinstance(x, jax.core.Tracer):
        return None
    return np.asarray(x)


def check_labels(labels, num_classes, seen):
    # A host callback in the jitted step, even one that runs only for a bad batch, cut
    # a small ConditionalGAN's steps per second by half or more on CPU. The range of
    # the labels is recorded in the model's state instead, and checked by the GAN when
    # the state is synced (each epoch's end, after evaluate).
    flat = jnp.ravel(labels).astype(seen.dtype)
    low = jnp.min(flat, initial=0)
    high = jnp.max(flat, initial=0)
    seen.assign(jnp.stack([jnp.minimum(seen.value[0], low), jnp.maximum(seen.value[1], high)]))
    return labels
