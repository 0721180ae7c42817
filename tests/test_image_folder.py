"""keras_gan.datasets.image_folder: a folder of images streamed through tf.data."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gan
from keras_gan import architectures
from keras_gan import datasets
from keras_gan.datasets.image_folder import find_damaged
from keras_gan.datasets.image_folder import list_images


def write_image(path, value, size=(6, 5), mode="RGB", format=None):
    """Writes a uniform image of `value` (0..255) at `path`; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shape = size[::-1] + ((3,) if mode == "RGB" else ())
    Image.fromarray(np.full(shape, value, dtype="uint8"), mode=mode).save(path, format=format)
    return path


def batches(dataset):
    return list(dataset.as_numpy_iterator())


def test_flat_folder_of_mixed_formats_and_sizes(tmp_path):
    files = {
        "a.png": (0, (6, 5)),
        "b.jpg": (255, (40, 30)),
        "c.bmp": (0, (8, 8)),
        "d.gif": (255, (3, 9)),
        "e.JPEG": (0, (17, 4)),
    }
    for name, (value, size) in files.items():
        write_image(tmp_path / name, value, size, format="JPEG" if "jp" in name.lower() else None)
    (tmp_path / "notes.txt").write_text("not an image, not read")
    dataset = datasets.image_folder(tmp_path, 8, batch_size=2, shuffle=False)
    assert dataset.element_spec.shape.as_list() == [None, 8, 8, 3]
    found = batches(dataset)
    assert [len(b) for b in found] == [2, 2, 1]
    images = np.concatenate(found)
    assert images.dtype == np.float32
    # Uniform images stay uniform: black is -1 and white is 1 (JPEG: within its error).
    assert sorted(np.round(images.mean(axis=(1, 2, 3)), 1).tolist()) == [-1, -1, -1, 1, 1]
    assert images.min() >= -1.0 and images.max() <= 1.0


def test_class_subfolders_give_labels_and_grayscale(tmp_path):
    for i in range(3):
        write_image(tmp_path / "cats" / f"{i}.png", 0)
        write_image(tmp_path / "dogs" / "deeper" / f"{i}.jpg", 255)
    write_image(tmp_path / "loose.png", 128)  # not read: the folder has classes
    dataset = datasets.image_folder(tmp_path, (4, 6), batch_size=4, color_mode="grayscale")
    images, labels = map(np.concatenate, zip(*batches(dataset)))
    assert images.shape == (6, 4, 6, 1) and labels.dtype == np.int32
    assert sorted(labels.tolist()) == [0, 0, 0, 1, 1, 1]
    for image, label in zip(images, labels):
        np.testing.assert_allclose(image, -1.0 if label == 0 else 1.0, atol=0.05)
    unlabelled = datasets.image_folder(tmp_path, 4, color_mode="grayscale", labels=None)
    assert unlabelled.element_spec.shape.as_list() == [None, 4, 4, 1]


def test_order_is_seeded_and_reshuffled_each_epoch(tmp_path):
    for i in range(12):
        write_image(tmp_path / f"{i:02d}.png", 20 * i, size=(2, 2))

    def order(dataset):
        return [int(round((x[0, 0, 0, 0] + 1) * 127.5 / 20)) for x in dataset.as_numpy_iterator()]

    dataset = datasets.image_folder(tmp_path, 2, batch_size=1, seed=3)
    first, second = order(dataset), order(dataset)
    assert sorted(first) == sorted(second) == list(range(12)) and first != second
    again = datasets.image_folder(tmp_path, 2, batch_size=1, seed=3)
    assert order(again) == first
    fixed = datasets.image_folder(tmp_path, 2, batch_size=1, seed=3, shuffle=False)
    assert order(fixed) == order(fixed)
    train = order(datasets.image_folder(tmp_path, 2, batch_size=1, split="train"))
    test = order(datasets.image_folder(tmp_path, 2, batch_size=1, split="test"))
    assert (len(train), len(test)) == (10, 2) and not set(train) & set(test)
    assert len(order(datasets.image_folder(tmp_path, 2, batch_size=1, max_samples=5))) == 5


def test_cache_to_disk_gives_the_same_images(tmp_path):
    for i in range(5):
        write_image(tmp_path / "images" / f"{i}.png", 50 * i)
    cache = tmp_path / "cache" / "folder"
    cache.parent.mkdir()
    plain = datasets.image_folder(tmp_path / "images", 4, shuffle=False)
    cached = datasets.image_folder(tmp_path / "images", 4, shuffle=False, cache=cache)
    for _ in range(2):  # the second epoch reads the cache
        np.testing.assert_array_equal(batches(cached)[0], batches(plain)[0])
    assert any(p.name.startswith("folder") for p in cache.parent.iterdir())


def test_files_that_are_not_images_are_refused_by_name(tmp_path):
    write_image(tmp_path / "good.png", 0)
    (tmp_path / "broken.jpg").write_bytes(b"<html>not found</html>")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ValueError, match=r"2 of 3 files are not images: .*broken.jpg.*empty.png"):
        datasets.image_folder(tmp_path)


def test_a_damaged_file_is_named_by_find_damaged(tmp_path):
    write_image(tmp_path / "good.png", 0)
    data = write_image(tmp_path / "truncated.png", 0, size=(40, 40)).read_bytes()
    (tmp_path / "truncated.png").write_bytes(data[: len(data) // 2])
    files, _ = list_images(tmp_path)
    with pytest.raises(tf.errors.InvalidArgumentError):
        batches(datasets.image_folder(tmp_path, 4))
    path, reason = find_damaged(files)
    assert path.endswith("truncated.png") and reason
    assert find_damaged([tmp_path / "good.png"]) is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(image_size=0), r"Expected `image_size` to be a positive int .*image_size=0"),
        (dict(image_size=(8, 8, 3)), r"`image_size` .*Received: image_size=\(8, 8, 3\)"),
        (dict(batch_size=0), r"Expected `batch_size` to be a positive integer"),
        (dict(color_mode="rgba"), r"Expected `color_mode` to be 'rgb' or 'grayscale'"),
        (dict(labels="int"), r"Expected `labels` to be 'inferred' or None"),
        (dict(split="valid"), r"Expected `split` to be one of"),
        (dict(max_samples=0), r"Expected `max_samples` to be None or a positive integer"),
    ],
)
def test_argument_errors(tmp_path, kwargs, match):
    write_image(tmp_path / "a.png", 0)
    with pytest.raises(ValueError, match=match):
        datasets.image_folder(tmp_path, **kwargs)


def test_folder_errors(tmp_path):
    with pytest.raises(ValueError, match="Expected an existing folder of images"):
        datasets.image_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match=r"Expected a folder holding images .*which holds none"):
        datasets.image_folder(tmp_path)
    write_image(tmp_path / "a.png", 0)
    with pytest.raises(ValueError, match=r"Expected at least one image in split 'test'"):
        datasets.image_folder(tmp_path, split="test")


def test_gan_fits_one_epoch_on_a_folder(tmp_path):
    for i in range(6):
        write_image(tmp_path / f"{i}.png", 40 * i, size=(37, 29))
    generator = architectures.dcgan_generator((8, 8, 3), 4, width=4, dense_layers=0, seed=0)
    discriminator = architectures.dcgan_discriminator((8, 8, 3), width=4, seed=1)
    gan = keras_gan.GAN(generator, discriminator)
    gan.compile("adam", "adam")
    history = gan.fit(datasets.image_folder(tmp_path, 8, batch_size=4), epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"]).all()
    assert np.isfinite(history.history["g_loss"]).all()
