"""DCGAN builders and the in-process classifiers behind the digits metrics."""

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan import architectures
from keras_gan.datasets import load_digits


@pytest.mark.parametrize("image_shape", [(8, 8, 1), (28, 28, 1), (32, 32, 3), (64, 48, 3)])
def test_dcgan_pair_fits_together(image_shape):
    generator = architectures.dcgan_generator(image_shape, latent_dim=5, width=4)
    discriminator = architectures.dcgan_discriminator(image_shape, width=4)
    assert generator.output_shape == (None, *image_shape)
    assert discriminator.output_shape == (None, 1)
    gan = keras_gan.GAN(generator, discriminator)
    samples = gan.generate(3, seed=0)
    assert samples.shape == (3, *image_shape)
    assert np.all(np.abs(samples) <= 1.0)


@pytest.mark.parametrize("dense_layers", [0, 1, 3])
def test_generator_dense_trunk(dense_layers):
    generator = architectures.dcgan_generator(
        (8, 8, 1), latent_dim=5, width=4, dense_layers=dense_layers, dense_units=7
    )
    dense = [layer for layer in generator.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [7] * dense_layers + [4 * 4 * 8]
    assert generator.output_shape == (None, 8, 8, 1)


def test_same_seed_gives_same_initial_weights():
    first = architectures.dcgan_generator((8, 8, 1), width=4, seed=3).get_weights()
    second = architectures.dcgan_generator((8, 8, 1), width=4, seed=3).get_weights()
    other = architectures.dcgan_generator((8, 8, 1), width=4, seed=4).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


@pytest.mark.parametrize("image_shape", [(7, 7, 1), (9, 9, 1), (8, 8), (100, 100, 3)])
def test_unsupported_image_shapes_raise(image_shape):
    with pytest.raises(ValueError, match="Expected an image"):
        architectures.dcgan_generator(image_shape)


def test_train_classifier_is_deterministic_for_a_seed():
    images, labels = load_digits("train", max_samples=128)
    first = architectures.train_classifier(images, labels, epochs=2, seed=1)
    second = architectures.train_classifier(images, labels, epochs=2, seed=1)
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_digits_classifier_is_accurate_and_exposes_its_features():
    classifier = architectures.digits_classifier()
    test_images, test_labels = load_digits("test")
    probabilities = classifier.predict(test_images, verbose=0)
    assert np.mean(probabilities.argmax(axis=1) == test_labels) > 0.95
    features = architectures.feature_extractor(classifier).predict(test_images, verbose=0)
    assert features.shape == (len(test_images), 64)
    assert np.all(np.abs(features) <= 1.0)  # tanh: a bounded scale for the KID kernel


def test_one_class_labels_raise():
    with pytest.raises(ValueError, match="Expected labels of at least 2 classes"):
        architectures.train_classifier(np.zeros((4, 8, 8, 1)), np.zeros(4, dtype="int32"))


def test_feature_extractor_needs_a_features_layer():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="logits")])
    with pytest.raises(ValueError, match="Expected a classifier with a layer named 'features'"):
        architectures.feature_extractor(model)


@pytest.mark.parametrize("side, channels", [(32, 1), (64, 3), (128, 3)])
def test_dcgan_presets_fit_together_and_stay_the_same_size(side, channels):
    generator, discriminator = architectures.dcgan_preset((side, side), channels)
    assert generator.input_shape == (None, 128)
    assert generator.output_shape == (None, side, side, channels)
    assert discriminator.input_shape == (None, side, side, channels)
    assert discriminator.output_shape == (None, 1)
    # Every preset narrows to 512 channels at 4x4: similar sizes at every resolution.
    assert 3.7e6 < generator.count_params() < 4.0e6
    assert 2.7e6 < discriminator.count_params() < 2.9e6
    dense = [layer for layer in generator.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [4 * 4 * 512]  # the projection only


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(image_size=48), r"Expected an image size with a DCGAN preset: 32, 64, 128"),
        (dict(image_size=(64, 32)), r"preset.*Received: image_size=\(64, 32\)"),
        (dict(image_size=True), r"preset.*Received: image_size=True"),
        (dict(image_size=32, channels=4), r"Expected `channels` to be 1 .*channels=4"),
    ],
)
def test_dcgan_preset_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        architectures.dcgan_preset(**kwargs)


