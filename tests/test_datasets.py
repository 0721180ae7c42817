"""keras_gan.datasets: the bundled digits, keras.datasets offline, folders of images."""

import urllib.error

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import datasets
from keras_gan.datasets.image_folder import list_images


def test_digits_splits_shapes_and_range():
    train_x, train_y = datasets.load_digits("train")
    test_x, test_y = datasets.load_digits("test")
    all_x, all_y = datasets.load_digits("all")
    assert train_x.shape == (1438, 8, 8, 1) and test_x.shape == (359, 8, 8, 1)
    assert all_x.shape == (1797, 8, 8, 1)
    for x, y in ((train_x, train_y), (test_x, test_y)):
        assert x.dtype == np.float32 and y.dtype == np.int32
        assert x.min() == -1.0 and x.max() == 1.0
        assert set(np.unique(y)) == set(range(10))
    # sklearn's 0..16 gray levels map to k/8 - 1.
    assert np.allclose((all_x + 1.0) * 8.0, np.round((all_x + 1.0) * 8.0))


def test_digits_split_is_disjoint_complete_stratified_and_fixed():
    from sklearn.datasets import load_digits as sklearn_digits

    raw = sklearn_digits()
    train_x, train_y = datasets.load_digits("train")
    test_x, test_y = datasets.load_digits("test")
    key = {img.astype("float32").tobytes(): i for i, img in enumerate(raw.images / 8.0 - 1.0)}
    train_ids = {key[x[..., 0].tobytes()] for x in train_x}
    test_ids = {key[x[..., 0].tobytes()] for x in test_x}
    assert not train_ids & test_ids
    assert len(train_ids | test_ids) == len(set(key.values()))
    counts = np.bincount(test_y, minlength=10) / np.bincount(raw.target, minlength=10)
    assert np.all(np.abs(counts - 0.2) < 0.02)
    again_x, again_y = datasets.load_digits("test")
    assert np.array_equal(again_x, test_x) and np.array_equal(again_y, test_y)


def test_digits_labels_match_images():
    from sklearn.datasets import load_digits as sklearn_digits

    raw = sklearn_digits()
    lookup = {
        (img / 8.0 - 1.0).astype("float32").tobytes(): t for img, t in zip(raw.images, raw.target)
    }
    x, y = datasets.load_digits("test", max_samples=50)
    assert len(x) == 50
    assert [lookup[img[..., 0].tobytes()] for img in x] == list(y)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"split": "validation"}, r"Expected `split` to be one of \('train', 'test', 'all'\)"),
        ({"max_samples": 0}, "Expected `max_samples` to be None or a positive integer"),
    ],
)
def test_digits_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        datasets.load_digits(**kwargs)


@pytest.mark.parametrize(
    "name, loader",
    [
        ("mnist", datasets.load_mnist),
        ("fashion_mnist", datasets.load_fashion_mnist),
        ("cifar10", datasets.load_cifar10),
    ],
)
@pytest.mark.parametrize(
    "error",
    [urllib.error.URLError("no route to host"), OSError("network unreachable"), Exception("x")],
)
def test_failed_download_names_the_offline_alternative(monkeypatch, name, loader, error):
    def offline():
        raise error

    monkeypatch.setattr(getattr(keras.datasets, name), "load_data", offline)
    with pytest.raises(datasets.DatasetUnavailableError, match=r"load_digits\(\)") as info:
        loader()
    assert type(error).__name__ in str(info.value)
    assert info.value.__cause__ is error


