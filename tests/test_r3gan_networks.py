"""The R3GAN generator and discriminator, and their low-pass resampling layers."""

import math

import keras
import numpy as np
import pytest
from scipy import signal

import keras_gan
from keras_gan import architectures
from keras_gan import introspection
from keras_gan.r3gan_layers import GenerativeBasis
from keras_gan.r3gan_layers import GroupedConv2D
from keras_gan.r3gan_layers import LowPassDownsample2D
from keras_gan.r3gan_layers import LowPassUpsample2D
from keras_gan.r3gan_layers import grouped_conv_by_groups

# Tiny networks: 16 channels at 4x4 (a grouped 3x3 convolution of 2 groups) and 8 above.
TINY = dict(width=[16, 8], blocks_per_stage=1)


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _noise(n, dim=64, seed=0):
    return np.random.default_rng(seed).normal(size=(n, dim)).astype("float32")


@pytest.mark.parametrize("side", [8, 16, 32])
@pytest.mark.parametrize("channels", [1, 3])
def test_output_shapes(side, channels):
    shape = (side, side, channels)
    generator = architectures.r3gan_generator(shape, 5, width=4, blocks_per_stage=1, seed=0)
    discriminator = architectures.r3gan_discriminator(shape, width=4, blocks_per_stage=1)
    images = _numpy(generator(_noise(2, 5)))
    assert images.shape == (2, *shape)
    assert np.all(np.abs(images) <= 1.0)
    assert _numpy(discriminator(images)).shape == (2, 1)


@pytest.mark.parametrize("side", [64, 128])
def test_large_sides_build(side):
    generator = architectures.r3gan_generator((side, side, 3), width=2, blocks_per_stage=1)
    discriminator = architectures.r3gan_discriminator((side, side, 3), width=2, blocks_per_stage=1)
    assert generator.output_shape == (None, side, side, 3)
    assert discriminator.output_shape == (None, 1)


def test_default_widths_halve_past_32_px():
    from keras_gan.r3gan_networks import stage_widths

    assert stage_widths(8) == [128, 128]
    assert stage_widths(128) == [128, 128, 128, 128, 64, 32]
    assert stage_widths(64, 40) == [40, 40, 40, 40, 20]
    generator = architectures.r3gan_generator((32, 32, 3))
    assert 0.3e6 < generator.count_params() < 2e6


def test_generator_ends_in_tanh_so_data_range_is_checked():
    generator = architectures.r3gan_generator((8, 8, 1), **TINY)
    assert introspection.output_range(generator)[0] == "tanh"


def test_conditional_generator_depends_on_labels():
    generator = architectures.r3gan_generator((8, 8, 3), 6, num_classes=4, seed=0, **TINY)
    assert [tuple(i.shape) for i in generator.inputs] == [(None, 6), (None, 1)]
    noise = np.repeat(_noise(1, 6), 4, axis=0)
    images = _numpy(generator([noise, np.arange(4).reshape(4, 1)]))
    assert images.shape == (4, 8, 8, 3)
    assert not np.allclose(images[0], images[1])


def test_conditional_discriminator_is_a_projection():
    discriminator = architectures.r3gan_discriminator((8, 8, 3), num_classes=4, seed=0, **TINY)
    images = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 3)).astype("float32")
    labels = np.array([[0], [1], [2], [3]])
    scores = _numpy(discriminator([images, labels]))
    assert scores.shape == (4, 1)
    features_model = keras.Model(discriminator.inputs, discriminator.get_layer("features").output)
    features = _numpy(features_model([images, labels]))
    embeddings = _numpy(discriminator.get_layer("class_embedding").embeddings)
    expected = np.sum(features * embeddings[labels[:, 0]], axis=1, keepdims=True)
    np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-6)


def _residual_adds(model):
    return [layer for layer in model.layers if layer.name.endswith("_add")]


@pytest.mark.parametrize("conditional", [False, True])
def test_every_block_starts_as_the_identity(conditional):
    kwargs = dict(
        num_classes=3 if conditional else None, seed=0, width=[16, 8, 8], blocks_per_stage=1
    )
    generator = architectures.r3gan_generator((16, 16, 3), 5, **kwargs)
    discriminator = architectures.r3gan_discriminator((16, 16, 3), **kwargs)
    labels = np.array([[0], [2]])
    for model, data in [
        (generator, _noise(2, 5)),
        (discriminator, np.random.default_rng(1).uniform(-1, 1, (2, 16, 16, 3))),
    ]:
        adds = _residual_adds(model)
        assert len(adds) == 3  # one block at each of 4x4, 8x8, 16x16
        inputs = [data, labels] if conditional else data
        for add in adds:
            probe = keras.Model(model.input, [add.input[0], add.input[1], add.output])
            block_input, residual, block_output = map(_numpy, probe(inputs))
            assert np.any(block_input != 0)
            np.testing.assert_array_equal(residual, 0.0)
            np.testing.assert_array_equal(block_output, block_input)


