"""Relativistic losses, and a `GANLoss` whose generator part asks for the real scores."""

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from keras import ops
from model_zoo import changed
from model_zoo import conditional_pair
from model_zoo import dense_discriminator
from model_zoo import dense_generator
from model_zoo import images
from model_zoo import snapshot

import keras_gan
from keras_gan import losses
from keras_gan.backend import run_eagerly


def softplus(x):
    return np.logaddexp(0.0, x)


def hinge(x):
    return np.maximum(0.0, 1.0 - x)


def value(x):
    return float(ops.convert_to_numpy(x))


def numpy_array(x):
    return np.asarray(ops.convert_to_numpy(x), dtype="float64")


# ---------------------------------------------------------------- the functions
# name -> (discriminator function, generator function, f with L = mean f(own - other))
FUNCTIONS = {
    "relativistic": (
        losses.relativistic_discriminator_loss,
        losses.relativistic_generator_loss,
        lambda t: softplus(-t),
    ),
    "relativistic_hinge": (
        losses.relativistic_hinge_discriminator_loss,
        losses.relativistic_hinge_generator_loss,
        hinge,
    ),
}


@st.composite
def score_pairs(draw):
    n = draw(st.integers(1, 8))
    scores = st.lists(st.floats(-6, 6, width=32), min_size=n, max_size=n)
    return np.array(draw(scores), "float32"), np.array(draw(scores), "float32")


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("rank", [1, 2])
@given(pair=score_pairs())
def test_functions_equal_a_numpy_computation(name, rank, pair):
    d_fn, g_fn, f = FUNCTIONS[name]
    real, fake = pair
    r, x = real.astype("float64"), fake.astype("float64")
    shaped = (lambda a: a) if rank == 1 else (lambda a: a.reshape(-1, 1))
    assert value(d_fn(shaped(real), shaped(fake))) == pytest.approx(
        np.mean(f(r - x)), rel=1e-5, abs=1e-6
    )
    assert value(g_fn(shaped(real), shaped(fake))) == pytest.approx(
        np.mean(f(x - r)), rel=1e-5, abs=1e-6
    )


def test_scores_are_paired_by_index_not_broadcast():
    # (b, 1) against (b,) would broadcast to (b, b) pairs.
    real, fake = np.array([[2.0], [0.0]], "float32"), np.array([0.0, 2.0], "float32")
    expected = np.mean(softplus(-(np.array([2.0, 0.0]) - np.array([0.0, 2.0]))))
    assert value(losses.relativistic_discriminator_loss(real, fake)) == pytest.approx(expected)
    assert value(losses.relativistic_generator_loss(real, fake)) == pytest.approx(expected)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_different_batch_sizes_are_refused(name):
    d_fn, g_fn, _ = FUNCTIONS[name]
    message = (
        r"as many real scores as generated ones.*Received: "
        r"real_logits.shape=\(3,\), fake_logits.shape=\(2, 1\)"
    )
    with pytest.raises(ValueError, match=message):
        d_fn(np.zeros(3, "float32"), np.zeros((2, 1), "float32"))
    with pytest.raises(ValueError, match=message):
        g_fn(np.zeros(3, "float32"), np.zeros((2, 1), "float32"))


# ----------------------------------------------------------------- the objects
@pytest.mark.parametrize(
    "name, cls",
    [("relativistic", losses.Relativistic), ("relativistic_hinge", losses.RelativisticHinge)],
)
def test_objects_by_name_match_the_functions_and_round_trip(name, cls):
    loss = losses.get(name)
    assert type(loss) is cls and name in losses.LOSS_NAMES
    assert loss.generator_needs_real_scores is True and loss.decision_boundary is None
    d_fn, g_fn, _ = FUNCTIONS[name]
    real, fake = np.array([0.5, -1.0, 2.0], "float32"), np.array([-0.5, 1.5, 0.0], "float32")
    assert value(loss.discriminator_loss(real, fake)) == pytest.approx(value(d_fn(real, fake)))
    assert value(loss.generator_loss(fake, real_logits=real)) == pytest.approx(
        value(g_fn(real, fake))
    )
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
    assert type(restored) is cls


def test_a_saved_gan_keeps_its_relativistic_loss(tmp_path):
    gan = keras_gan.GAN(dense_generator(), dense_discriminator())
    gan.compile("adam", "adam", loss="relativistic_hinge")
    gan.save(tmp_path / "gan.keras")
    assert type(keras.models.load_model(tmp_path / "gan.keras").gan_loss) is (
        losses.RelativisticHinge
    )


