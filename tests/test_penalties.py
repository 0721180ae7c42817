"""R1/R2 penalties: values by hand, lazy weighting, logging, errors."""

import keras
import numpy as np
import pytest
from keras import layers
from model_zoo import conditional_pair
from model_zoo import dense_generator
from model_zoo import images

import keras_gan
from keras_gan import penalties


def linear_discriminator(weights):
    """`D(x) = <w, x> + 0.3`: its input gradient is `w` for every sample."""
    x = inputs = keras.Input(weights.shape)
    x = layers.Flatten()(x)
    dense = layers.Dense(1, bias_initializer=keras.initializers.Constant(0.3))
    x = dense(x)
    model = keras.Model(inputs, x)
    dense.kernel.assign(weights.reshape(-1, 1))
    return model


def test_squared_gradient_norm_by_hand():
    w = images(1)[0]
    critic = linear_discriminator(w)
    value = penalties.squared_gradient_norm(lambda t: critic(t)[:, 0], keras.ops.array(images(5)))
    assert float(keras.ops.convert_to_numpy(value)) == pytest.approx(np.sum(w**2), rel=1e-5)


def test_squared_gradient_norm_by_finite_differences():
    x = images(3, (2, 2, 1), seed=4).astype("float64")

    def critic_np(t):
        return np.tanh(t.reshape(len(t), -1) @ np.arange(1.0, 5.0)) ** 2

    def critic(t):
        flat = keras.ops.reshape(t, (keras.ops.shape(t)[0], -1))
        weights = keras.ops.arange(1.0, 5.0, dtype=t.dtype)
        return keras.ops.tanh(keras.ops.sum(flat * weights, axis=1)) ** 2

    eps, grads = 1e-6, np.zeros_like(x)
    for index in np.ndindex(x.shape[1:]):
        step = np.zeros_like(x)
        step[(slice(None), *index)] = eps
        grads[(slice(None), *index)] = (critic_np(x + step) - critic_np(x - step)) / (2 * eps)
    expected = np.mean(np.sum(grads.reshape(3, -1) ** 2, axis=1))
    value = penalties.squared_gradient_norm(critic, keras.ops.array(x.astype("float32")))
    assert float(keras.ops.convert_to_numpy(value)) == pytest.approx(expected, rel=1e-3)


def test_lazy_weight_applies_on_every_kth_update_times_k():
    weights = [
        float(keras.ops.convert_to_numpy(penalties.lazy_weight(0.5, 3, i))) for i in range(7)
    ]
    assert weights == [1.5, 0, 0, 1.5, 0, 0, 1.5]
    assert penalties.lazy_weight(0.5, 1, 5) == 0.5


@pytest.mark.parametrize("every", [1, 2])
def test_r1_and_r2_in_the_discriminator_loss_on_the_right_steps(every):
    # A frozen linear discriminator (learning rate 0): its input gradient is w, so each
    # penalty is ||w||^2 and the loss carries gamma / 2 * every * ||w||^2 on the
    # penalized updates only.
    w = images(1)[0]
    generator, discriminator = dense_generator(batch_norm=False), linear_discriminator(w)
    losses = {}
    for r1, r2 in ((0.0, 0.0), (0.4, 0.2)):
        gan = keras_gan.GAN(generator, discriminator, seed=1)
        gan.compile(
            keras.optimizers.SGD(0.0),
            keras.optimizers.SGD(0.0),
            r1_penalty=r1,
            r2_penalty=r2,
            penalty_every=every,
        )
        logs = []
        for _ in range(4):
            gan.reset_metrics()
            logs.append(gan.train_on_batch(images(8), return_dict=True))
        losses[r1] = logs
    norm = np.sum(w**2)
    for step, (plain, penalized) in enumerate(zip(losses[0.0], losses[0.4])):
        assert penalized["r1_penalty"] == pytest.approx(norm, rel=1e-4)
        assert penalized["r2_penalty"] == pytest.approx(norm, rel=1e-4)
        expected = (0.4 + 0.2) / 2 * every * norm if step % every == 0 else 0.0
        assert penalized["d_loss"] - plain["d_loss"] == pytest.approx(expected, abs=1e-4)
    assert "r1_penalty" not in losses[0.0][0]