def test_no_normalization_layers():
    for model in [
        architectures.r3gan_generator((8, 8, 3), num_classes=3, **TINY),
        architectures.r3gan_discriminator((8, 8, 3), num_classes=3, **TINY),
    ]:
        names = [type(layer).__name__ for layer in model.layers]
        assert not [n for n in names if "Normalization" in n], names
        assert "LeakyReLU" in names


def _expected_gain(total_blocks):
    # He's gain for a leaky ReLU of slope 0.2, times L ** (-1/4) for 3 layers per block.
    return math.sqrt(2 / (1 + 0.2**2)) * total_blocks**-0.25


@pytest.mark.parametrize("blocks_per_stage", [1, 3])
def test_discriminator_init_scaling(blocks_per_stage):
    # 8 px: two stages of width 64 (expanded to 128, 8 groups of 16 channels).
    discriminator = architectures.r3gan_discriminator(
        (8, 8, 3), width=64, blocks_per_stage=blocks_per_stage, seed=0
    )
    total_blocks = 2 * blocks_per_stage
    standardized = []
    for layer in discriminator.layers:
        if layer.name.endswith(("_expand", "_grouped")):
            kernel = _numpy(layer.kernel)
            kh, kw, per_group, _ = kernel.shape
            if layer.name.endswith("_grouped"):
                assert per_group == 16
            standardized.append(kernel.ravel() * math.sqrt(kh * kw * per_group))
            np.testing.assert_array_equal(_numpy(layer.bias), 0.0)
        elif layer.name.endswith("_project"):
            np.testing.assert_array_equal(_numpy(layer.kernel), 0.0)
    assert len(standardized) == 2 * total_blocks
    std = np.concatenate(standardized).std()
    np.testing.assert_allclose(std, _expected_gain(total_blocks), rtol=0.03)
    # Layers outside the blocks: plain He-normal for a linear unit (1 / sqrt(fan_in)).
    from_image = _numpy(discriminator.get_layer("from_image").kernel)
    np.testing.assert_allclose(from_image.std() * math.sqrt(3), 1.0, rtol=0.15)


