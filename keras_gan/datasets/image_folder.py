"""`image_folder`: a folder of images as a streaming `tf.data.Dataset` in [-1, 1]."""

import os

import numpy as np

from keras_gan import validation
from keras_gan.datasets import _common

#: File name extensions read, lower case.
EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
#: The first bytes of each format (PNG, JPEG, GIF, BMP).
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")
#: Fraction of a folder's files held out as the `"test"` split.
TEST_FRACTION = 0.2
#: Files named in the error about unreadable files.
_NAMED = 3


def image_folder(
    path,
    image_size=(64, 64),
    *,
    batch_size: int = 64,
    color_mode: str = "rgb",
    shuffle: bool = True,
    seed: int = 0,
    labels: str | None = "inferred",
    split: str = "all",
    max_samples: int | None = None,
    shuffle_buffer: int = 10_000,
    cache=None,
):
    """Streams a folder of images as batches in [-1, 1] through `tf.data`.

    Only file names are held in memory: each epoch, the pipeline reads, decodes
    (`tf.io.decode_image`, the first frame of a GIF), resizes (bilinear, antialiased)
    and scales the images in parallel (`num_parallel_calls=AUTOTUNE`), batches them
    and prefetches the next batches while the model trains. Images of any size and
    any mix of `.png`, `.jpg`/`.jpeg`, `.bmp` and `.gif` files work.

    Class subfolders (any image file under `path/NAME/`, at any depth) give one
    integer label per subfolder, in sorted order, and the dataset yields
    `(images, labels)`; a folder holding its images directly yields images only
    (files directly in `path` are not read when it has class subfolders).

    The file order is drawn once from `seed`; with `shuffle`, a buffer of
    `shuffle_buffer` file names reshuffles it every epoch (the whole order when the
    folder has no more files than that), so memory does not grow with the folder.

    Unreadable files are refused, never skipped silently: every file's first bytes
    are checked when the dataset is made, and a file that is not a PNG, JPEG, BMP or
    GIF image raises one `ValueError` that names it. A file damaged after a valid
    header (truncated) fails when the pipeline decodes it; `keras-gan train` then
    names that file too.

    Args:
        path: the folder (`str` or `os.PathLike`).
        image_size: `(height, width)`, or one int for square images, the size
            every image is resized to. Defaults to `(64, 64)`.
        batch_size: images per batch (the last batch of an epoch may be smaller).
            Defaults to `64`.
        color_mode: `"rgb"` (3 channels) or `"grayscale"` (1 channel); images are
            converted as needed. Defaults to `"rgb"`.
        shuffle: reshuffle the file order every epoch. Defaults to `True`.
        seed: seed of the file order, the shuffling and the split. Defaults to `0`.
        labels: `"inferred"` (class subfolders give labels) or `None` (images only,
            also from class subfolders). Defaults to `"inferred"`.
        split: `"all"`, or `"train"` / `"test"` for a fixed 80% / 20% split of the
            files drawn with `seed`. Defaults to `"all"`.
        max_samples: use only the first `max_samples` files of the seeded order.
            Defaults to `None`.
        shuffle_buffer: file names in the shuffle buffer. Defaults to `10_000`.
        cache: `None`, or a file path: the decoded, resized images (uint8) are
            cached there during the first full epoch and read from it afterwards
            (`tf.data.Dataset.cache`); the shuffle buffer then holds
            `min(shuffle_buffer, 1024)` images. Defaults to `None`.

    Returns:
        A `tf.data.Dataset` of float32 batches `(batch, height, width, channels)`,
        or of `(images, labels)` with int32 labels `(batch,)`.

    Example:
    ```python
    data = keras_gan.datasets.image_folder("faces/", image_size=64, batch_size=64)
    gan.fit(data, epochs=20)
    ```
    """
    import tensorflow as tf

    size = check_image_size(image_size)
    batch_size = validation.check_positive_int(batch_size, "batch_size")
    shuffle_buffer = validation.check_positive_int(shuffle_buffer, "shuffle_buffer")
    shuffle = validation.check_bool(shuffle, "shuffle")
    seed = validation.check_seed(seed) or 0
    if color_mode not in ("rgb", "grayscale"):
        raise ValueError(
            f"Expected `color_mode` to be 'rgb' or 'grayscale'. Received: color_mode={color_mode!r}"
        )
    if labels not in ("inferred", None):
        raise ValueError(f"Expected `labels` to be 'inferred' or None. Received: labels={labels!r}")
    if cache is not None:
        cache = validation.check_path(cache, "cache")
    files, classes = list_images(path, split=split, seed=seed, max_samples=max_samples)
    channels = 3 if color_mode == "rgb" else 1

    def load(file):
        image = tf.io.decode_image(tf.io.read_file(file), channels=3, expand_animations=False)
        if channels == 1:
            image = tf.image.rgb_to_grayscale(image)
        image = tf.image.resize(image, size, antialias=True)
        return tf.cast(tf.clip_by_value(tf.round(image), 0.0, 255.0), tf.uint8)

    def scale(images):
        images = tf.ensure_shape(images, (None, *size, channels))
        return tf.cast(images, tf.float32) / 127.5 - 1.0

    with_labels = labels == "inferred" and classes is not None
    elements = (files, classes) if with_labels else files
    dataset = tf.data.Dataset.from_tensor_slices(elements)
    if shuffle and cache is None:
        buffer = min(len(files), shuffle_buffer)
        dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    autotune = tf.data.AUTOTUNE
    if with_labels:
        dataset = dataset.map(lambda f, y: (load(f), y), num_parallel_calls=autotune)
    else:
        dataset = dataset.map(load, num_parallel_calls=autotune)
    if cache is not None:
        dataset = dataset.cache(cache)
        if shuffle:
            buffer = min(len(files), shuffle_buffer, 1024)
            dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if with_labels:
        dataset = dataset.map(lambda x, y: (scale(x), y), num_parallel_calls=autotune)
    else:
        dataset = dataset.map(scale, num_parallel_calls=autotune)
    return dataset.prefetch(autotune)