def test_finite_when_the_gradient_is_zero():
    w = np.zeros((4, 4, 1), "float32")
    gan = keras_gan.GAN(dense_generator(), linear_discriminator(w))
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), r1_penalty=1.0)
    history = gan.fit(images(8), batch_size=8, epochs=1, verbose=0)
    assert history.history["r1_penalty"] == [0.0]
    assert all(np.isfinite(keras.ops.convert_to_numpy(v)).all() for v in gan.weights)


def test_r1_on_a_quadratic_discriminator_by_hand():
    # `D(x) = sum_j a_j x_j^2` has the input gradient `2 a x`, different for each real
    # sample: R1 = mean_i sum_j (2 a_j x_ij)^2 over the real batch, and the
    # discriminator loss grows by gamma / 2 * R1 over the same step without it (same
    # seed, same noise; learning rates 0 keep the networks fixed).
    a = images(1, seed=3)[0]
    x = images(8, seed=5)
    inputs = keras.Input(a.shape)
    squares = layers.Lambda(keras.ops.square)(layers.Flatten()(inputs))
    dense = layers.Dense(1, use_bias=False)
    discriminator = keras.Model(inputs, dense(squares))
    dense.kernel.assign(a.reshape(-1, 1))
    expected = np.mean(np.sum((2 * a * x).reshape(8, -1) ** 2, axis=1))
    generator, logs = dense_generator(batch_norm=False), {}
    for gamma in (0.0, 0.6):
        gan = keras_gan.GAN(generator, discriminator, seed=1)
        gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0), r1_penalty=gamma)
        logs[gamma] = gan.train_on_batch(x, return_dict=True)
    assert logs[0.6]["r1_penalty"] == pytest.approx(expected, rel=1e-5)
    assert logs[0.6]["d_loss"] - logs[0.0]["d_loss"] == pytest.approx(0.3 * expected, rel=1e-4)


def test_conditional_gan_logs_r1_and_r2():
    # `D(x, y) = <w, x> + e_y`: the gradient with respect to the samples is `w`, whatever
    # the label, so R1 = R2 = ||w||^2.
    w = images(1)[0]
    samples, labels = keras.Input(w.shape), keras.Input((1,), dtype="int32")
    dense = layers.Dense(1)
    score = layers.Add()(
        [dense(layers.Flatten()(samples)), layers.Flatten()(layers.Embedding(3, 1)(labels))]
    )
    discriminator = keras.Model([samples, labels], score)
    dense.kernel.assign(w.reshape(-1, 1))
    cgan = keras_gan.ConditionalGAN(conditional_pair()[0], discriminator, num_classes=3)
    cgan.compile(
        keras.optimizers.SGD(0.0),
        keras.optimizers.SGD(0.0),
        r1_penalty=1.0,
        r2_penalty=1.0,
        penalty_every=2,
    )
    history = cgan.fit(images(8), np.arange(8) % 3, batch_size=4, epochs=1, verbose=0)
    assert history.history["r1_penalty"][0] == pytest.approx(np.sum(w**2), rel=1e-5)
    assert history.history["r2_penalty"][0] == pytest.approx(np.sum(w**2), rel=1e-5)


@pytest.mark.parametrize("penalty", ["r1_penalty", "r2_penalty", "gradient_penalty"])
def test_augmentation_draws_inside_a_penalty_advance_the_seed(penalty):
    """Each augmented discriminator call draws anew, the penalty's included: with a
    penalty a step makes 4 augmented calls (real, fake, generator update, penalty)
    against 3, so the augmentation seed advances 4/3 as far (on JAX too, where the
    penalty's gradient runs in a scope of its own)."""

    def draws(**penalties):
        gan = keras_gan.GAN(dense_generator(), linear_discriminator(np.ones((4, 4, 1), "f4")))
        gan.compile(
            keras.optimizers.Adam(1e-3),
            keras.optimizers.Adam(1e-3),
            augment="diffaugment",
            **penalties,
        )
        state = gan.augmenter.seed_generator.state
        before = keras.ops.convert_to_numpy(state).astype("int64")
        gan.fit(images(8), batch_size=8, epochs=1, verbose=0)
        return int((keras.ops.convert_to_numpy(state).astype("int64") - before).sum())

    plain, penalized = draws(), draws(**{penalty: 1.0})
    assert plain > 0
    assert 3 * penalized == 4 * plain


