"""GAN: construction checks, compile, fit/evaluate, frozen weights, label smoothing."""

import keras
import numpy as np
import pytest
from keras import layers
from model_zoo import changed
from model_zoo import dense_discriminator
from model_zoo import dense_generator
from model_zoo import images
from model_zoo import snapshot

import keras_gan
from keras_gan.backend import run_eagerly


def make_gan(**kwargs):
    return keras_gan.GAN(dense_generator(), dense_discriminator(), **kwargs)


def compiled_gan(gan_kwargs=None, **compile_kwargs):
    gan = make_gan(**(gan_kwargs or {}))
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2), **compile_kwargs)
    return gan


# ------------------------------------------------------------ construction errors
def test_latent_dim_is_read_from_the_generator():
    assert make_gan().latent_dim == 4
    assert make_gan(latent_dim=4).latent_dim == 4


def test_latent_dim_mismatch_names_both_sizes():
    with pytest.raises(ValueError, match=r"match the generator's input size 4.*latent_dim=5"):
        make_gan(latent_dim=5)


def test_bad_latent_dim_value():
    with pytest.raises(ValueError, match="positive integer. Received: latent_dim=0"):
        make_gan(latent_dim=0)


def test_sample_shape_mismatch_names_both_shapes():
    with pytest.raises(
        ValueError,
        match=r"Received: generator output_shape=\(None, 4, 4, 1\), "
        r"discriminator input_shape=\(None, 8, 8, 1\)",
    ):
        keras_gan.GAN(dense_generator(), dense_discriminator(sample_shape=(8, 8, 1)))


def test_discriminator_with_several_units():
    inputs = keras.Input((4, 4, 1))
    d = keras.Model(inputs, layers.Dense(10)(layers.Flatten()(inputs)))
    with pytest.raises(
        ValueError, match=r"one score per sample.*Received: output_shape=\(None, 10\)"
    ):
        keras_gan.GAN(dense_generator(), d)


def test_discriminator_with_several_outputs():
    inputs = keras.Input((4, 4, 1))
    flat = layers.Flatten()(inputs)
    d = keras.Model(inputs, [layers.Dense(1)(flat), layers.Dense(1)(flat)])
    with pytest.raises(ValueError, match="return one tensor. Received: 2 outputs"):
        keras_gan.GAN(dense_generator(), d)


def test_generator_with_two_inputs_in_an_unconditional_gan():
    a, b = keras.Input((4,)), keras.Input((4,))
    g = keras.Model([a, b], layers.Reshape((4, 4, 1))(layers.Dense(16)(a + b)))
    with pytest.raises(ValueError, match=r"take one input \(noise\)"):
        keras_gan.GAN(g, dense_discriminator())


def test_generator_with_image_input():
    inputs = keras.Input((2, 2))
    flat = layers.Flatten()(inputs)
    g = keras.Model(inputs, layers.Reshape((4, 4, 1))(layers.Dense(16)(flat)))
    with pytest.raises(ValueError, match=r"shape \(batch, latent_dim\). Received: input_shape="):
        keras_gan.GAN(g, dense_discriminator())


def test_not_a_model():
    with pytest.raises(ValueError, match="`generator` to be a Keras model. Received:"):
        keras_gan.GAN("generator", dense_discriminator())


def test_unbuilt_model():
    g = keras.Sequential([layers.Dense(16), layers.Reshape((4, 4, 1))])
    with pytest.raises(ValueError, match="Expected a built generator"):
        keras_gan.GAN(g, dense_discriminator())


