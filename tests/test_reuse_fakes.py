"""compile(reuse_fakes=True): one generator pass per alternating step."""

import keras
import numpy as np
import pytest
from keras import ops
from model_zoo import changed
from model_zoo import conditional_pair
from model_zoo import dense_discriminator
from model_zoo import dense_generator
from model_zoo import images
from model_zoo import snapshot
from model_zoo import training_state

import keras_gan
from keras_gan import cli

LR = 0.05


def make(d_steps=1, opt=keras.optimizers.SGD, **compile_kwargs):
    gan = keras_gan.GAN(dense_generator(), dense_discriminator(dropout=0), seed=3)
    gan.compile(opt(LR), opt(LR), d_steps=d_steps, reuse_fakes=True, **compile_kwargs)
    return gan


def build(d_steps=1, **compile_kwargs):
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    return make(d_steps, **compile_kwargs)


def values(variables):
    return [ops.convert_to_tensor(ops.convert_to_numpy(v)) for v in variables]


def gradient(fn, xs):
    """The gradient of the scalar `fn(xs)` with respect to the list `xs`, per backend."""
    backend = keras.config.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(xs)
            y = fn(xs)
        return tape.gradient(y, xs)
    if backend == "jax":
        import jax

        return jax.grad(fn)(xs)
    import torch

    xs = [x.detach().requires_grad_(True) for x in xs]
    return torch.autograd.grad(fn(xs), xs)


def reference_step(gan, real, state):
    """The PyTorch DCGAN example's step, written by hand with `stateless_call`.

    Each discriminator update draws its noise; the last one's generator pass moves
    the generator's BatchNorm statistics, and the generator then trains on that same
    batch (recomputed here from the same weights) against the updated discriminator,
    whose statistics that update does not move.
    """
    g, d = gan.generator, gan.discriminator
    g_tv, g_ntv, d_tv, d_ntv = state
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    ones, zeros = ops.ones((len(real), 1)), ops.zeros((len(real), 1))
    for _ in range(gan.d_steps):
        noise = keras.random.normal((len(real), gan.latent_dim), seed=gan.seed_generator)
        fake, moved = g.stateless_call(g_tv, g_ntv, noise, training=True)
        fake = ops.convert_to_tensor(ops.convert_to_numpy(fake))

        def d_loss(tv, d_ntv=d_ntv, fake=fake):
            real_scores, ntv = d.stateless_call(tv, d_ntv, real, training=True)
            fake_scores, ntv = d.stateless_call(tv, ntv, fake, training=True)
            return bce(ones, real_scores) + bce(zeros, fake_scores), ntv

        d_grads = gradient(lambda tv: d_loss(tv)[0], d_tv)
        d_ntv = values(d_loss(d_tv)[1])
        d_tv = [v - LR * grad for v, grad in zip(d_tv, d_grads)]
    g_ntv_before, g_ntv = g_ntv, values(moved)

    def g_loss(tv):
        fake, _ = g.stateless_call(tv, g_ntv_before, noise, training=True)
        scores, _ = d.stateless_call(d_tv, d_ntv, fake, training=True)
        return bce(ones, scores)

    g_grads = gradient(g_loss, g_tv)
    g_tv = [v - LR * grad for v, grad in zip(g_tv, g_grads)]
    return g_tv, g_ntv, d_tv, d_ntv


@pytest.mark.parametrize("d_steps", [1, 2])
def test_step_equals_a_hand_written_reference(d_steps):
    """Fitted (jitted by default on JAX) against the algorithm written out eagerly.

    SGD, not Adam: Adam turns the float noise in the near-zero gradients of biases
    feeding BatchNorm into full-size steps.
    """
    x = images(16)
    gan = build(d_steps)
    gan.fit(x, batch_size=8, epochs=1, verbose=0, shuffle=False)

    ref = build(d_steps)
    g, d = ref.generator, ref.discriminator
    state = [
        values(variables)
        for variables in (
            g.trainable_variables,
            g.non_trainable_variables,
            d.trainable_variables,
            d.non_trainable_variables,
        )
    ]
    for i in range(2):
        state = reference_step(ref, ops.convert_to_tensor(x[8 * i : 8 * (i + 1)]), state)
    fitted = (
        gan.generator.trainable_variables,
        gan.generator.non_trainable_variables,
        gan.discriminator.trainable_variables,
        gan.discriminator.non_trainable_variables,
    )
    for variables, expected in zip(fitted, state):
        for variable, value in zip(variables, expected):
            np.testing.assert_allclose(
                ops.convert_to_numpy(variable),
                ops.convert_to_numpy(value),
                rtol=1e-5,
                atol=1e-6,
                err_msg=variable.path,
            )