@pytest.mark.parametrize("taps", [(1, 3, 3, 1), (1, 2, 1), (1, 2, 3, 4)])
def test_low_pass_resampling_matches_numpy(taps):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 4, 3)).astype("float32")
    kernel = np.outer(taps, taps) / np.sum(taps) ** 2
    size = len(taps)
    up = _numpy(LowPassUpsample2D(taps)(x))
    down = _numpy(LowPassDownsample2D(taps)(x))
    assert up.shape == (2, 12, 8, 3) and down.shape == (2, 3, 2, 3)
    for b in range(2):
        for c in range(3):
            # Zeros after every pixel, then a true convolution with upfirdn2d's padding.
            zeros_inserted = np.kron(x[b, :, :, c], [[1, 0], [0, 0]])
            pad = ((size + 1) // 2, (size - 2) // 2)
            padded = np.pad(zeros_inserted, (pad, pad))
            expected = signal.convolve2d(padded, 4 * kernel, mode="valid")
            np.testing.assert_allclose(up[b, :, :, c], expected, rtol=1e-5, atol=1e-5)
            pad = ((size - 1) // 2, (size - 2) // 2)
            filtered = signal.convolve2d(np.pad(x[b, :, :, c], (pad, pad)), kernel, "valid")
            np.testing.assert_allclose(down[b, :, :, c], filtered[::2, ::2], rtol=1e-5, atol=1e-5)


def test_low_pass_upsampling_keeps_a_constant_image_inside():
    up = _numpy(LowPassUpsample2D()(np.full((1, 4, 4, 2), 3.0, "float32")))
    np.testing.assert_allclose(up[:, 1:-1, 1:-1], 3.0, rtol=1e-6)


@pytest.mark.parametrize("taps", [(1,), (1, -1, 1), "1331", (0, 0), (1, True)])
def test_bad_taps_raise(taps):
    with pytest.raises(ValueError, match="Expected `taps` to be a list of at least 2"):
        LowPassUpsample2D(taps)


@pytest.mark.parametrize(
    "image_shape", [(7, 7, 1), (8, 16, 3), (256, 256, 3), (8, 8), (12, 12, 3), "8x8"]
)
def test_unsupported_image_shapes_raise(image_shape):
    with pytest.raises(ValueError, match="Expected a square image shape .* Received: image_sh"):
        architectures.r3gan_generator(image_shape)
    with pytest.raises(ValueError, match="Expected a square image shape"):
        architectures.r3gan_discriminator(image_shape)


@pytest.mark.parametrize("width", [[8], [8, 8, 8], 0, [8, 0], 2.5])
def test_bad_widths_raise(width):
    with pytest.raises(ValueError, match=r"Expected `width` .* \(2 for 8x8 images: 4x4, 8x8\)"):
        architectures.r3gan_discriminator((8, 8, 1), width=width)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="Expected `blocks_per_stage` to be a positive"):
        architectures.r3gan_generator((8, 8, 1), blocks_per_stage=0)
    with pytest.raises(ValueError, match="Expected `num_classes` to be an integer >= 2"):
        architectures.r3gan_discriminator((8, 8, 1), num_classes=1)
    with pytest.raises(ValueError, match="Expected `latent_dim` to be a positive integer"):
        architectures.r3gan_generator((8, 8, 1), latent_dim=0)


def test_same_seed_gives_same_initial_weights():
    def weights(seed):
        return architectures.r3gan_discriminator((8, 8, 1), seed=seed, **TINY).get_weights()

    assert all(np.array_equal(a, b) for a, b in zip(weights(3), weights(3)))
    assert not all(np.array_equal(a, b) for a, b in zip(weights(3), weights(4)))


def test_layer_configs_round_trip():
    for layer in [
        LowPassUpsample2D([1, 2, 1]),
        LowPassDownsample2D(),
        GenerativeBasis(5, basis_initializer=keras.initializers.RandomNormal(stddev=2.0)),
    ]:
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config


def test_keras_file_round_trip(tmp_path):
    generator = architectures.r3gan_generator((8, 8, 3), 5, num_classes=3, seed=0, **TINY)
    discriminator = architectures.r3gan_discriminator((8, 8, 3), num_classes=3, seed=1, **TINY)
    # Weights off their initial values, so that a reload that re-initializes is caught.
    for model in (generator, discriminator):
        model.set_weights([w + 0.01 for w in model.get_weights()])
    inputs = {
        "generator": [_noise(2, 5), np.array([[0], [2]])],
        "discriminator": [
            np.random.default_rng(2).uniform(-1, 1, (2, 8, 8, 3)),
            np.array([[1], [0]]),
        ],
    }
    for model in (generator, discriminator):
        path = str(tmp_path / f"{model.name}.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        np.testing.assert_allclose(
            _numpy(loaded(inputs[model.name])), _numpy(model(inputs[model.name])), rtol=1e-6
        )


def _optimizers():
    return [keras.optimizers.Adam(2e-4, beta_1=0.0, beta_2=0.99) for _ in range(2)]


@pytest.mark.parametrize("conditional", [False, True])
def test_gan_trains_two_steps(conditional):
    # Adam with beta_1 0 moves each weight by the learning rate, sign(gradient) times,
    # on its first step. Step 1: every weight of both networks moves by that much but
    # the residual branches' inner layers (expand, grouped), which get no gradient
    # while the zero-initialised `project` layer after them is zero; step 2: they move.
    num_classes = 3 if conditional else None
    shape = (8, 8, 3)
    generator = architectures.r3gan_generator(shape, 8, num_classes=num_classes, seed=0, **TINY)
    discriminator = architectures.r3gan_discriminator(
        shape, num_classes=num_classes, seed=1, **TINY
    )
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (8, *shape)).astype("float32")
    if conditional:
        gan = keras_gan.ConditionalGAN(generator, discriminator, num_classes, seed=0)
        data = (images, rng.integers(0, num_classes, 8))
    else:
        gan = keras_gan.GAN(generator, discriminator, seed=0)
        data = (images,)
    gan.compile(*_optimizers())
    learning_rate = 2e-4
    weights = generator.trainable_weights + discriminator.trainable_weights
    assert not generator.non_trainable_weights and not discriminator.non_trainable_weights

    def moves():
        before = [_numpy(w).copy() for w in weights]
        history = gan.fit(*data, batch_size=8, epochs=1, verbose=0).history
        assert all(np.isfinite(history[key][-1]) for key in ("d_loss", "g_loss"))
        return {w.path: np.abs(_numpy(w) - b).max() for w, b in zip(weights, before)}

    def inner(path):
        return path.endswith(("_expand/kernel", "_expand/bias", "_grouped/kernel", "_grouped/bias"))

    first = moves()
    assert sum(map(inner, first)) == 16, list(first)
    for path, move in first.items():
        if inner(path):
            assert move == 0, path
        elif "embedding" in path:  # TensorFlow's sparse update of a repeated row differs
            assert 0 < move < 3 * learning_rate, (path, move)
        else:
            assert move == pytest.approx(learning_rate, rel=1e-3), (path, move)
    second = moves()
    assert all(second[path] > 0 for path in second), second


