"""`gan.export`: the sampling generator as a serving artifact, reloaded and run."""

import keras
import numpy as np
import pytest
from model_zoo import conditional_pair
from model_zoo import dense_discriminator
from model_zoo import dense_generator
from model_zoo import images

import keras_gan

TORCH = keras.config.backend() == "torch"


def _export_and_reload(gan, tmp_path):
    """Exports `gan` in its backend's format; returns a function running the reloaded
    artifact on NumPy inputs."""
    if TORCH:
        import torch

        path = str(tmp_path / "generator.pt2")
        gan.export(path, format="torch", verbose=False)
        module = torch.export.load(path).module()
        to_torch = torch.as_tensor
        return lambda inputs: module(keras.tree.map_structure(to_torch, inputs)).numpy()
    import tensorflow as tf

    path = str(tmp_path / "generator")
    gan.export(path, verbose=False)
    artifact = tf.saved_model.load(path)
    return lambda inputs: artifact.serve(inputs).numpy()


def test_a_trained_gan_exports_its_sampling_generator(tmp_path):
    gan = keras_gan.GAN(dense_generator(), dense_discriminator(), ema_decay=0.5)
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    gan.fit(images(16), batch_size=8, epochs=1, verbose=0)
    serve = _export_and_reload(gan, tmp_path)
    for n in (3, 5):  # any batch size
        z = gan.sample_noise(n, seed=n)
        expected = gan.predict(z, verbose=0)  # the moving-average generator
        assert not np.allclose(expected, keras.ops.convert_to_numpy(gan.generator(z)))
        np.testing.assert_allclose(serve(z), expected, rtol=1e-5, atol=1e-6)


def test_a_trained_conditional_gan_exports_its_generator(tmp_path):
    g, d = conditional_pair()
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    cgan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    cgan.fit(images(16), np.arange(16) % 3, batch_size=8, epochs=1, verbose=0)
    serve = _export_and_reload(cgan, tmp_path)
    z = cgan.sample_noise(4, seed=0)
    labels = np.array([[2], [0], [1], [2]], "int32")
    expected = cgan.predict([z, labels], verbose=0)
    np.testing.assert_allclose(serve([z, labels]), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(TORCH, reason="a SavedModel needs torch_xla on PyTorch (.pt2: no check)")
def test_the_conditional_saved_model_refuses_labels_out_of_range(tmp_path):
    import tensorflow as tf

    g, d = conditional_pair()
    cgan = keras_gan.ConditionalGAN(g, d, num_classes=3)
    path = str(tmp_path / "generator")
    cgan.export(path, verbose=False)
    artifact = tf.saved_model.load(path)
    default = artifact.signatures["serving_default"]
    z = cgan.sample_noise(2, seed=0)
    good = np.array([[0], [2]], "int32")
    expected = cgan.predict([z, good], verbose=0)
    np.testing.assert_allclose(artifact.serve([z, good]).numpy(), expected, atol=1e-6)
    names = sorted(default.structured_input_signature[1])  # keras_tensor, keras_tensor_1
    output = default(**{names[0]: z, names[1]: good})["output_0"]
    np.testing.assert_allclose(output.numpy(), expected, atol=1e-6)
    for bad, low, high in (([[1], [3]], 1, 3), ([[-1], [0]], -1, 0)):
        match = (
            rf"Expected labels in \[0, 3\)\. Received: labels from\] \[{low}\] \[to\] \[{high}\]"
        )
        with pytest.raises(tf.errors.InvalidArgumentError, match=match):
            artifact.serve([z, np.array(bad, "int32")])
        with pytest.raises(tf.errors.InvalidArgumentError, match=match):
            default(**{names[0]: z, names[1]: np.array(bad, "int32")})


@pytest.mark.skipif(not TORCH, reason="the SavedModel needs torch_xla on PyTorch only")
def test_saved_model_on_torch_names_the_torch_format(tmp_path):
    gan = keras_gan.GAN(dense_generator(), dense_discriminator())
    with pytest.raises(ValueError, match=r"Expected format='torch' .*torch_xla.*Received: format="):
        gan.export(str(tmp_path / "generator"))