def test_the_generator_part_requires_the_real_scores():
    with pytest.raises(ValueError, match="Expected `real_logits` with loss 'relativistic'"):
        losses.Relativistic().generator_loss(np.zeros(2, "float32"))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"label_smoothing": 0.1},
            r"Expected `label_smoothing=0` with this loss.*Received: label_smoothing=0.1, "
            r"loss=Relativistic\(\)",
        ),
        (
            {"from_logits": False},
            "Expected `from_logits=True` with loss 'relativistic': it reads the "
            "discriminator's raw scores.*Received: from_logits=False",
        ),
        (
            {"augment": "ada"},
            r"real/fake decision boundary .* Received: loss=Relativistic\(\), whose scores "
            r"have none \(`decision_boundary` is None: only differences between scores count\)",
        ),
    ],
)
def test_compile_refuses_what_has_no_meaning_for_relative_scores(kwargs, message):
    gan = keras_gan.GAN(dense_generator(sample_shape=(8, 8, 1)), dense_discriminator((8, 8, 1)))
    with pytest.raises(ValueError, match=message):
        gan.compile("adam", "adam", loss="relativistic", **kwargs)
    with pytest.raises(ValueError, match=message):
        gan.compile("adam", "adam", loss=losses.Relativistic(), **kwargs)


def test_a_loss_asking_for_real_scores_must_take_them():
    class Forgetful(losses.GANLoss):
        generator_needs_real_scores = True

        def discriminator_loss(self, real_logits, fake_logits, *, label_smoothing=0.0):
            return ops.mean(fake_logits) - ops.mean(real_logits)

        def generator_loss(self, fake_logits):
            return -ops.mean(fake_logits)

    gan = keras_gan.GAN(dense_generator(), dense_discriminator())
    with pytest.raises(
        ValueError,
        match=r"Expected `generator_loss\(self, fake_logits, real_logits\)` on a loss with "
        r"`generator_needs_real_scores = True`.*Received: loss=Forgetful\(\) with "
        r"generator_loss\(fake_logits\)",
    ):
        gan.compile("adam", "adam", loss=Forgetful())


# ------------------------------------------------- the step supplies the scores
class OneArgument(losses.GANLoss):
    """A user's loss written before losses could ask for the real scores."""

    def discriminator_loss(self, real_logits, fake_logits, *, label_smoothing=0.0):
        return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))

    def generator_loss(self, fake_logits):
        return ops.mean(ops.softplus(-fake_logits))


COEFFICIENTS = np.array([0.3, -1.1, 0.7, 2.0, -0.4, 1.3, 0.9, -2.2], "float32")


class RealScoresRecorder(losses.GANLoss):
    """A generator loss that equals `sum(c_i * real_i)`: the logged `g_loss` then
    reveals the real scores the step passed (their order included)."""

    generator_needs_real_scores = True

    def discriminator_loss(self, real_logits, fake_logits, *, label_smoothing=0.0):
        return losses.relativistic_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits, real_logits):
        recorded = ops.sum(ops.convert_to_tensor(COEFFICIENTS) * real_logits)
        return recorded + 0.0 * ops.sum(fake_logits)


MODES = {
    "alternating": {},
    "d_steps=2": {"d_steps": 2},
    "simultaneous": {"update": "simultaneous"},
    "reuse_fakes": {"reuse_fakes": True},
}


def make(loss, conditional=False, lr=0.1, **compile_kwargs):
    if conditional:
        g, d = conditional_pair()
        gan = keras_gan.ConditionalGAN(g, d, num_classes=3, seed=3)
    else:
        gan = keras_gan.GAN(dense_generator(), dense_discriminator(dropout=0), seed=3)
    sgd = keras.optimizers.SGD
    gan.compile(sgd(lr), sgd(lr), loss=loss, **compile_kwargs)
    return gan


def data(conditional, n=8):
    x = images(n)
    return (x, np.arange(n) % 3) if conditional else (x,)


