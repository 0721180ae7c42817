"""Gradient plumbing for the JAX backend.

Keras' JAX trainer jits `train_step(state, data)` and threads the model's state
(trainable, non-trainable, optimizer and metric variables) through it. `run_step`
maps every variable to its value in that state inside one `keras.StatelessScope`
and runs the same step code as the other backends: variable reads see the state,
assignments (optimizer updates, BatchNorm statistics, seeds, metrics) are recorded
in the scope and returned as the new state. `minimize` differentiates a loss with
`jax.grad` by re-running it in a scope where the variables being trained are the
function's arguments.

Keras threads only `model.optimizer.variables` through the step, so `GAN.compile`
gives Keras an `OptimizerPair` whose variables are both optimizers' variables.
"""

import jax
import jax.numpy as jnp
import keras

_SCOPES = []  # the scope of the step being traced, innermost last


class OptimizerPair(keras.optimizers.Optimizer):
    """Presents the discriminator's and generator's optimizers as one to Keras.

    Only its `variables` matter: the JAX trainer carries them through the jitted
    step. It applies nothing itself and saves nothing (the GAN saves both inner
    optimizers under their own names).
    """

    def __init__(self, d_optimizer, g_optimizer, name="gan_optimizers"):
        super().__init__(learning_rate=0.0, name=name)
        self._inner = (d_optimizer, g_optimizer)
        self.built = True

    @property
    def variables(self):
        return list(self._inner[0].variables) + list(self._inner[1].variables)

    def build(self, var_list):
        self.built = True

    def save_own_variables(self, store):
        pass

    def load_own_variables(self, store):
        pass


def replica_context():
    # keras.distribution runs one global (sharded) computation: nothing per replica.
    return 1, 0


def replica_sum(x):
    return x


def trainer_optimizer(d_optimizer, g_optimizer):
    return OptimizerPair(d_optimizer, g_optimizer)


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


def _child_scope_mapping(overrides=()):
    mapping = dict(_SCOPES[-1].state_mapping) if _SCOPES else {}
    for variable, value in overrides:
        mapping[id(variable)] = value
    return mapping


def _enter_child(mapping):
    scope = keras.StatelessScope()
    scope.state_mapping = mapping
    return scope


def minimize(loss_fn, targets):
    if not _SCOPES:
        raise RuntimeError(
            "Expected keras_gan's JAX `minimize` to run inside a GAN step "
            "(`fit`, or `keras_gan.backend.run_eagerly`). Received: no active step"
        )
    outer = _SCOPES[-1]
    values = [[v.value for v in variables] for variables, _ in targets]

    def pure(values):
        overrides = [
            (v, value)
            for (variables, _), group in zip(targets, values)
            for v, value in zip(variables, group)
        ]
        mapping = _child_scope_mapping(overrides)
        before = dict(mapping)
        with _enter_child(mapping) as inner:
            _SCOPES.append(inner)
            try:
                losses, aux = loss_fn()
                scaled = tuple(
                    optimizer.scale_loss(loss) for loss, (_, optimizer) in zip(losses, targets)
                )
            finally:
                _SCOPES.pop()
        updates = {k: v for k, v in inner.state_mapping.items() if before.get(k) is not v}
        return scaled, (losses, aux, updates)

    # One forward pass; one backward pass per loss, each for its own variables.
    scaled, backward, (losses, aux, updates) = jax.vjp(pure, values, has_aux=True)
    gradients = []
    for i in range(len(targets)):
        cotangent = tuple(
            jnp.ones_like(s) if j == i else jnp.zeros_like(s) for j, s in enumerate(scaled)
        )
        (all_grads,) = backward(cotangent)
        gradients.append(all_grads[i])
    outer.state_mapping.update(updates)
    for grads, (variables, optimizer) in zip(gradients, targets):
        _apply(outer, optimizer, grads, variables)
    return losses, aux


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


def input_gradients(fn, x):
    def total(x):
        with _enter_child(_child_scope_mapping()) as scope:
            _SCOPES.append(scope)
            try:
                return jnp.sum(fn(x))
            finally:
                _SCOPES.pop()

    return jax.grad(total)(x)


def step_logs(logs):
    return logs
