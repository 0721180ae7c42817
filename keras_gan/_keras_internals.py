"""The Keras and TensorFlow internals keras_gan relies on, each behind one function.

`tests/test_keras_internals.py` fails when a Keras or TensorFlow release changes one
of them, so that the function here is the only place to update.
"""


def prime_saving_cache():
    """Works around a Keras 3.15 leak: ~140 KiB of memory kept per GAN save on TF.

    `saving_lib.get_attr_skipset` reads its cache under `saving_attr_skiplist_*` but
    writes `saving_attr_skipset_*`, so every save builds reference objects again, an
    `Optimizer(1.0)` among them, whose TF variables are never freed. Filling the key
    it reads makes each type's reference objects built once per session. A no-op if
    Keras' internals differ (a fixed Keras).
    """
    try:
        from keras.src.backend.common import global_state
        from keras.src.saving import saving_lib
    except ImportError:
        return
    for obj_type in ("Operation", "Layer", "Functional", "Sequential", "Metric", "Optimizer"):
        key = f"saving_attr_skiplist_{obj_type}"
        if global_state.get_global_attribute(key, None) is None:
            global_state.set_global_attribute(key, saving_lib.get_attr_skipset(obj_type))


def all_layers(model, include_self=True):
    """`model` (first, unless `include_self=False`) and every layer in it, each once.

    Keras' private `Layer._flatten_layers`, nested layers included.
    """
    return list(model._flatten_layers(include_self=include_self, recursive=True))


def stateless_scope_values(scope):
    """A copy of the values a `keras.StatelessScope` holds, keyed by `scope_value_key`.

    Keras' `StatelessScope.state_mapping`, a dict keyed by `id(variable)` that
    `get_current_value` reads and `add_update` writes.
    """
    return dict(scope.state_mapping)


def scope_value_key(variable):
    """The key of `variable`'s value in `stateless_scope_values`' dicts: its `id`."""
    return id(variable)


def stateless_scope_with_values(values):
    """A `keras.StatelessScope` holding `values` (keyed by `scope_value_key`) as given.

    Unlike `StatelessScope(state_mapping=...)`, the values are not converted or checked
    again: they are the traced values of a scope made by Keras.
    """
    import keras

    scope = keras.StatelessScope()
    scope.state_mapping = values
    return scope


def add_stateless_scope_values(scope, values):
    """Records `values` (keyed by `scope_value_key`) in `scope`, as `add_update` does."""
    scope.state_mapping.update(values)


def seed_generators(layer):
    """The `keras.random.SeedGenerator`s `layer` itself owns (not its sublayers').

    Keras' private `Layer._seed_generators`; empty for an object without it.
    """
    return list(getattr(layer, "_seed_generators", ()))


def own_variable_key(index):
    """The key of a layer's `index`-th own variable in Keras' saved variable store.

    `keras.Layer.save_own_variables` stores them under `"0"`, `"1"`, ...
    """
    return f"{index}"


def is_functional(model):
    """Whether `model` is a Functional model (`keras.Model(inputs, outputs)`)."""
    from keras.src.models.functional import Functional

    return isinstance(model, Functional)


def in_multi_worker_mode(strategy):
    """Whether a `tf.distribute` strategy runs on several workers.

    TensorFlow's private `strategy.extended._in_multi_worker_mode()`; False for a
    strategy without it (the default strategy).
    """
    extended = getattr(strategy, "extended", None)
    check = getattr(extended, "_in_multi_worker_mode", None)
    return bool(check()) if check is not None else False


def own_variables(layer):
    """The variables `layer` itself created (not its sublayers'), in the order
    `keras.Layer.save_own_variables` stores them: trainable ones first.

    Keras' private `Layer._trainable_variables + Layer._non_trainable_variables`.
    """
    return list(layer._trainable_variables) + list(layer._non_trainable_variables)


def is_fit_validation(evaluate_kwargs):
    """Whether `evaluate(**evaluate_kwargs)` is `fit`'s validation pass.

    Keras' `fit` calls `evaluate(..., _use_cached_eval_dataset=True)` for it.
    """
    return bool(evaluate_kwargs.get("_use_cached_eval_dataset"))


#: How many arguments of `keras.Model.fit` come before `callbacks`:
#: `fit(x, y, batch_size, epochs, verbose, callbacks, ...)`.
FIT_ARGUMENTS_BEFORE_CALLBACKS = 5


def fit_callbacks_given_positionally(fit_args):
    """Whether `fit(*fit_args)` passes `callbacks` (or a later argument) positionally."""
    return len(fit_args) > FIT_ARGUMENTS_BEFORE_CALLBACKS


def variable_reader(model, variable):
    """A function returning `variable`'s value now, during `fit` too, without syncing.

    Keras' JAX trainer keeps the model's state in `model._jax_state` between steps
    (`_jax_state_synced` False), its variables emptied; reading a callback's `model`
    (`Callback.model`) writes the whole state back into the variables
    (`jax_state_sync`), which the next step reads back, costing about a small
    model's step. The reader takes the value from that state while it is not synced
    (`_jax_state["non_trainable_variables"]`, in `model.non_trainable_variables`'
    order at the start of `fit`: make the reader then); elsewhere, from the variable.

    Args:
        model: the model being trained.
        variable: one of its non-trainable variables.
    """
    import keras

    if keras.config.backend() != "jax":
        return lambda: variable.value
    index = [id(v) for v in model.non_trainable_variables].index(id(variable))

    def read():
        state = getattr(model, "_jax_state", None)
        if state and not getattr(model, "_jax_state_synced", True):
            return state["non_trainable_variables"][index]
        return variable.value

    return read