@pytest.mark.parametrize("conditional", [False, True], ids=["gan", "conditional"])
@pytest.mark.parametrize("mode", sorted(MODES))
def test_a_one_argument_generator_loss_still_trains(mode, conditional):
    gan = make(OneArgument(), conditional, **MODES[mode])
    history = gan.fit(*data(conditional, 16), batch_size=8, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 2
    assert np.all(np.isfinite(list(history.history.values())))
    logs = gan.evaluate(*data(conditional), batch_size=8, verbose=0, return_dict=True)
    assert np.isfinite(logs["g_loss"])


def discriminator_scores(gan, state, real, labels):
    """The discriminator's training-mode scores of `real` (batch statistics, no
    Dropout here), from the weights `state`, without touching the model."""
    inputs = real if labels is None else [real, labels.reshape(-1, 1).astype("int32")]
    outputs, _ = gan.discriminator.stateless_call(*state, inputs, training=True)
    return numpy_array(outputs).reshape(-1)


def weights(model):
    return [
        [ops.convert_to_tensor(ops.convert_to_numpy(v)) for v in variables]
        for variables in (model.trainable_variables, model.non_trainable_variables)
    ]


@pytest.mark.parametrize("conditional", [False, True], ids=["gan", "conditional"])
@pytest.mark.parametrize("mode", sorted(MODES))
def test_the_generator_loss_receives_the_frozen_discriminators_real_scores(mode, conditional):
    """Alternating modes: the scores of the discriminator as its updates left it;
    simultaneous: those of its own pass, before the update."""
    gan = make(RealScoresRecorder(), conditional, **MODES[mode])
    batch = data(conditional)
    real, labels = batch[0], (batch[1] if conditional else None)
    before = weights(gan.discriminator)
    logs = gan.train_on_batch(*batch, return_dict=True)
    after = weights(gan.discriminator)
    expected_before = discriminator_scores(gan, before, real, labels)
    expected_after = discriminator_scores(gan, after, real, labels)
    assert np.abs(expected_after - expected_before).max() > 1e-3  # the update counts
    expected = expected_before if mode == "simultaneous" else expected_after
    assert logs["g_loss"] == pytest.approx(float(COEFFICIENTS @ expected), rel=1e-5, abs=1e-5)


def test_the_real_scores_are_of_the_augmented_reals():
    def negate(samples, training):
        return -samples

    gan = make(RealScoresRecorder(), augment=negate)
    real = images(8)
    logs = gan.train_on_batch(real, return_dict=True)
    expected = discriminator_scores(gan, weights(gan.discriminator), -real, None)
    assert logs["g_loss"] == pytest.approx(float(COEFFICIENTS @ expected), rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("conditional", [False, True], ids=["gan", "conditional"])
def test_evaluate_reports_a_generator_loss_on_the_real_scores(conditional):
    """Inference mode, no augmentation, as evaluate's discriminator loss."""
    gan = make(RealScoresRecorder(), conditional)
    batch = data(conditional)
    logs = gan.evaluate(*batch, batch_size=8, verbose=0, return_dict=True)
    inputs = batch[0] if not conditional else [batch[0], batch[1].reshape(-1, 1)]
    expected = gan.discriminator.predict(inputs, verbose=0).astype("float64").reshape(-1)
    assert logs["g_loss"] == pytest.approx(float(COEFFICIENTS @ expected), rel=1e-5, abs=1e-5)


class CountingLayer(keras.layers.Layer):
    """The identity, counting the discriminator's passes (trace-time calls)."""

    calls = 0

    def call(self, x):
        CountingLayer.calls += 1
        return x


def counted_discriminator():
    x = inputs = keras.Input((4, 4, 1))
    x = CountingLayer()(keras.layers.Flatten()(x))
    return keras.Model(inputs, keras.layers.Dense(1)(x))


@pytest.mark.parametrize(
    "update, extra", [("_generator_update", 1), ("_simultaneous_update", 0), ("reuse", 1)]
)
def test_only_a_loss_that_asks_pays_for_a_real_pass(update, extra):
    def passes(loss):
        gan = keras_gan.GAN(dense_generator(), counted_discriminator())
        gan.compile("sgd", "sgd", loss=loss, reuse_fakes=update == "reuse")
        real = ops.convert_to_tensor(images(8))
        CountingLayer.calls = 0
        step = gan._reuse_fakes_updates if update == "reuse" else getattr(gan, update)
        run_eagerly(gan, lambda: step(real, None))
        return CountingLayer.calls

    default = passes("non_saturating")
    assert default == {"_generator_update": 1, "_simultaneous_update": 2, "reuse": 3}[update]
    assert passes("relativistic") == default + extra


@pytest.mark.parametrize("name", ["relativistic", "relativistic_hinge"])
def test_each_update_leaves_the_other_network_as_it_was(name):
    """The generator update's extra pass over the real batch moves no discriminator
    variable (BatchNorm statistics and Dropout seeds included); the discriminator
    update moves no generator variable."""
    gan = keras_gan.GAN(dense_generator(), dense_discriminator(dropout=0.3))
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2), loss=name)
    real = ops.convert_to_tensor(images(8))
    g0, d0 = snapshot(gan.generator), snapshot(gan.discriminator)
    run_eagerly(gan, lambda: gan._discriminator_update(real, None))
    assert changed(g0, snapshot(gan.generator)) == []
    d1 = snapshot(gan.discriminator)
    assert any("moving_mean" in p for p in changed(d0, d1))
    run_eagerly(gan, lambda: gan._generator_update(real, None))
    assert changed(d1, snapshot(gan.discriminator)) == []
    assert any("kernel" in p for p in changed(g0, snapshot(gan.generator)))