def test_keras_dataset_is_scaled_and_split(monkeypatch):
    x_train = np.array([[[0, 255], [51, 102]]] * 3, dtype="uint8")
    x_test = np.full((2, 2, 2), 255, dtype="uint8")
    fake = lambda: ((x_train, np.array([1, 2, 3])), (x_test, np.array([[4], [5]])))  # noqa: E731
    monkeypatch.setattr(keras.datasets.mnist, "load_data", fake)
    images, labels = datasets.load_mnist("train")
    assert images.shape == (3, 2, 2, 1) and images.dtype == np.float32
    assert np.allclose(images[0, :, :, 0], [[-1.0, 1.0], [-0.6, -0.2]])
    test_images, test_labels = datasets.load_mnist("test")
    assert np.all(test_images == 1.0) and test_labels.tolist() == [4, 5]
    _, all_labels = datasets.load_mnist("all", max_samples=4)
    assert all_labels.tolist() == [1, 2, 3, 4]


def write_png(path, size=(6, 5), seed=0):
    """Writes an RGB PNG with structure: a red ramp, a green ramp, a seeded blue field."""
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = size
    y, x = np.mgrid[0:height, 0:width]
    blue = np.random.default_rng(seed).integers(0, 256, (height, width))
    array = np.stack([x * 255 // (width - 1), y * 255 // (height - 1), blue], -1)
    Image.fromarray(array.astype("uint8")).save(path)
    return path


def pil_reference(path, size, mode):
    """PIL's conversion (to "RGB" or "L") and antialiased bilinear resize, in [-1, 1]."""
    with Image.open(path) as image:
        image = image.convert("RGB").convert(mode).resize(size[::-1], Image.BILINEAR)
    array = np.asarray(image, "float32").reshape(*size, -1)
    return array / 127.5 - 1.0


def test_from_directory_with_class_folders(tmp_path):
    for i in range(3):
        write_png(tmp_path / "cats" / f"{i}.png", (9, 7), seed=i)
        write_png(tmp_path / "dogs" / f"{i}.png", (5, 8), seed=10 + i)
    images, labels = datasets.from_directory(tmp_path, image_size=(4, 4), color_mode="grayscale")
    assert images.shape == (6, 4, 4, 1) and images.dtype == np.float32
    assert sorted(labels.tolist()) == [0, 0, 0, 1, 1, 1]
    files, expected_labels = list_images(tmp_path)
    assert labels.tolist() == expected_labels.tolist()
    for image, label, path in zip(images, labels, files):
        assert ("cats", "dogs")[label] in path
        np.testing.assert_allclose(image, pil_reference(path, (4, 4), "L"), atol=4 / 127.5)


def test_from_directory_flat_folder_rgb_and_split(tmp_path):
    for i in range(10):
        write_png(tmp_path / f"{i}.png", (11, 6), seed=i)
    images, labels = datasets.from_directory(tmp_path, image_size=8)
    assert images.shape == (10, 8, 8, 3) and labels.tolist() == [0] * 10
    for image, path in zip(images, list_images(tmp_path)[0]):
        np.testing.assert_allclose(image, pil_reference(path, (8, 8), "RGB"), atol=4 / 127.5)
    train, _ = datasets.from_directory(tmp_path, image_size=8, split="train")
    test, _ = datasets.from_directory(tmp_path, image_size=8, split="test")
    assert (len(train), len(test)) == (8, 2)
    via_get, _ = datasets.get(str(tmp_path), "test", image_size=(8, 8))
    assert np.array_equal(via_get, test)


def test_from_directory_errors(tmp_path):
    with pytest.raises(ValueError, match="Expected an existing folder of images"):
        datasets.from_directory(tmp_path / "missing")
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(ValueError, match="Expected a folder holding images"):
        datasets.from_directory(tmp_path)


def test_get_dispatches_by_name_and_rejects_unknown_names():
    x, y = datasets.get("digits", "test", max_samples=7)
    expected_x, expected_y = datasets.load_digits("test", max_samples=7)
    assert np.array_equal(x, expected_x) and np.array_equal(y, expected_y)
    with pytest.raises(ValueError, match=r"Expected a dataset name \(digits, mnist"):
        datasets.get("imagenet")
    with pytest.raises(ValueError, match="Expected no folder options for the named dataset"):
        datasets.get("digits", image_size=(8, 8))