def _spectral_norms(model):
    norms = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.SpectralNormalization):
            kernel = keras.ops.convert_to_numpy(layer.kernel)
            norms.append(np.linalg.norm(kernel.reshape(-1, kernel.shape[-1]), 2))
    return norms


def test_spectral_norm_bounds_every_layer_of_the_discriminator():
    x = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    plain = architectures.dcgan_discriminator(width=8, seed=0)
    normed = architectures.dcgan_discriminator(width=8, spectral_norm=True, seed=0)
    assert normed.output_shape == plain.output_shape == (None, 1)
    assert len(normed.weights) > len(plain.weights)  # the power-iteration vectors
    assert max(_spectral_norms(normed)) > 1.2  # not normalized before training calls
    for _ in range(20):
        normed(x, training=True)
    assert len(_spectral_norms(normed)) == 3  # two convolutions and the dense layer
    assert max(_spectral_norms(normed)) < 1.05


def test_projection_discriminator_shapes_projection_and_round_trip(tmp_path):
    d = architectures.projection_discriminator((8, 8, 1), num_classes=3, width=4, seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    labels = np.array([[0], [1], [2], [0]], "int32")
    for _ in range(3):
        d([x, labels], training=True)
    scores = keras.ops.convert_to_numpy(d([x, labels]))
    assert scores.shape == (4, 1)
    # The class enters through <embed(y), phi(x)> only: other labels, other scores.
    other = keras.ops.convert_to_numpy(d([x, (labels + 1) % 3]))
    assert not np.allclose(scores, other)
    d.save(tmp_path / "d.keras")
    restored = keras.models.load_model(tmp_path / "d.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(restored([x, labels])), scores, atol=1e-6)
    g = architectures.dcgan_generator((8, 8, 1), 4, width=4, dense_layers=0)
    noise, y = keras.Input((4,)), keras.Input((1,), dtype="int32")
    embedded = keras.layers.Flatten()(keras.layers.Embedding(3, 4)(y))
    generator = keras.Model([noise, y], g(keras.layers.Add()([noise, embedded])))
    keras_gan.ConditionalGAN(generator, d, num_classes=3)  # fits ConditionalGAN


def test_spectral_norm_discriminator_trains_in_a_gan_on_every_backend():
    # Keras' own layer writes its kernel in place on each call, which PyTorch's
    # autograd refuses between the discriminator's two calls in one step.
    g = architectures.dcgan_generator((8, 8, 1), 8, width=8, dense_layers=0, seed=0)
    d = architectures.dcgan_discriminator((8, 8, 1), width=8, spectral_norm=True, seed=1)
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2), r1_penalty=1.0)
    x = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
    history = gan.fit(x, batch_size=8, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["d_loss"]))
    # Kept normalized while trained: each training call stores the normalized kernel,
    # which the last Adam update then moved (by about 1e-2 a weight).
    assert max(_spectral_norms(d)) < 1.3


@pytest.mark.skipif(keras.config.backend() != "torch", reason="the PyTorch path")
def test_spectral_norm_on_torch_differentiates_as_keras_does_on_tensorflow():
    # Two training calls, then one gradient: each call uses the kernel normalized at
    # that call, and the gradient reaches the kernel as if the normalized value were
    # the kernel itself (the assignment is not differentiated, as on TensorFlow).
    import torch

    layer = keras_gan.layers.SpectralNormalization(
        keras.layers.Dense(3, use_bias=False, kernel_initializer="glorot_uniform")
    )
    rng = np.random.default_rng(0)
    x1, x2 = (rng.normal(size=(5, 4)).astype("float32") for _ in range(2))
    layer.build((None, 4))
    kernel0 = keras.ops.convert_to_numpy(layer.kernel)
    u = keras.ops.convert_to_numpy(layer.vector_u)

    def normalized(w, u):
        v = u @ w.T
        v = v / np.linalg.norm(v)
        u = v @ w
        u = u / np.linalg.norm(u)
        return w / (v @ w @ u.T).item(), u

    kernel1, u = normalized(kernel0, u)
    kernel2, u = normalized(kernel1, u)
    loss = torch.sum(layer(x1, training=True) ** 2) + torch.sum(layer(x2, training=True) ** 2)
    (gradient,) = torch.autograd.grad(loss, [layer.kernel.value])
    expected = 2 * x1.T @ (x1 @ kernel1) + 2 * x2.T @ (x2 @ kernel2)
    np.testing.assert_allclose(gradient.numpy(), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.kernel), kernel2, rtol=1e-5)