def test_subclassed_generator_needs_latent_dim_only():
    class Generator(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(16)
            self.reshape = layers.Reshape((4, 4, 1))

        def call(self, z):
            return self.reshape(self.dense(z))

    g = Generator()
    g(np.zeros((1, 3), "float32"))
    with pytest.raises(ValueError, match="Expected `latent_dim` when the generator declares"):
        keras_gan.GAN(g, dense_discriminator())
    gan = keras_gan.GAN(g, dense_discriminator(), latent_dim=3)
    assert gan.sample_shape == (4, 4, 1)
    assert gan.generate(2).shape == (2, 4, 4, 1)


def test_bad_ema_decay():
    with pytest.raises(ValueError, match=r"float in \(0, 1\). Received: ema_decay=1.5"):
        make_gan(ema_decay=1.5)


# ----------------------------------------------------------------- compile errors
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"loss": "bce"}, r"one of \['minimax', 'non_saturating', 'wasserstein', 'hinge', "),
        ({"d_steps": 0}, "integer >= 1. Received: d_steps=0"),
        ({"d_steps": 1.5}, "integer >= 1. Received: d_steps=1.5"),
        ({"d_steps": True}, "integer >= 1. Received: d_steps=True"),
        ({"label_smoothing": 1.0}, r"in \[0, 1\). Received: label_smoothing=1.0"),
        ({"label_smoothing": -0.1}, r"in \[0, 1\). Received: label_smoothing=-0.1"),
        ({"label_smoothing": 0.1, "loss": "wasserstein"}, "Expected `label_smoothing=0`"),
        ({"label_smoothing": 0.1, "loss": "hinge"}, "Expected `label_smoothing=0`"),
        ({"gradient_penalty": -1.0}, "finite float >= 0. Received: gradient_penalty=-1.0"),
        ({"gradient_penalty": float("nan")}, "finite float >= 0"),
        ({"metrics": ["mae"]}, "instead of Keras' `metrics` argument"),
    ],
)
def test_compile_rejects(kwargs, message):
    gan = make_gan()
    with pytest.raises(ValueError, match=message):
        gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam(), **kwargs)


def test_compile_rejects_one_optimizer_for_both():
    gan = make_gan()
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two different optimizer objects"):
        gan.compile(opt, opt)


def test_compile_rejects_a_non_optimizer():
    with pytest.raises(ValueError, match="`d_optimizer` to be a Keras optimizer"):
        make_gan().compile("not-an-optimizer", "adam")


def test_compile_accepts_names_and_builds_both_optimizers():
    gan = make_gan()
    gan.compile("adam", "rmsprop")
    assert gan.d_optimizer.built and gan.g_optimizer.built
    assert isinstance(gan.g_optimizer, keras.optimizers.RMSprop)
    # Adam: 2 slots per trainable variable of its own network only.
    n_d = len(gan.discriminator.trainable_variables)
    assert sum("momentum" in v.path for v in gan.d_optimizer.variables) == n_d


@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_fit_before_compile(method):
    gan = make_gan()
    with pytest.raises(ValueError, match=f"to be called before `{method}\\(\\)`"):
        getattr(gan, method)(images(8), verbose=0)


def test_generate_rejects_bad_counts():
    with pytest.raises(ValueError, match="positive integer number of samples. Received: n=0"):
        make_gan().generate(0)


# --------------------------------------------------------------- fit and friends
def test_fit_reports_epoch_means_and_trains_both_networks():
    gan = compiled_gan(gradient_penalty=1.0)
    g0, d0 = (
        snapshot(gan.generator.trainable_variables),
        snapshot(gan.discriminator.trainable_variables),
    )
    history = gan.fit(images(32), batch_size=8, epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "gradient_penalty"}
    assert all(len(v) == 2 and np.all(np.isfinite(v)) for v in history.history.values())
    assert len(changed(g0, snapshot(gan.generator.trainable_variables))) == len(g0)
    assert len(changed(d0, snapshot(gan.discriminator.trainable_variables))) == len(d0)
    # one generator and one discriminator update per batch
    assert int(gan.g_optimizer.iterations) == 8
    assert int(gan.d_optimizer.iterations) == 8


def test_d_steps_counts_discriminator_updates():
    gan = compiled_gan(d_steps=3)
    gan.fit(images(16), batch_size=8, epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations) == 6
    assert int(gan.g_optimizer.iterations) == 2