def test_generator_update_leaves_the_discriminator_as_its_update_left_it():
    """The discriminator update is the default step's (same noise, same batch); the
    generator update, frozen discriminator and all, changes none of its variables,
    BatchNorm statistics included. The generator's statistics move once, in the pass
    that made the batch: the default step moves them once too, on other noise."""
    x = images(8)
    after = {}
    for reuse in (False, True):
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        gan = keras_gan.GAN(dense_generator(), dense_discriminator(dropout=0), seed=3)
        gan.compile(keras.optimizers.SGD(LR), keras.optimizers.SGD(LR), reuse_fakes=reuse)
        g_stats = values(gan.generator.non_trainable_variables)
        noise = keras.random.normal((8, gan.latent_dim), seed=keras.random.SeedGenerator(3))
        _, moved_once = gan.generator.stateless_call(
            values(gan.generator.trainable_variables), g_stats, noise, training=True
        )
        gan.fit(x, batch_size=8, epochs=1, verbose=0)
        after[reuse] = snapshot(gan.discriminator)
    assert changed(after[False], after[True]) == []
    # The step's first draw is the reused batch's noise: its statistics, moved once.
    for variable, value in zip(gan.generator.non_trainable_variables, moved_once):
        np.testing.assert_allclose(
            ops.convert_to_numpy(variable), ops.convert_to_numpy(value), rtol=1e-6, atol=1e-7
        )


def test_generator_trains_with_one_pass_and_differs_from_the_default():
    def run(reuse):
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        gan = keras_gan.GAN(dense_generator(), dense_discriminator(dropout=0), seed=3)
        gan.compile("sgd", "sgd", reuse_fakes=reuse)
        gan.fit(images(16), batch_size=8, epochs=1, verbose=0, shuffle=False)
        return snapshot(gan.generator.trainable_variables)

    assert changed(run(False), run(True)) != []


@pytest.mark.parametrize("kind", ["plain", "conditional"])
def test_reloaded_gan_continues_training_identically(kind, tmp_path):
    if kind == "conditional":
        g, d = conditional_pair()
        gan = keras_gan.ConditionalGAN(g, d, num_classes=3, ema_decay=0.9)
        data = (images(16), np.arange(16) % 3)
    else:
        gan = keras_gan.GAN(dense_generator(), dense_discriminator(dropout_seed=7), ema_decay=0.9)
        data = (images(16),)
    gan.compile(
        keras.optimizers.Adam(1e-2),
        keras.optimizers.Adam(1e-2),
        loss="wasserstein",
        d_steps=2,
        gradient_penalty=1.0,
        reuse_fakes=True,
    )

    def fit(model):
        history = model.fit(*data, batch_size=8, epochs=1, verbose=0, shuffle=False)
        assert np.all(np.isfinite(list(history.history.values())))

    fit(gan)
    gan.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras")
    assert restored.reuse_fakes is True
    assert int(restored.g_optimizer.iterations) == 2
    fit(gan)
    fit(restored)
    assert changed(training_state(gan), training_state(restored)) == []


def test_a_float16_generator_update_that_overflows_is_skipped():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        gan = keras_gan.GAN(dense_generator(), dense_discriminator())
        # The generator's loss is scaled before it is pulled back: a scale of 2**60
        # overflows float16 gradients and the update is skipped.
        g_optimizer = keras.optimizers.LossScaleOptimizer(
            keras.optimizers.Adam(1e-3), initial_scale=2.0**60
        )
        gan.compile(keras.optimizers.Adam(1e-3), g_optimizer, reuse_fakes=True)
        before = snapshot(gan.generator.trainable_variables)
        history = gan.fit(images(16), batch_size=8, epochs=1, verbose=0)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert all(np.all(np.isfinite(v)) for v in history.history.values())
    assert changed(before, snapshot(gan.generator.trainable_variables)) == []
    assert float(ops.convert_to_numpy(g_optimizer.dynamic_scale)) < 2.0**60


def test_bfloat16_updates_match_float32_within_bfloat16_precision():
    """Two steps under `mixed_bfloat16` move every weight as the same steps in float32
    do, to within bfloat16's precision (8 significant bits, a few roundings deep)."""

    def updates(policy):
        keras.backend.clear_session()  # which resets the policy: set after
        keras.mixed_precision.set_global_policy(policy)
        keras.utils.set_random_seed(0)
        try:
            gan = make()
            assert gan.generator.compute_dtype == policy.removeprefix("mixed_")
            networks = (gan.generator, gan.discriminator)
            before = [snapshot(n.trainable_variables) for n in networks]
            gan.fit(images(16), batch_size=8, epochs=1, verbose=0, shuffle=False)
            after = [snapshot(n.trainable_variables) for n in networks]
        finally:
            keras.mixed_precision.set_global_policy("float32")
        return [
            np.concatenate([(a[path] - b[path]).ravel() for path in b])
            for a, b in zip(after, before)
        ]

    # Per network, the relative error of the whole update: bfloat16 rounds each
    # activation and gradient to 8 bits, about 1% (generator) and 5% (discriminator) here.
    for expected, value in zip(updates("float32"), updates("mixed_bfloat16")):
        assert np.linalg.norm(expected) > 1e-3
        assert np.linalg.norm(value - expected) / np.linalg.norm(expected) < 0.1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"reuse_fakes": 1}, "Expected `reuse_fakes` to be True or False. Received: reuse_f"),
        (
            {"reuse_fakes": True, "update": "simultaneous"},
            "Expected `update='alternating'` with `reuse_fakes=True`.*Received: update='sim",
        ),
    ],
)
def test_reuse_fakes_is_checked(kwargs, message):
    gan = keras_gan.GAN(dense_generator(), dense_discriminator())
    with pytest.raises(ValueError, match=message):
        gan.compile("adam", "adam", **kwargs)


def test_command_line_flag():
    parser = cli.build_parser()
    assert parser.parse_args(["train", "--reuse-fakes"]).reuse_fakes is True
    assert parser.parse_args(["train"]).reuse_fakes is False