def _normalized(w, u):
    """One power iteration from `u`; returns `(w / sigma, new u)` (Miyato et al., 2018)."""
    v = u @ w.T
    v = v / np.linalg.norm(v)
    u = v @ w
    u = u / np.linalg.norm(u)
    return w / (v @ w @ u.T).item(), u


@pytest.mark.parametrize("r1", [0.0, 2.0])
def test_spectral_norm_trains_the_discriminator_alike_on_every_backend(r1):
    # The layer's documented semantics, those of Keras' layer on TensorFlow: each
    # training call stores the normalized kernel and uses it, and the gradient reaches
    # the kernel as if that value were the kernel itself (the normalization is not
    # differentiated). Three SGD discriminator updates of a linear discriminator,
    # D(x) = <W, x>, against NumPy; the step calls D on the real batch, then on the fake,
    # then (with R1) once more, without keeping its updates, for the penalty ||W3||^2.
    from model_zoo import dense_generator

    from keras_gan.backend import run_eagerly

    layer = keras_gan.layers.SpectralNormalization(keras.layers.Dense(1, use_bias=False))
    inputs = keras.Input((4, 4, 1))
    d = keras.Model(inputs, layer(keras.layers.Flatten()(inputs)))
    gan = keras_gan.GAN(dense_generator(), d, seed=0)
    lr = 0.5
    gan.compile(keras.optimizers.SGD(lr), keras.optimizers.SGD(lr), r1_penalty=r1)
    rng = np.random.default_rng(0)
    real, fake = (rng.uniform(-1, 1, (6, 4, 4, 1)).astype("float32") for _ in range(2))
    w = keras.ops.convert_to_numpy(layer.kernel).astype("float64")
    u = keras.ops.convert_to_numpy(layer.vector_u).astype("float64")
    x_real, x_fake = real.reshape(6, -1).astype("float64"), fake.reshape(6, -1).astype("float64")

    def sigmoid(t):
        return 1 / (1 + np.exp(-t))

    real_t, fake_t = keras.ops.convert_to_tensor(real), keras.ops.convert_to_tensor(fake)
    for _ in range(3):
        run_eagerly(gan, lambda: gan._discriminator_update(real_t, None, fake=fake_t))
        # loss = mean(softplus(-x_real @ w1)) + mean(softplus(x_fake @ w2))
        w1, u = _normalized(w, u)
        w2, u = _normalized(w1, u)
        gradient = x_real.T @ -sigmoid(-x_real @ w1) / len(x_real) + x_fake.T @ sigmoid(
            x_fake @ w2
        ) / len(x_fake)
        w3, _ = _normalized(w2, u)
        gradient = gradient + 0.5 * r1 * 2 * w3
        w = w2 - lr * gradient
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.kernel), w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.vector_u), u, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(keras.config.backend() != "torch", reason="refused on PyTorch only")
def test_keras_spectral_norm_is_refused_on_torch_naming_the_replacement():
    g = architectures.dcgan_generator((8, 8, 1), 8, width=8, dense_layers=0, seed=0)
    images = keras.Input((8, 8, 1))
    x = keras.layers.SpectralNormalization(keras.layers.Conv2D(4, 3))(images)
    d = keras.Model(images, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    with pytest.raises(ValueError, match=r"keras_gan\.layers\.SpectralNormalization"):
        keras_gan.GAN(g, d)


def test_the_spectral_norm_layer_round_trips(tmp_path):
    d = architectures.dcgan_discriminator((8, 8, 1), width=4, spectral_norm=True, seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    d(x, training=True)
    d.save(tmp_path / "d.keras")
    restored = keras.models.load_model(tmp_path / "d.keras")
    assert any(isinstance(la, keras_gan.layers.SpectralNormalization) for la in restored.layers)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(restored(x)), keras.ops.convert_to_numpy(d(x)), atol=1e-6
    )