def test_metrics_reset_every_epoch():
    """Epoch 2's logged mean equals the mean of epoch 2's own steps only."""
    gan = compiled_gan()
    per_batch = []
    logger = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: per_batch.append(logs["g_loss"])
    )
    history = gan.fit(images(32), batch_size=8, epochs=2, verbose=0, callbacks=[logger])
    # batch logs are running means: the last batch of an epoch is the epoch mean
    assert history.history["g_loss"][1] == pytest.approx(per_batch[7], rel=1e-6)
    running = np.array(per_batch[4:])
    steps = np.arange(1, 5)
    step_losses = running * steps - np.concatenate([[0.0], running[:-1] * steps[:-1]])
    assert history.history["g_loss"][1] == pytest.approx(step_losses.mean(), rel=1e-5)


def test_no_gradient_penalty_key_when_off():
    history = compiled_gan().fit(images(16), batch_size=8, epochs=1, verbose=0)
    assert "gradient_penalty" not in history.history


def test_fit_accepts_tf_data_and_pydataset():
    import tensorflow as tf

    gan = compiled_gan()
    ds = tf.data.Dataset.from_tensor_slices(images(16)).batch(8)
    assert len(gan.fit(ds, epochs=1, verbose=0).history["d_loss"]) == 1

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return images(8, seed=i)

    assert len(gan.fit(Batches(), epochs=1, verbose=0).history["g_loss"]) == 1


@pytest.mark.skipif(
    keras.config.backend() != "torch", reason="Keras reads a torch DataLoader on PyTorch only"
)
def test_fit_accepts_a_torch_data_loader():
    import torch
    from torch.utils.data import DataLoader
    from torch.utils.data import TensorDataset

    gan = compiled_gan()
    loader = DataLoader(TensorDataset(torch.tensor(images(24))), batch_size=8)
    history = gan.fit(loader, epochs=2, verbose=0)
    assert len(history.history["d_loss"]) == 2
    assert int(gan.g_optimizer.iterations) == 6


def test_labels_are_ignored_by_an_unconditional_gan():
    def run(*labels):
        keras.backend.clear_session()
        keras.utils.set_random_seed(5)
        gan = compiled_gan()
        history = gan.fit(images(16), *labels, batch_size=8, epochs=1, verbose=0, shuffle=False)
        return history.history, {**snapshot(gan.generator), **snapshot(gan.discriminator)}

    with_labels, weights_with_labels = run(np.arange(16, dtype="int32") % 3)
    without_labels, weights_without_labels = run()
    assert with_labels == without_labels
    assert changed(weights_with_labels, weights_without_labels) == []


def test_integer_images_are_refused_with_a_hint_to_scale_them():
    gan = compiled_gan()
    data = np.random.default_rng(0).integers(0, 256, size=(16, 4, 4, 1)).astype("uint8")
    before = snapshot(gan.generator.variables + gan.discriminator.variables)
    with pytest.raises(ValueError, match=r"floating-point samples.*Received: dtype=uint8 in x"):
        gan.fit(data, batch_size=8, epochs=1, verbose=0)
    assert changed(before, snapshot(gan.generator.variables + gan.discriminator.variables)) == []
    scaled = data.astype("float32") / 127.5 - 1
    history = gan.fit(scaled, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])


def test_evaluate_changes_no_variable_and_reports_both_losses():
    gan = compiled_gan(gradient_penalty=1.0)
    gan.fit(images(16), batch_size=8, epochs=1, verbose=0)
    before = snapshot(gan.generator.variables + gan.discriminator.variables)
    opt_before = snapshot(gan.d_optimizer.variables + gan.g_optimizer.variables)
    noise_before = snapshot([gan.seed_generator.state])
    result = gan.evaluate(images(16), batch_size=8, verbose=0, return_dict=True)
    assert set(result) == {"d_loss", "g_loss", "gradient_penalty"}
    assert changed(before, snapshot(gan.generator.variables + gan.discriminator.variables)) == []
    assert (
        changed(opt_before, snapshot(gan.d_optimizer.variables + gan.g_optimizer.variables)) == []
    )
    assert changed(noise_before, snapshot([gan.seed_generator.state])) == []


