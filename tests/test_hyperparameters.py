"""Hyperparameters that change between steps without recompiling (`keras_gan.hyperparameters`).

Each test sets a value after the step was traced and checks the next step against a
reference computed independently (NumPy, or a linear discriminator whose input
gradient is known).
"""

import keras
import numpy as np
import pytest
from keras import layers
from model_zoo import dense_discriminator
from model_zoo import dense_generator
from model_zoo import images

import keras_gan
from keras_gan.augmentation import ADA

BACKEND = keras.config.backend()
# XLA where the penalty's double gradient compiles (torch.compile does not take it);
# a traced step on every backend but torch either way.
JIT = BACKEND != "torch"


def numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def linear_discriminator(kernel):
    """`D(x) = <kernel, x> + 0.3`: its input gradient is `kernel` for every sample."""
    x = inputs = keras.Input(kernel.shape)
    x = layers.Flatten()(x)
    dense = layers.Dense(1, bias_initializer=keras.initializers.Constant(0.3))
    outputs = dense(x)
    model = keras.Model(inputs, outputs)
    dense.kernel.assign(kernel.reshape(-1, 1))
    return model


def count_calls(gan, method):
    """Counts the Python calls of a step method: one per trace in a traced step."""
    original = getattr(gan, method)
    calls = []

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    setattr(gan, method, counting)
    return calls


def gan_with(discriminator=None, **gan_kwargs):
    keras.utils.set_random_seed(0)
    discriminator = discriminator or dense_discriminator(batch_norm=False, dropout=0)
    return keras_gan.GAN(dense_generator(batch_norm=False), discriminator, seed=1, **gan_kwargs)


# ------------------------------------------------------------------ R1 / R2
@pytest.mark.parametrize("name, penalty_every", [("r1_penalty", 1), ("r2_penalty", 2)])
def test_a_penalty_weight_set_after_tracing_weights_the_next_step(name, penalty_every):
    kernel = images(1, seed=5)[0]
    x = images(8)

    def measured_step(weight):
        gan = gan_with(linear_discriminator(kernel))
        gan.compile(
            keras.optimizers.SGD(0.05),
            keras.optimizers.SGD(0.05),
            penalty_every=penalty_every,
            jit_compile=JIT,
            **{name: 1.0},
        )
        traces = count_calls(gan, "_discriminator_loss")
        # Traced; with penalty_every=2, the penalty counts on the 1st and 3rd updates.
        for _ in range(penalty_every):
            gan.train_on_batch(x)
        traced = len(traces)
        setattr(gan, name, weight)
        gradient = numpy(gan.discriminator.weights[0])  # the input gradient of D now
        logs = gan.train_on_batch(x, return_dict=True)
        if JIT:
            assert len(traces) == traced  # the variable was read: no new trace
        return logs["d_loss"], logs[name], gradient

    base, _, _ = measured_step(0.0)
    for weight in (0.25, 3.0):
        d_loss, penalty, gradient = measured_step(weight)
        expected_penalty = np.sum(gradient.astype("float64") ** 2)
        assert penalty == pytest.approx(expected_penalty, rel=1e-5)
        # lazy regularization: `every * weight` on the updates where it counts
        expected = base + 0.5 * weight * penalty_every * expected_penalty
        assert d_loss == pytest.approx(expected, rel=1e-5, abs=1e-5)


def test_penalty_setter_checks_and_refuses_a_penalty_compiled_off():
    gan = gan_with()
    gan.compile("adam", "adam", r1_penalty=1.0)
    gan.r1_penalty = 0.0  # allowed: the penalty then weighs 0
    assert float(numpy(gan.r1_penalty)) == 0.0 and gan.r1_weight == 1.0
    with pytest.raises(ValueError, match=r"`r1_penalty` to be a finite float >= 0.*=-1"):
        gan.r1_penalty = -1
    gan.r2_penalty = 0.0  # compiled 0: setting 0 is a no-op
    with pytest.raises(
        ValueError,
        match=r"compiled with `r2_penalty > 0` to change `r2_penalty` during training.*"
        r"compile with r2_penalty=",
    ):
        gan.r2_penalty = 0.5


