"""The Keras/TensorFlow internals keras_gan relies on: each test fails when they change."""

import inspect

import keras
import numpy as np
import pytest
from model_zoo import dense_discriminator
from model_zoo import dense_generator

from keras_gan import _keras_internals


def test_the_saving_cache_bug_is_still_there_to_work_around():
    from keras.src.backend.common import global_state
    from keras.src.saving import saving_lib

    source = inspect.getsource(saving_lib.get_attr_skipset)
    # Keras reads one key and writes another; once fixed, remove prime_saving_cache.
    assert "saving_attr_skiplist_" in source and "saving_attr_skipset_" in source
    _keras_internals.prime_saving_cache()
    skipset = global_state.get_global_attribute("saving_attr_skiplist_Layer", None)
    assert skipset == saving_lib.get_attr_skipset("Layer")


def test_all_layers_finds_nested_layers_once():
    inner = dense_generator()
    outer = keras.Sequential([inner, keras.layers.Flatten()])
    layers = _keras_internals.all_layers(outer)
    assert layers[0] is outer
    assert {id(layer) for layer in inner.layers} <= {id(layer) for layer in layers}
    assert len({id(layer) for layer in layers}) == len(layers)
    assert [id(x) for x in _keras_internals.all_layers(outer, include_self=False)] == [
        id(x) for x in layers[1:]
    ]


def test_own_variables_are_stored_under_their_index():
    layer = keras.layers.Dense(3)
    layer.build((None, 2))
    store = {}
    layer.save_own_variables(store)
    assert sorted(store) == [_keras_internals.own_variable_key(i) for i in range(2)]


def test_seed_generators_are_the_layers_own():
    flip = keras.layers.RandomFlip()
    assert [id(s) for s in _keras_internals.seed_generators(flip)] == [id(flip.generator)]
    assert _keras_internals.seed_generators(keras.Sequential([flip])) == []
    assert _keras_internals.seed_generators(object()) == []


def test_is_functional():
    assert _keras_internals.is_functional(dense_discriminator())
    sequential = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    assert not _keras_internals.is_functional(sequential)
    assert not _keras_internals.is_functional(keras.layers.Dense(1))


@pytest.mark.tensorflow_only
def test_multi_worker_mode_is_read_from_the_strategy():
    import tensorflow as tf

    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    assert callable(strategy.extended._in_multi_worker_mode)
    assert _keras_internals.in_multi_worker_mode(strategy) is False
    assert _keras_internals.in_multi_worker_mode(tf.distribute.get_strategy()) is False


def test_stateless_scope_values_are_keyed_as_keras_reads_them():
    kept = keras.Variable(np.zeros(2, "float32"))
    updated = keras.Variable(np.zeros(2, "float32"))
    key = _keras_internals.scope_value_key
    with keras.StatelessScope(state_mapping=[(kept, np.ones(2, "float32"))]) as scope:
        scope.add_update((updated, np.full(2, 3.0, "float32")))
        values = _keras_internals.stateless_scope_values(scope)
    assert sorted(values) == sorted([key(kept), key(updated)])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(values[key(kept)]), [1.0, 1.0])
    values.clear()  # a copy: the scope keeps its values
    assert scope.get_current_value(kept) is not None

    child = _keras_internals.stateless_scope_with_values({key(kept): np.full(2, 2.0, "float32")})
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(child.get_current_value(kept)), [2, 2])
    assert child.get_current_value(updated) is None
    _keras_internals.add_stateless_scope_values(child, {key(updated): np.full(2, 5.0, "float32")})
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(child.get_current_value(updated)), [5, 5]
    )
    with child:  # read through the variable, as a layer inside the scope reads it
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(kept.value), [2, 2])


class _Holder(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.inner = keras.layers.Dense(2)
        self.inner.build((None, 3))
        self.kernel = self.add_weight(shape=(1,), trainable=True, name="kernel")
        self.count = self.add_weight(shape=(1,), trainable=False, name="count")


def test_own_variables_are_those_keras_saves_for_the_layer_itself():
    holder = _Holder()
    own = _keras_internals.own_variables(holder)
    assert [id(v) for v in own] == [id(holder.kernel), id(holder.count)]
    store = {}
    holder.save_own_variables(store)  # Keras' own: the layer's variables, not the Dense's
    assert [id(store[_keras_internals.own_variable_key(i)]) for i in range(len(store))] == [
        id(v) for v in own
    ]


def test_fit_runs_its_validation_through_evaluate_marked_as_such():
    seen = []

    class Spy(keras.Sequential):
        def evaluate(self, *args, **kwargs):
            seen.append(kwargs)
            return super().evaluate(*args, **kwargs)

    model = Spy([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.zeros((4, 2), "float32")
    model.fit(x, x[:, :1], validation_data=(x, x[:, :1]), epochs=1, verbose=0)
    assert seen and all(_keras_internals.is_fit_validation(kwargs) for kwargs in seen)
    assert not _keras_internals.is_fit_validation({})


def test_fit_takes_callbacks_after_five_positional_arguments():
    parameters = list(inspect.signature(keras.Model.fit).parameters)
    assert parameters.index("callbacks") - 1 == _keras_internals.FIT_ARGUMENTS_BEFORE_CALLBACKS
    assert _keras_internals.fit_callbacks_given_positionally((None,) * 6)
    assert not _keras_internals.fit_callbacks_given_positionally((None,) * 5)


def test_variable_reader_reads_the_jax_trainers_state_without_syncing_it():
    import keras_gan

    gan = keras_gan.GAN(dense_generator(), dense_discriminator(), seed=1)
    gan.compile("adam", "adam")
    seen, synced = [], []

    class Read(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.read = _keras_internals.variable_reader(self.model, self.model.images_seen)

        def on_train_batch_begin(self, batch, logs=None):
            seen.append(int(np.asarray(keras.ops.convert_to_numpy(self.read()))))
            synced.append(getattr(gan, "_jax_state_synced", None))

    gan.fit(
        np.zeros((16, 4, 4, 1), "float32"), batch_size=4, epochs=2, verbose=0, callbacks=[Read()]
    )
    assert seen == list(range(0, 32, 4))
    if keras.config.backend() == "jax":
        # Keras synced the state at each epoch's start only: the reader did not sync it.
        assert synced == [True, False, False, False] * 2