def test_bad_values_are_reported():
    gan = keras_gan.GAN(dense_generator(), linear_discriminator(images(1)[0]))
    adam = keras.optimizers.Adam
    with pytest.raises(ValueError, match="Expected `r1_penalty` to be a finite float >= 0"):
        gan.compile(adam(), adam(), r1_penalty=-1.0)
    with pytest.raises(ValueError, match="Received: r2_penalty='x'"):
        gan.compile(adam(), adam(), r2_penalty="x")
    with pytest.raises(ValueError, match="Expected `penalty_every` to be an integer >= 1"):
        gan.compile(adam(), adam(), penalty_every=0)


def test_evaluate_and_validation_report_r1_and_r2():
    # `D(x) = <w, x> + b` has the input gradient `w` everywhere: R1 = R2 = ||w||^2.
    w = images(1)[0]
    g, d = dense_generator(), linear_discriminator(w)
    plain = keras_gan.GAN(g, d, seed=0)
    plain.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(
        keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), r1_penalty=2.0, r2_penalty=3.0
    )
    logs = gan.evaluate(images(8), batch_size=8, verbose=0, return_dict=True)
    assert logs["r1_penalty"] == pytest.approx(np.sum(w**2), rel=1e-5)
    assert logs["r2_penalty"] == pytest.approx(np.sum(w**2), rel=1e-5)
    # The same noise (the same seed) without the penalties: d_loss differs by them only.
    base = plain.evaluate(images(8), batch_size=8, verbose=0, return_dict=True)
    assert logs["d_loss"] - base["d_loss"] == pytest.approx(0.5 * 5.0 * np.sum(w**2), rel=1e-4)
    assert logs["g_loss"] == pytest.approx(base["g_loss"], rel=1e-5)

    history = gan.fit(
        images(8), batch_size=8, epochs=1, verbose=0, validation_data=(images(8, seed=1),)
    )
    trained = keras.ops.convert_to_numpy(d.layers[-1].kernel)
    for name in ("val_r1_penalty", "val_r2_penalty"):
        assert history.history[name][0] == pytest.approx(np.sum(trained**2), rel=1e-5)


@pytest.mark.parametrize("penalty", ["r1_penalty", "r2_penalty", "gradient_penalty"])
def test_jit_compile_with_a_penalty(penalty):
    # On PyTorch, torch.compile cannot take the penalty's gradient of a gradient: refused
    # at compile; XLA (TensorFlow, JAX) can. The linear discriminator's input gradient is
    # `w` everywhere: R1 = R2 = ||w||^2 and WGAN-GP's (||w|| - 1)^2.
    w = images(1)[0]
    gan = keras_gan.GAN(dense_generator(), linear_discriminator(w))
    sgd = keras.optimizers.SGD
    if keras.config.backend() == "torch":
        message = (
            r"Expected `jit_compile=False` \(the default on PyTorch\) with a gradient penalty"
            r".*torch\.compile \(aot_autograd\) does not support\. Received: "
            rf"jit_compile=True with {penalty}=1\.0"
        )
        with pytest.raises(ValueError, match=message):
            gan.compile(sgd(0.0), sgd(0.0), jit_compile=True, **{penalty: 1.0})
        gan.compile(sgd(0.0), sgd(0.0), jit_compile=True, run_eagerly=True, **{penalty: 1.0})
        assert not gan.jit_compile
    jit = keras.config.backend() != "torch"
    gan.compile(sgd(0.0), sgd(0.0), jit_compile=jit, **{penalty: 1.0})
    history = gan.fit(images(8), batch_size=8, epochs=1, verbose=0)
    norm = np.sqrt(np.sum(w.astype("float64") ** 2))
    expected = (norm - 1.0) ** 2 if penalty == "gradient_penalty" else norm**2
    assert history.history[penalty][0] == pytest.approx(expected, rel=1e-5)