def test_compile_config_saves_the_current_penalty(tmp_path):
    gan = gan_with()
    gan.compile("adam", "adam", r1_penalty=1.0)
    gan.r1_penalty = 0.25
    assert gan.get_compile_config()["r1_penalty"] == 0.25
    gan.save(tmp_path / "a.keras")
    restored = keras.models.load_model(tmp_path / "a.keras")
    assert float(numpy(restored.r1_penalty)) == 0.25 and restored.r1_weight == 0.25
    # Set to 0, the penalty stays on in the reloaded GAN, at weight 0.
    gan.r1_penalty = 0.0
    assert gan.get_compile_config()["r1_penalty"] == 1.0
    gan.save(tmp_path / "b.keras")
    restored = keras.models.load_model(tmp_path / "b.keras")
    assert float(numpy(restored.r1_penalty)) == 0.0 and restored.r1_weight == 1.0
    restored.r1_penalty = 0.5  # still settable


# ------------------------------------------------------------ images_seen
def test_images_seen_counts_the_real_images_trained_on():
    gan = gan_with()
    gan.compile("adam", "adam", d_steps=2)
    gan.fit(images(20), batch_size=8, epochs=2, verbose=0)  # batches of 8, 8, 4
    assert int(numpy(gan.images_seen)) == 40
    gan.evaluate(images(8), batch_size=8, verbose=0)  # evaluation trains on nothing
    gan.train_on_batch(images(3))
    assert int(numpy(gan.images_seen)) == 43


# --------------------------------------------------------------------- EMA
def _ema_step(gan, x):
    """One step; returns the EMA and generator weights before and after it."""
    before = [numpy(w) for w in gan.ema_generator.trainable_weights]
    gan.train_on_batch(x)
    after = [numpy(w) for w in gan.ema_generator.trainable_weights]
    return before, after, [numpy(w) for w in gan.generator.trainable_weights]


@pytest.mark.parametrize("rampup", [None, 0.5])
def test_half_life_sets_each_steps_decay(rampup):
    batch, half_life = 4, 20.0
    gan = gan_with(ema_half_life=half_life, ema_rampup=rampup)
    gan.compile(keras.optimizers.Adam(0.05), keras.optimizers.Adam(0.05))
    x = images(batch)
    for step in range(5):
        if step == 3:
            half_life = 6.0
            gan.ema_half_life = half_life  # after tracing
        seen = step * batch
        h = half_life if rampup is None else min(half_life, seen * rampup)
        decay = 0.5 ** (batch / max(h, 1e-8))  # StyleGAN2-ADA's formula, in float64
        before, after, generator = _ema_step(gan, x)
        assert float(numpy(gan.ema_decay)) == pytest.approx(decay, rel=1e-6, abs=1e-12)
        for b, a, g in zip(before, after, generator):
            np.testing.assert_allclose(a, decay * b + (1 - decay) * g, rtol=1e-5, atol=1e-6)
        assert int(numpy(gan.images_seen)) == seen + batch


def test_ema_decay_set_after_tracing_is_used():
    gan = gan_with(ema_decay=0.9)
    gan.compile(keras.optimizers.Adam(0.05), keras.optimizers.Adam(0.05))
    x = images(4)
    _ema_step(gan, x)
    gan.ema_decay = 0.5
    before, after, generator = _ema_step(gan, x)
    for b, a, g in zip(before, after, generator):
        np.testing.assert_allclose(a, 0.5 * b + 0.5 * g, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            dict(ema_decay=0.9, ema_half_life=100),
            r"either `ema_decay`.*or `ema_half_life`.*not both. Received: ema_decay=0.9",
        ),
        (dict(ema_rampup=0.05), r"`ema_half_life` with `ema_rampup`.*ema_half_life=None"),
        (dict(ema_half_life=0), r"`ema_half_life` to be None or a finite number of images > 0"),
        (dict(ema_half_life=10, ema_rampup=-1), r"`ema_rampup` to be None or a finite float"),
    ],
)
def test_ema_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gan_with(**kwargs)