# ------------------------------------------------- one exact step, by hand
def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def linear_pair(latent_dim=3, sample_shape=(2, 2, 1)):
    """`G(z) = z A + a` (reshaped) and `D(x) = x w + c`: their gradients are closed-form."""
    z = keras.Input((latent_dim,))
    generator = keras.Model(z, keras.layers.Reshape(sample_shape)(keras.layers.Dense(4)(z)))
    x = keras.Input(sample_shape)
    discriminator = keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    return generator, discriminator


# name -> f'(t) for L = mean f(own - other)
DERIVATIVES = {
    "relativistic": lambda t: -sigmoid(-t),  # f(t) = softplus(-t)
    "relativistic_hinge": lambda t: -(1.0 - t > 0).astype("float64"),  # f(t) = max(0, 1 - t)
}


def numpy_step(params, real, noises, name, mode, lr):
    """One SGD step of a relativistic GAN, gradients by hand.

    `L_D = mean f(D(x_i) - D(G(z_i)))`, `L_G = mean f(D(G(z_i)) - D(x_i))`, the real
    scores a constant for the generator. Alternating: `d_steps` discriminator updates
    on fresh noise, then the generator on fresh noise (`reuse_fakes`: on the last
    update's noise) against the updated discriminator; simultaneous: both gradients
    at the old weights on one noise batch.
    """
    A, a, w, c = params
    n = len(real)
    df = DERIVATIVES[name]

    def d_grads(w, c, z):
        fake = z @ A + a
        t = (real @ w + c) - (fake @ w + c)
        dt = df(t) / n  # dL_D / dt_i; dt_i / dD(x_i) = 1, dt_i / dD(G(z_i)) = -1
        return real.T @ dt - fake.T @ dt, dt.sum(0) - dt.sum(0)

    def g_grads(w, c, z):
        fake = z @ A + a
        t = (fake @ w + c) - (real @ w + c)
        dfake = (df(t) / n) @ w.T  # dL_G / dG(z_i)
        return z.T @ dfake, dfake.sum(0)

    noises = iter(noises)
    if mode == "simultaneous":
        z = next(noises)
        (gw, gc), (gA, ga) = d_grads(w, c, z), g_grads(w, c, z)
        return A - lr * gA, a - lr * ga, w - lr * gw, c - lr * gc
    for _ in range(2 if mode == "d_steps=2" else 1):
        z = next(noises)
        gw, gc = d_grads(w, c, z)
        w, c = w - lr * gw, c - lr * gc
    gA, ga = g_grads(w, c, z if mode == "reuse_fakes" else next(noises))
    return A - lr * gA, a - lr * ga, w, c


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
@pytest.mark.parametrize("mode", sorted(MODES))
def test_steps_equal_a_numpy_reference_on_linear_networks(name, mode):
    lr, batch, latent_dim = 0.1, 4, 3
    generator, discriminator = linear_pair(latent_dim)
    params = [
        numpy_array(v) for v in generator.trainable_variables + discriminator.trainable_variables
    ]
    gan = keras_gan.GAN(generator, discriminator, seed=3)
    sgd = keras.optimizers.SGD
    gan.compile(sgd(lr), sgd(lr), loss=name, **MODES[mode])
    x = images(2 * batch, (2, 2, 1))
    gan.fit(x, batch_size=batch, epochs=1, verbose=0, shuffle=False)

    seed = keras.random.SeedGenerator(3)
    draws = {"alternating": 2, "d_steps=2": 3, "simultaneous": 1, "reuse_fakes": 1}[mode]
    for step in range(2):
        noises = [
            numpy_array(keras.random.normal((batch, latent_dim), seed=seed)) for _ in range(draws)
        ]
        real = x[step * batch : (step + 1) * batch].reshape(batch, -1).astype("float64")
        params = numpy_step(params, real, noises, name, mode, lr)
    fitted = generator.trainable_variables + discriminator.trainable_variables
    for variable, expected in zip(fitted, params):
        np.testing.assert_allclose(
            ops.convert_to_numpy(variable), expected, rtol=1e-5, atol=1e-6, err_msg=variable.path
        )


def test_relativistic_trains_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        gan = keras_gan.GAN(dense_generator(), dense_discriminator())
        gan.compile("adam", "adam", loss="relativistic")
        history = gan.fit(images(16), batch_size=8, epochs=1, verbose=0)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert np.all(np.isfinite(list(history.history.values())))
    assert int(gan.g_optimizer.iterations) == 2
