"""`image_folder`: a folder of images as a streaming `tf.data.Dataset` in [-1, 1]."""

import hashlib
import os
import re
import warnings

import numpy as np

from keras_gan import checks
from keras_gan.datasets import _common
from keras_gan.datasets import _decode

#: File name extensions read, lower case.
EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ico")
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
    background="white",
):
    """Streams a folder of images as batches in [-1, 1] through `tf.data`.

    Only file names are held in memory: each epoch, the pipeline reads, decodes,
    resizes (bilinear, antialiased) and scales the images in parallel
    (`num_parallel_calls=AUTOTUNE`), batches them and prefetches the next batches
    while the model trains. Images of any size and any mix of `.png`, `.jpg`/`.jpeg`,
    `.bmp`, `.gif`, `.webp`, `.tif`/`.tiff` and `.ico` files work: plain JPEG, PNG and
    BMP files through `tf.io.decode_image`, the others (a GIF's first frame, an ICO's
    largest icon) through PIL. Transparent pixels (RGBA, gray + alpha, a palette's or a PNG's
    transparent colour) are composited onto `background`, and a JPEG's EXIF
    orientation is applied, so a phone's portrait photo stands upright.

    Class subfolders (any image file under `path/NAME/`, at any depth) give one
    integer label per subfolder, in sorted order, and the dataset yields
    `(images, labels)`; a folder holding its images directly yields images only.
    Files directly in `path` are not read when it has class subfolders: a warning
    says how many.

    The file order is drawn once from `seed`; with `shuffle`, a buffer of
    `shuffle_buffer` file names reshuffles it every epoch (the whole order when the
    folder has no more files than that), so memory does not grow with the folder.

    Unreadable files are refused, never skipped silently: every file's first bytes
    are checked when the dataset is made, and a file that is not an image raises one
    `ValueError` that names it, as does one whose header declares more pixels than
    `PIL.Image.MAX_IMAGE_PIXELS` (a decompression bomb: a few kilobytes that would
    decode to gigabytes). A file damaged after a valid header (truncated) fails
    when the pipeline reaches it, with an error naming it (found by reading the
    files with PIL, which takes a while on a large folder).

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
            cached during the first full epoch and read from the cache afterwards
            (`tf.data.Dataset.cache`); the shuffle buffer then holds
            `min(shuffle_buffer, 1024)` images. The cache files are named `cache`
            plus a key of the file list (paths, sizes, modification times) and of
            `image_size`, `color_mode` and `background`: a changed folder or setting
            writes a new cache beside the old one, which can be deleted. Defaults to
            `None`.
        background: the colour transparent pixels are composited onto: `"white"`,
            `"black"` or an `(R, G, B)` tuple of ints in 0..255. Defaults to
            `"white"`.

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
    batch_size = checks.check_positive_int(batch_size, "batch_size")
    shuffle_buffer = checks.check_positive_int(shuffle_buffer, "shuffle_buffer")
    shuffle = checks.check_bool(shuffle, "shuffle")
    seed = checks.check_seed(seed) or 0
    if color_mode not in ("rgb", "grayscale"):
        raise ValueError(
            f"Expected `color_mode` to be 'rgb' or 'grayscale'. Received: color_mode={color_mode!r}"
        )
    if labels not in ("inferred", None):
        raise ValueError(f"Expected `labels` to be 'inferred' or None. Received: labels={labels!r}")
    background = _decode.check_background(background)
    if cache is not None:
        cache = checks.check_path(cache, "cache")
    files, classes, decoders, orientations = _listing(
        path, split=split, seed=seed, max_samples=max_samples
    )
    channels = 3 if color_mode == "rgb" else 1
    decode = _decode.decoding(decoders, orientations, background)
    # Plain TF code, no Python control flow on tensors: autograph's rewriting is skipped
    # (it costs seconds when the dataset is made).
    plain_tf = tf.autograph.experimental.do_not_convert

    @plain_tf
    def load(position, file, decoder, orientation, *label):
        image = decode(tf.io.read_file(file), decoder, orientation)
        if channels == 1:
            image = tf.image.rgb_to_grayscale(image)
        image = tf.image.resize(image, size, antialias=True)
        return (position, tf.cast(tf.clip_by_value(tf.round(image), 0.0, 255.0), tf.uint8), *label)

    @plain_tf
    def scale(position, images, *label):
        images = tf.ensure_shape(images, (None, *size, channels))
        images = tf.cast(images, tf.float32) / 127.5 - 1.0
        return (images, *label) if label else images

    with_labels = labels == "inferred" and classes is not None
    columns = (files, decoders, orientations) + ((classes,) if with_labels else ())
    dataset = tf.data.Dataset.from_tensor_slices(columns)
    if shuffle and cache is None:
        buffer = min(len(files), shuffle_buffer)
        dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    autotune = tf.data.AUTOTUNE
    # A file that fails to decode is skipped here, then named by the position check.
    dataset = dataset.enumerate().map(
        plain_tf(lambda i, x: load(i, *x)), num_parallel_calls=autotune
    )
    dataset = dataset.ignore_errors()
    if cache is not None:
        step = 256
        check = _position_check(files, step)
        dataset = dataset.batch(step).map(check, num_parallel_calls=autotune).unbatch()
        key = _cache_key(files, (size, channels, background))
        dataset = dataset.cache(f"{cache}-{key}")
        if shuffle:
            buffer = min(len(files), shuffle_buffer, 1024)
            dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.batch(batch_size)
    else:
        dataset = dataset.batch(batch_size)
        dataset = dataset.map(_position_check(files, batch_size), num_parallel_calls=autotune)
    dataset = dataset.map(scale, num_parallel_calls=autotune)
    return dataset.prefetch(autotune)


def _position_check(files, step):
    """A batch function raising an error naming the damaged file when one was skipped.

    Positions number the elements of an epoch; batch `k` of `step` elements holds
    positions `k * step` onwards, consecutive, unless a file failed to decode.
    """
    import tensorflow as tf
    from PIL import Image

    # `report` runs on tf.data's threads, where it must not import: an import there can
    # deadlock with the main thread's (PIL imports its format plugins on first use).
    Image.init()
    count = len(files)

    def report(positions):
        raise damaged_file_error(files)

    @tf.autograph.experimental.do_not_convert
    def check(positions, images, *label):
        start = positions[0] // step * step
        expected = tf.range(start, tf.minimum(start + step, count))
        complete = tf.shape(positions)[0] == tf.shape(expected)[0]
        complete = tf.logical_and(
            complete, tf.reduce_all(tf.equal(positions, expected[: tf.shape(positions)[0]]))
        )
        checked = tf.cond(
            complete,
            lambda: tf.constant(True),
            lambda: tf.numpy_function(report, [positions], tf.bool, stateful=True),
        )
        with tf.control_dependencies([checked]):
            return (tf.identity(positions), images, *label)

    return check


def damaged_file_error(files):
    """The `ValueError` naming the first of `files` that PIL fails to decode."""
    found = find_damaged(files)
    if found is None:
        return ValueError(
            f"Expected readable images. Received: one of {len(files)} files that TensorFlow "
            "fails to decode and PIL reads; convert it (e.g. re-save it as PNG)"
        )
    file, reason = found
    return ValueError(
        f"Expected readable images. Received: {file!r}, which fails to decode ({reason}); "
        "remove or replace it"
    )


def named_error(error):
    """The one-line `ValueError` that a pipeline error carries, or `None`.

    `image_folder` raises its error about a damaged file inside `tf.data`, which wraps
    it in a multi-line `tf.errors.OpError`; this takes it back out.
    """
    found = re.search(r"Expected readable images\. Received: [^\n]*", str(error))
    return ValueError(found.group(0)) if found else None


def _cache_key(files, settings):
    """A hash of the decoding settings and of each file's path, size and modification time."""
    digest = hashlib.sha256(repr(settings).encode())
    for file in files:
        stat = os.stat(file)
        digest.update(f"{file}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def check_image_size(image_size):
    """Returns `image_size` (one int or a pair) as a `(height, width)` tuple of ints."""
    size = (image_size, image_size) if checks.is_int_at_least(image_size, 1) else image_size
    try:
        height, width = size
    except (TypeError, ValueError):
        height = width = None
    if not (checks.is_int_at_least(height, 1) and checks.is_int_at_least(width, 1)):
        raise ValueError(
            "Expected `image_size` to be a positive int or a pair (height, width) of "
            f"positive ints. Received: image_size={image_size!r}"
        )
    return int(height), int(width)


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
    return _listing(path, split=split, seed=seed, max_samples=max_samples)[:2]


def _listing(path, *, split="all", seed=0, max_samples=None):
    """`list_images`, and each file's decoder and EXIF orientation (`_decode.inspect`)."""
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
    loose = _image_files(root, recursive=False)
    if not has_classes:
        files = loose
    elif loose:
        warnings.warn(
            f"{root!r} has class subfolders, so the {len(loose)} images directly in it "
            f"(such as {os.path.basename(loose[0])!r}) are not read. Move them into a "
            "subfolder (a class of their own) to use them, or elsewhere to silence this.",
            stacklevel=3,
        )
    if not files:
        raise ValueError(
            f"Expected a folder holding images ({', '.join(EXTENSIONS)}), in class "
            f"subfolders or directly. Received: path={root!r}, which holds none"
        )
    decoders, orientations = _check_headers(files)
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
    labels = np.asarray(labels, "int32")[order] if has_classes else None
    return files, labels, decoders[order], orientations[order]


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
    """Each file's decoder and orientation; refuses files that are not images, or too large."""
    found = [_decode.inspect(file) for file in files]
    bad = [file for file, how in zip(files, found) if how is None]
    if bad:
        named = ", ".join(repr(f) for f in bad[:_NAMED])
        more = f" and {len(bad) - _NAMED} more" if len(bad) > _NAMED else ""
        raise ValueError(
            "Expected readable PNG, JPEG, BMP or GIF images (or WebP, TIFF, ICO). Received: "
            f"{len(bad)} of {len(files)} files are not images: {named}{more}"
        )
    for file, (_, _, pixels) in zip(files, found):
        if _decode.too_large(pixels):
            from PIL import Image

            declared = "more than PIL reads" if pixels is None else f"{pixels:,}"
            raise ValueError(
                f"Expected images of at most {Image.MAX_IMAGE_PIXELS:,} pixels "
                f"(PIL.Image.MAX_IMAGE_PIXELS). Received: {file!r}, whose header declares "
                f"{declared} pixels, which decoding would allocate (a decompression bomb?); "
                "remove it, or raise PIL.Image.MAX_IMAGE_PIXELS if it is genuine"
            )
    decoders, orientations, _ = zip(*found)
    return np.asarray(decoders, "int32"), np.asarray(orientations, "int32")


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