def test_ema_setter_errors():
    plain, decayed, halved = gan_with(), gan_with(ema_decay=0.9), gan_with(ema_half_life=100)
    with pytest.raises(ValueError, match=r"GAN\(\.\.\., ema_decay=\.\.\.\)`.*without a moving"):
        plain.ema_decay = 0.9
    with pytest.raises(ValueError, match=r"built with `ema_half_life`: its decay follows"):
        halved.ema_decay = 0.9
    with pytest.raises(ValueError, match=r"ema_half_life=\.\.\.\)` to set.*with `ema_decay`"):
        decayed.ema_half_life = 100
    with pytest.raises(ValueError, match=r"`ema_decay` to be a float in \(0, 1\).*=1.0"):
        decayed.ema_decay = 1.0
    with pytest.raises(ValueError, match=r"`ema_half_life` to be a finite number.*=-5"):
        halved.ema_half_life = -5
    assert plain.ema_decay is None and plain.ema_half_life is None


def test_ema_values_are_saved_and_reloaded(tmp_path):
    gan = gan_with(ema_half_life=100, ema_rampup=0.05)
    gan.compile("adam", "adam")
    gan.fit(images(8), batch_size=4, epochs=1, verbose=0)
    gan.ema_half_life = 250
    config = gan.get_config()
    assert (config["ema_decay"], config["ema_half_life"], config["ema_rampup"]) == (
        None,
        250.0,
        0.05,
    )
    clone = keras_gan.GAN.from_config(config)
    assert float(numpy(clone.ema_half_life)) == 250.0 and clone.ema_rampup == 0.05
    gan.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras")
    assert float(numpy(restored.ema_half_life)) == 250.0 and restored.ema_rampup == 0.05
    assert int(numpy(restored.images_seen)) == 8
    assert float(numpy(restored.ema_decay)) == float(numpy(gan.ema_decay)) > 0
    # a fixed decay, set since construction, is saved as it is now
    decayed = gan_with(ema_decay=0.9)
    decayed.ema_decay = 0.75
    assert decayed.get_config()["ema_decay"] == 0.75
    assert "ema_half_life" not in decayed.get_config()


# ------------------------------------------------------------- ADA's p
def test_augment_p_set_after_tracing_is_used():
    x = images(8)

    def second_step_loss(augment, p=None):
        gan = gan_with()
        # Learning rates 0: the first step changes no weight, only the seeds.
        gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0), augment=augment)
        gan.train_on_batch(x)
        if p is not None:
            gan.augment_p = p
        logs = gan.train_on_batch(x, return_dict=True)
        return logs

    def ada(p):
        return ADA(p, adaptive=False, seed=3)

    unaugmented = second_step_loss(None)["d_loss"]
    kept = second_step_loss(ada(0.8))
    assert abs(kept["d_loss"] - unaugmented) > 1e-3 and kept["augment_p"] == pytest.approx(0.8)
    # p = 0 leaves every image as it is: the loss of no augmentation.
    switched_off = second_step_loss(ada(0.8), p=0.0)
    assert switched_off["augment_p"] == 0.0  # the step's own reading of p
    assert switched_off["d_loss"] == pytest.approx(unaugmented, rel=1e-5, abs=1e-6)


def test_augment_p_errors():
    gan = gan_with()
    gan.compile("adam", "adam")
    with pytest.raises(ValueError, match=r"probability `p` to set `augment_p`.*augment=None"):
        gan.augment_p = 0.3
    gan.compile("adam", "adam", augment="ada")
    with pytest.raises(ValueError, match=r"`ADA\(p, adaptive=False\)`.*adaptive=True"):
        gan.augment_p = 0.3
    with pytest.raises(ValueError, match=r"adaptive ADA steers `p` itself"):
        gan.augmenter.p = 0.3
    gan.compile("adam", "adam", augment=ADA(0.1, adaptive=False))
    with pytest.raises(ValueError, match=r"`augment_p` to be a float in \[0, 1\].*=1.5"):
        gan.augment_p = 1.5
    gan.augmenter.p = 0.4  # through the augmenter
    assert float(numpy(gan.augment_p)) == pytest.approx(0.4)


