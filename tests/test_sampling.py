"""keras_gan.sampling: PNG files streamed in batches, class rows, interpolations, slerp."""

import os

import keras
import numpy as np
import pytest
from model_zoo import conditional_pair
from model_zoo import dense_generator
from PIL import Image

from keras_gan import images
from keras_gan import sampling

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def read_folder(folder):
    names = sorted(os.listdir(folder))
    return names, np.stack([np.asarray(Image.open(os.path.join(folder, n))) for n in names])


def test_write_samples_streams_one_batch_at_a_time(tmp_path, monkeypatch):
    generator = dense_generator(latent_dim=4, sample_shape=(4, 4, 1))
    out = tmp_path / "fakes"
    calls = []  # (batch size, files on disk when the batch was asked for)
    original = generator.predict_on_batch

    def spy(inputs):
        calls.append((len(inputs), len(os.listdir(out)) if out.exists() else 0))
        return original(inputs)

    monkeypatch.setattr(generator, "predict_on_batch", spy)
    sampling.write_samples(generator, 10, out, seed=3, batch_size=4, verbose=0)
    assert calls == [(4, 0), (4, 4), (2, 8)]  # each batch written before the next is made
    names, pixels = read_folder(out)
    assert names == [f"{i:06d}.png" for i in range(10)]
    assert Image.open(out / names[0]).mode == "L" and pixels.shape == (10, 4, 4)
    monkeypatch.undo()
    expected = images.to_uint8(sampling.generate(generator, 10, seed=3))[..., 0]
    np.testing.assert_array_equal(pixels, expected)


def test_the_seed_fixes_the_files_whatever_the_batch_size(tmp_path):
    generator = dense_generator(latent_dim=4, sample_shape=(2, 3, 3))
    for name, seed, batch_size in (("a", 0, 3), ("b", 0, 7), ("c", 1, 7)):
        sampling.write_samples(generator, 7, tmp_path / name, seed=seed, batch_size=batch_size)
    a, b, c = (read_folder(tmp_path / name)[1].astype(int) for name in "abc")
    assert a.shape == (7, 2, 3, 3) and Image.open(tmp_path / "a" / "000000.png").mode == "RGB"
    assert np.abs(a - b).max() <= 1  # float rounding of other batch shapes, at most
    assert np.abs(a - c).max() > 10


def test_conditional_files_name_their_class(tmp_path):
    generator, _ = conditional_pair(num_classes=3, latent_dim=4)
    sampling.write_samples(generator, 5, tmp_path / "all", num_classes=3, seed=0, verbose=0)
    names, pixels = read_folder(tmp_path / "all")
    assert names == [f"{i:06d}_class{i % 3}.png" for i in range(5)]
    noise = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    labels = (np.arange(5) % 3).reshape(5, 1)
    expected = images.to_uint8(generator.predict([noise, labels], verbose=0))[..., 0]
    assert np.abs(pixels.astype(int) - expected).max() <= 1
    sampling.write_samples(generator, 2, tmp_path / "two", num_classes=3, label=2, verbose=0)
    assert sorted(os.listdir(tmp_path / "two")) == ["000000_class2.png", "000001_class2.png"]


def test_a_saved_gan_and_its_generator_write_the_same_files(tmp_path):
    gan = keras.models.load_model(os.path.join(FIXTURES, "conditional_gan.keras"))
    sampling.write_samples(gan, 4, tmp_path / "gan", seed=5, verbose=0)
    sampling.write_samples(
        gan.sampling_generator, 4, tmp_path / "g", seed=5, num_classes=3, verbose=0
    )
    (names, a), (other_names, b) = read_folder(tmp_path / "gan"), read_folder(tmp_path / "g")
    assert names == other_names and np.array_equal(a, b)


def test_class_rows_give_each_column_one_noise():
    generator, _ = conditional_pair(num_classes=3, latent_dim=4)
    rows = sampling.class_rows(generator, 2, seed=1, num_classes=3)
    assert rows.shape == (3, 2, 4, 4, 1)
    noise = np.random.default_rng(1).standard_normal((2, 4)).astype("float32")
    for k in range(3):
        expected = generator.predict([noise, np.full((2, 1), k)], verbose=0)
        np.testing.assert_allclose(rows[k], expected, atol=1e-5)