@pytest.mark.skipif(keras.config.backend() == "torch", reason="XLA: TensorFlow and JAX")
def test_gan_trains_under_xla():
    generator = architectures.r3gan_generator((8, 8, 1), 8, seed=0, **TINY)
    discriminator = architectures.r3gan_discriminator((8, 8, 1), seed=1, **TINY)
    gan = keras_gan.GAN(generator, discriminator, seed=0)
    gan.compile(*_optimizers(), jit_compile=True)
    images = np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1)).astype("float32")
    history = gan.fit(images, batch_size=8, epochs=1, verbose=0).history
    assert all(np.isfinite(history[key][-1]) for key in ("d_loss", "g_loss"))


def _r1_derivatives(conv, x, kernel, c):
    """`conv(x, kernel)`; the gradients of `f = sum(c * leaky_relu(conv(x, kernel)))`
    with respect to `x` and `kernel`; and the gradient with respect to `kernel` of
    `|df/dx|^2`, the double backward R1 and R2 take. NumPy arrays."""
    from keras import ops

    def f(x, kernel):
        return ops.sum(c * ops.leaky_relu(conv(x, kernel), 0.2))

    backend = keras.config.backend()
    if backend == "jax":
        import jax

        def penalty(kernel):
            return ops.sum(jax.grad(f)(x, kernel) ** 2)

        results = (
            conv(x, kernel),
            *jax.grad(f, argnums=(0, 1))(x, kernel),
            jax.grad(penalty)(kernel),
        )
    elif backend == "tensorflow":
        import tensorflow as tf

        x, kernel = tf.constant(x), tf.constant(kernel)
        with tf.GradientTape() as outer:
            outer.watch(kernel)
            with tf.GradientTape() as inner:
                inner.watch([x, kernel])
                value = f(x, kernel)
            grad_x, grad_k = inner.gradient(value, [x, kernel])
            norm = tf.reduce_sum(grad_x**2)
        results = conv(x, kernel), grad_x, grad_k, outer.gradient(norm, kernel)
    else:
        import torch

        c = torch.tensor(c)
        x = torch.tensor(x, requires_grad=True)
        kernel = torch.tensor(kernel, requires_grad=True)
        grad_x, grad_k = torch.autograd.grad(f(x, kernel), [x, kernel], create_graph=True)
        (second,) = torch.autograd.grad((grad_x**2).sum(), kernel)
        results = conv(x, kernel), grad_x, grad_k, second
    return [_numpy(r) for r in results]


def _layer_convolution(groups, padding="same", strides=1):
    layer = GroupedConv2D(8, 3, padding=padding, strides=strides, groups=groups)
    layer.build((None, 6, 6, 8))
    return layer.convolution_op


def _by_groups(groups, padding="same", strides=1):
    return lambda x, kernel: grouped_conv_by_groups(
        x, kernel, groups, padding=padding, strides=strides
    )


@pytest.mark.parametrize("make_conv", [_layer_convolution, _by_groups], ids=["layer", "by_groups"])
@pytest.mark.parametrize(
    "groups, padding, strides", [(2, "same", 1), (4, "valid", 1), (4, "same", 2)]
)
def test_grouped_conv_and_its_r1_derivatives_equal_keras_grouped_convolution(
    make_conv, groups, padding, strides
):
    # Keras' own grouped convolution (XLA on TensorFlow's CPU) is the reference: values,
    # first derivatives, and the kernel gradient of the squared input-gradient norm.
    rng = np.random.default_rng(groups)
    x = rng.normal(size=(2, 6, 6, 8)).astype("float32")
    kernel = rng.normal(size=(3, 3, 8 // groups, 8)).astype("float32")
    c = rng.normal(size=(2, 6 // strides, 6 // strides, 8)).astype("float32")
    if padding == "valid":
        c = c[:, :4, :4]

    def reference(x, kernel):
        return keras.ops.conv(x, kernel, strides, padding)

    conv = make_conv(groups, padding, strides)
    for got, expected in zip(
        _r1_derivatives(conv, x, kernel, c), _r1_derivatives(reference, x, kernel, c)
    ):
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_grouped_conv_keeps_conv2d_config_and_weights():
    # Saved files keep loading: the same config entries and weights as Keras' Conv2D.
    layer = GroupedConv2D(8, 3, padding="same", groups=4, name="g")
    reference = keras.layers.Conv2D(8, 3, padding="same", groups=4, name="g")
    for each in (layer, reference):
        each.build((None, 5, 5, 8))
    assert layer.get_config() == reference.get_config()
    assert [w.path for w in layer.weights] == [w.path for w in reference.weights]
    assert [tuple(w.shape) for w in layer.weights] == [(3, 3, 2, 8), (8,)]