def test_generate_predict_and_call_agree():
    gan = make_gan()
    z = gan.sample_noise(5, seed=3)
    np.testing.assert_array_equal(z, gan.sample_noise(5, seed=3))
    expected = keras.ops.convert_to_numpy(gan.generator(z, training=False))
    np.testing.assert_allclose(gan.predict(z, verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gan(z)), expected, rtol=1e-6)
    np.testing.assert_allclose(gan.generate(5, seed=3), expected, rtol=1e-6)
    assert gan.generate(300, batch_size=128).shape == (300, 4, 4, 1)


def test_generate_without_seed_does_not_touch_training_noise():
    gan = make_gan()
    before = snapshot([gan.seed_generator.state])
    a, b = gan.generate(4), gan.generate(4)
    assert not np.array_equal(a, b)
    assert changed(before, snapshot([gan.seed_generator.state])) == []


def test_runs_are_reproducible_under_set_random_seed():
    def run():
        keras.backend.clear_session()
        keras.utils.set_random_seed(7)
        gan = compiled_gan()
        gan.fit(images(16), batch_size=8, epochs=2, verbose=0, shuffle=False)
        return snapshot(gan.generator.variables)

    first, second = run(), run()
    assert changed(first, second) == []


def test_noise_is_fresh_every_step():
    gan = compiled_gan()
    states = []
    for _ in range(3):
        gan.fit(images(8), batch_size=8, epochs=1, verbose=0)
        states.append(keras.ops.convert_to_numpy(gan.seed_generator.state).tobytes())
    assert len(set(states)) == 3


# ------------------------------------------------------------------ frozen weights
def test_discriminator_update_changes_no_generator_variable():
    gan = compiled_gan(gradient_penalty=1.0)
    g_before = snapshot(gan.generator)
    d_before = snapshot(gan.discriminator)
    run_eagerly(
        gan, lambda: gan._discriminator_update(keras.ops.convert_to_tensor(images(8)), None)
    )
    assert changed(g_before, snapshot(gan.generator)) == []
    d_changed = changed(d_before, snapshot(gan.discriminator))
    assert any("moving_mean" in p for p in d_changed)  # BatchNorm really trained
    assert any("kernel" in p for p in d_changed)


def test_generator_update_changes_no_discriminator_variable():
    gan = compiled_gan()
    g_before = snapshot(gan.generator)
    d_before = snapshot(gan.discriminator)
    run_eagerly(gan, lambda: gan._generator_update(keras.ops.convert_to_tensor(images(8)), None))
    assert changed(d_before, snapshot(gan.discriminator)) == []  # BatchNorm stats included
    g_changed = changed(g_before, snapshot(gan.generator))
    assert any("moving_mean" in p for p in g_changed)
    assert any("kernel" in p for p in g_changed)


def test_trainable_flags_are_never_toggled():
    gan = compiled_gan()
    flags = [layer.trainable for layer in gan.generator.layers + gan.discriminator.layers]
    gan.fit(images(16), batch_size=8, epochs=1, verbose=0)
    assert flags == [layer.trainable for layer in gan.generator.layers + gan.discriminator.layers]


def test_networks_train_in_training_mode():
    """Dropout is active in the discriminator during its update (training=True)."""
    gan = compiled_gan()
    calls = []
    original = gan.discriminator.call

    def spy(*args, training=None, **kwargs):
        calls.append(training)
        return original(*args, training=training, **kwargs)

    gan.discriminator.call = spy
    run_eagerly(
        gan, lambda: gan._discriminator_update(keras.ops.convert_to_tensor(images(8)), None)
    )
    run_eagerly(gan, lambda: gan._generator_update(keras.ops.convert_to_tensor(images(8)), None))
    assert calls and all(t is True for t in calls)