# ----------------------------------------------------------- adam_beta_2
def _moments(optimizer, kind):
    return [numpy(v) for v in optimizer.variables if v.name.endswith(kind)]


def test_adam_beta_2_set_after_tracing_changes_the_update_as_numpy_adam_says():
    lr, beta_1, epsilon = 0.01, 0.5, 1e-7
    gan = gan_with()
    gan.compile(
        keras.optimizers.Adam(lr, beta_1=beta_1, epsilon=epsilon),
        keras.optimizers.Adam(lr, beta_1=beta_1, epsilon=epsilon),
        adam_beta_2=0.99,
        jit_compile=JIT,
    )
    x = images(8)
    gan.train_on_batch(x)
    traces = count_calls(gan, "_discriminator_loss")
    optimizer = gan.d_optimizer
    weights = [numpy(v) for v in gan.discriminator.trainable_variables]
    m1, v1 = _moments(optimizer, "momentum"), _moments(optimizer, "velocity")
    gan.adam_beta_2 = 0.6
    gan.train_on_batch(x)
    assert len(traces) == (0 if JIT else 1)  # traced: the new value without a new trace
    m2, v2 = _moments(optimizer, "momentum"), _moments(optimizer, "velocity")
    step = 2  # Adam's bias correction at the second update, with the new beta_2
    for w1, w2, a1, a2, b1, b2 in zip(
        weights, gan.discriminator.trainable_variables, m1, m2, v1, v2
    ):
        gradient = (a2 - beta_1 * a1) / (1 - beta_1)  # from Adam's first moment
        expected_v = 0.6 * b1 + 0.4 * gradient**2
        np.testing.assert_allclose(b2, expected_v, rtol=1e-4, atol=1e-9)
        alpha = lr * np.sqrt(1 - 0.6**step) / (1 - beta_1**step)
        expected_w = w1 - alpha * a2 / (np.sqrt(expected_v) + epsilon)
        np.testing.assert_allclose(numpy(w2), expected_w, rtol=1e-4, atol=1e-6)
    assert float(numpy(gan.g_optimizer.beta_2)) == pytest.approx(0.6)


def test_adam_beta_2_is_saved_with_the_optimizers(tmp_path):
    gan = gan_with()
    gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam(beta_2=0.9), adam_beta_2=0.99)
    gan.fit(images(8), batch_size=4, epochs=1, verbose=0)
    gan.adam_beta_2 = 0.95
    assert gan.get_compile_config()["adam_beta_2"] == 0.95
    assert gan.get_compile_config()["d_optimizer"]["config"]["beta_2"] == 0.95
    gan.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras")
    assert float(numpy(restored.adam_beta_2)) == pytest.approx(0.95)
    for ours, theirs in (
        (gan.d_optimizer, restored.d_optimizer),
        (gan.g_optimizer, restored.g_optimizer),
    ):
        assert isinstance(theirs.beta_2, keras.Variable)
        assert [v.path for v in theirs.variables] == [v.path for v in ours.variables]
        for a, b in zip(ours.variables, theirs.variables):
            np.testing.assert_array_equal(numpy(a), numpy(b))


def test_adam_beta_2_errors():
    gan = gan_with()
    with pytest.raises(
        ValueError, match=r"optimizers with a `beta_2`.*Received: d_optimizer=SGD, which has none"
    ):
        gan.compile("sgd", "adam", adam_beta_2=0.99)
    with pytest.raises(ValueError, match=r"`adam_beta_2` to be a float in \[0, 1\).*=1"):
        gan.compile("adam", "adam", adam_beta_2=1)
    gan.compile("adam", "adam")
    assert gan.adam_beta_2 is None
    with pytest.raises(ValueError, match=r"compiled with `adam_beta_2=\.\.\.` to change"):
        gan.adam_beta_2 = 0.9