def check_image_size(image_size):
    """Returns `image_size` (one int or a pair) as a `(height, width)` tuple of ints."""
    size = (image_size, image_size) if _is_positive_int(image_size) else image_size
    try:
        height, width = size
    except (TypeError, ValueError):
        height = width = None
    if not (_is_positive_int(height) and _is_positive_int(width)):
        raise ValueError(
            "Expected `image_size` to be a positive int or a pair (height, width) of "
            f"positive ints. Received: image_size={image_size!r}"
        )
    return int(height), int(width)


def _is_positive_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0


def list_images(path, *, split="all", seed=0, max_samples=None):
    """Returns the image files of a folder in a seeded order, and their labels.

    Args:
        path: the folder.
        split: `"all"`, `"train"` or `"test"`. Defaults to `"all"`.
        seed: seed of the order and the split. Defaults to `0`.
        max_samples: keep the first `max_samples` files. Defaults to `None`.

    Returns:
        `(files, labels)`: a list of paths, and an int32 array of labels (the index of
        each file's class subfolder), or `None` for a folder without subfolders.
    """
    split = _common.check_split(split)
    max_samples = _common.check_max_samples(max_samples)
    try:
        root = os.fspath(path)
    except TypeError:
        root = None
    if not isinstance(root, str) or not os.path.isdir(root):
        raise ValueError(f"Expected an existing folder of images. Received: path={path!r}")
    subfolders = sorted(
        entry.name
        for entry in os.scandir(root)
        if entry.is_dir() and not entry.name.startswith(".")
    )
    files, labels = [], []
    for label, name in enumerate(subfolders):
        found = _image_files(os.path.join(root, name))
        files += found
        labels += [label] * len(found)
    has_classes = bool(files)
    if not has_classes:
        files = _image_files(root, recursive=False)
    if not files:
        raise ValueError(
            f"Expected a folder holding images ({', '.join(EXTENSIONS)}), in class "
            f"subfolders or directly. Received: path={root!r}, which holds none"
        )
    _check_headers(files)
    order = np.random.default_rng(seed).permutation(len(files))
    if split != "all":
        held_out = int(round(len(files) * TEST_FRACTION))
        order = order[:held_out] if split == "test" else order[held_out:]
    if max_samples is not None:
        order = order[:max_samples]
    if len(order) == 0:
        raise ValueError(
            f"Expected at least one image in split {split!r}. Received: path={root!r} "
            f"with {len(files)} images"
        )
    files = [files[i] for i in order]
    return files, (np.asarray(labels, "int32")[order] if has_classes else None)


def _image_files(folder, recursive=True):
    found = []
    for directory, subdirs, names in os.walk(folder):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".")) if recursive else []
        found += [
            os.path.join(directory, name)
            for name in sorted(names)
            if name.lower().endswith(EXTENSIONS) and not name.startswith(".")
        ]
    return found


def _check_headers(files):
    """Refuses files whose first bytes are not those of a PNG, JPEG, GIF or BMP image."""
    bad = []
    for file in files:
        try:
            with open(file, "rb") as f:
                head = f.read(8)
        except OSError:
            head = b""
        if not head.startswith(_SIGNATURES):
            bad.append(file)
    if bad:
        named = ", ".join(repr(f) for f in bad[:_NAMED])
        more = f" and {len(bad) - _NAMED} more" if len(bad) > _NAMED else ""
        raise ValueError(
            "Expected readable PNG, JPEG, BMP or GIF images. Received: "
            f"{len(bad)} of {len(files)} files are not images: {named}{more}"
        )


def find_damaged(files):
    """Returns the first of `files` that PIL cannot decode fully, with the reason.

    Slow (decodes every file); meant for the error path, to name the file that stopped
    a pipeline.

    Args:
        files: image paths.

    Returns:
        `(path, reason)`, or `None` when every file decodes.
    """
    from PIL import Image

    for file in files:
        try:
            with Image.open(file) as image:
                image.load()
        except Exception as e:  # PIL raises OSError, SyntaxError, ValueError, ...
            return file, f"{type(e).__name__}: {e}"
    return None