# ---------------------------------------------------------------- label smoothing
def test_label_smoothing_is_a_variable_changed_without_recompiling():
    """With a constant generator, d_loss(ls) - d_loss(0) = ls * mean(real scores)."""
    g = dense_generator(batch_norm=False)
    for w in g.weights:
        w.assign(np.zeros(w.shape, "float32"))
    gan = keras_gan.GAN(g, dense_discriminator(batch_norm=False, dropout=0))
    gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    data = images(16)
    base = gan.evaluate(data, batch_size=16, verbose=0, return_dict=True)["d_loss"]
    function = gan.test_function
    gan.label_smoothing = 0.25
    assert isinstance(gan.label_smoothing, keras.Variable)
    assert float(keras.ops.convert_to_numpy(gan.label_smoothing)) == 0.25
    smoothed = gan.evaluate(data, batch_size=16, verbose=0, return_dict=True)["d_loss"]
    real_scores = gan.discriminator.predict(data, verbose=0).ravel()
    assert smoothed - base == pytest.approx(0.25 * real_scores.mean(), abs=1e-5)
    assert gan.test_function is function


def test_label_smoothing_setter_validates():
    gan = compiled_gan(loss="hinge")
    with pytest.raises(ValueError, match="Expected `label_smoothing=0`"):
        gan.label_smoothing = 0.1
    with pytest.raises(ValueError, match=r"in \[0, 1\)"):
        compiled_gan().label_smoothing = 1.2


def test_smoothing_zero_equals_no_smoothing():
    def run(**kwargs):
        keras.backend.clear_session()
        keras.utils.set_random_seed(3)
        gan = compiled_gan(**kwargs)
        gan.fit(images(16), batch_size=8, epochs=1, verbose=0, shuffle=False)
        return snapshot(gan.discriminator)

    assert changed(run(), run(label_smoothing=0.0)) == []
    assert changed(run(), run(label_smoothing=0.3)) != []


# ---------------------------------------------------------------------- compile kwargs
@pytest.mark.parametrize(
    "kwargs",
    [
        {"run_eagerly": True},
        pytest.param(
            {"steps_per_execution": 2},
            marks=pytest.mark.skipif(
                keras.config.backend() == "torch",
                reason="Keras' PyTorch trainer supports only steps_per_execution=1",
            ),
        ),
        {"jit_compile": True},
    ],
)
def test_keras_compile_arguments_are_forwarded(kwargs):
    gan = compiled_gan(**kwargs)
    history = gan.fit(images(32), batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])
    assert int(gan.g_optimizer.iterations) == 4
    for key, value in kwargs.items():
        assert getattr(gan, key) == value


# ------------------------------------------------------------------------ EMA
def test_ema_generator_tracks_a_moving_average():
    gan = compiled_gan(gan_kwargs={"ema_decay": 0.9})
    assert gan.sampling_generator is gan.ema_generator
    gen, ema = gan.generator, gan.ema_generator

    def by_name(model):
        return {v.path.split("/", 1)[1]: keras.ops.convert_to_numpy(v) for v in model.weights}

    w0 = by_name(gen)
    gan.fit(images(8), batch_size=8, epochs=1, verbose=0)  # one step
    w1, averaged = by_name(gen), by_name(ema)
    trainable = {v.path.split("/", 1)[1] for v in gen.trainable_weights}
    assert trainable and set(averaged) == set(w1)
    for key, value in averaged.items():
        if key in trainable:  # after one step: ema = 0.9 * w0 + 0.1 * w1
            assert not np.allclose(w0[key], w1[key]), key
            np.testing.assert_allclose(value, 0.9 * w0[key] + 0.1 * w1[key], rtol=1e-5, atol=1e-7)
        else:  # BatchNorm statistics are copied
            np.testing.assert_array_equal(value, w1[key])
    z = gan.sample_noise(3, seed=0)
    # `generate` runs the jitted predict, `ema(z)` op by op: a few float32 ulps apart
    # on small values.
    np.testing.assert_allclose(
        gan.generate(3, seed=0),
        keras.ops.convert_to_numpy(ema(z, training=False)),
        rtol=1e-6,
        atol=1e-7,
    )
    assert not np.allclose(gan.generate(3, seed=0), keras.ops.convert_to_numpy(gen(z)))