def test_interpolate_runs_from_one_random_noise_to_another():
    generator = dense_generator(latent_dim=4, sample_shape=(4, 4, 1))
    path = sampling.interpolate(generator, rows=2, steps=5, seed=2)
    assert path.shape == (2, 5, 4, 4, 1)
    ends = np.random.default_rng(2).standard_normal((2, 2, 4)).astype("float32")
    for end, column in ((0, 0), (1, -1)):
        expected = generator.predict(ends[:, end], verbose=0)
        np.testing.assert_allclose(path[:, column], expected, atol=1e-5)
    assert np.abs(path[:, 1] - path[:, 0]).max() > 0


def test_slerp_by_hand():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    half = np.sqrt(0.5)
    np.testing.assert_allclose(
        sampling.slerp(a, b, [0, 0.5, 1]), [[1, 0], [half, half], [0, 1]], atol=1e-12
    )
    # Equal norms stay on their sphere, where a straight line dips towards the origin.
    a, b = np.random.default_rng(0).standard_normal((2, 3, 16))
    b *= np.linalg.norm(a, axis=-1, keepdims=True) / np.linalg.norm(b, axis=-1, keepdims=True)
    path = sampling.slerp(a, b, np.linspace(0, 1, 7))
    assert path.shape == (3, 7, 16)
    norms = np.linalg.norm(path, axis=-1)
    np.testing.assert_allclose(norms, np.repeat(norms[:, :1], 7, axis=1), rtol=1e-12)
    assert np.all(np.linalg.norm((a + b) / 2, axis=-1) < norms[:, 3])
    # Parallel vectors: a straight line.
    np.testing.assert_allclose(sampling.slerp(a[0], 2 * a[0], [0.5]), [1.5 * a[0]])


def test_errors(tmp_path):
    generator = dense_generator(latent_dim=4)
    conditional, _ = conditional_pair(num_classes=3)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "old.png").write_bytes(b"")
    (tmp_path / "file").write_text("")
    cases = [
        (lambda: sampling.write_samples(generator, 2, tmp_path / "full"), "holds 1 entries"),
        (lambda: sampling.write_samples(generator, 2, tmp_path / "file"), "a file"),
        (
            lambda: sampling.generate(conditional, 2, num_classes=3, label=3),
            r"Expected `label` to be a class in \[0, 3\). Received: label=3",
        ),
        (
            lambda: sampling.generate(generator, 2, label=0),
            r"Expected no label for a generator without classes .* Received: label=0",
        ),
        (
            lambda: sampling.generate(conditional, 2),
            r"Expected `num_classes` for a conditional generator .* Received: num_classes=None",
        ),
        (
            lambda: sampling.class_rows(generator, 2),
            r"Expected a conditional generator .* Received: a generator without classes",
        ),
        (
            lambda: sampling.interpolate(generator, steps=1),
            r"Expected `steps` to be an integer >= 2. Received: steps=1",
        ),
        (
            lambda: sampling.write_samples(generator, 0, tmp_path / "new"),
            r"Expected `n` to be a positive integer. Received: n=0",
        ),
        (
            lambda: sampling.write_samples(generator, 2, tmp_path / "new", batch_size=0),
            r"Expected `batch_size` to be a positive integer. Received: batch_size=0",
        ),
        (lambda: sampling.generate("gen.keras", 2), "Expected a GAN or a generator .* str"),
        (
            lambda: sampling.slerp(np.zeros(3), np.zeros(4), [0.5]),
            r"Received: a.shape=\(3,\), b.shape=\(4,\)",
        ),
    ]
    for call, match in cases:
        with pytest.raises(ValueError, match=match):
            call()
    assert os.listdir(tmp_path / "full") == ["old.png"]  # untouched
    assert not (tmp_path / "new").exists()  # checked before the folder is made
    gan = keras.models.load_model(os.path.join(FIXTURES, "conditional_gan.keras"))
    with pytest.raises(ValueError, match=r"GAN's own 3 classes .* Received: num_classes=4"):
        sampling.generate(gan, 2, num_classes=4)
