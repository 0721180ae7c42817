"""`load_gan`: `keras.models.load_model` for GAN files, with clear errors."""

import json
import os
import zipfile

import keras

from keras_gan.gan import GAN


def load_gan(filepath, custom_objects=None, compile: bool = True) -> GAN:
    """Loads a `GAN` or `ConditionalGAN` saved with `gan.save(...)` or `GANCheckpoint`.

    The same as `keras.models.load_model(filepath)`, Keras' `safe_mode` included (it
    stays on: a file whose config holds Python bytecode, such as a `Lambda` layer
    with a Python lambda, is refused), with errors that name the problem where
    `load_model` reports "File not found" or a `KeyError`: no path, a directory, an
    empty or truncated file, a file that is not a Keras archive, or a Keras model
    that is not a GAN.

    Args:
        filepath: path of the `.keras` file, e.g. `GANCheckpoint.latest(directory)`.
        custom_objects: passed to `keras.models.load_model`. Defaults to `None`.
        compile: whether to compile the GAN as it was saved (both optimizers and
            their state). Defaults to `True`.

    Returns:
        The loaded `GAN`.

    Example:
    ```python
    gan = keras_gan.load_gan(GANCheckpoint.latest("ckpt"))
    ```
    """
    path = check_keras_file(filepath)
    model = keras.models.load_model(path, custom_objects=custom_objects, compile=compile)
    if not isinstance(model, GAN):
        raise ValueError(
            f"Expected a keras_gan GAN in {path!r}. Received: a {type(model).__name__} "
            "(load other models with `keras.models.load_model`)"
        )
    return model


def check_keras_file(filepath):
    """Returns `filepath` as a `str` if it is a complete `.keras` model archive.

    Tells apart what `keras.models.load_model` reports as "File not found" or a
    `KeyError`: no path (as `GANCheckpoint.latest` returns for an empty directory),
    a directory, an empty file, a zip archive cut off before its end (a write that
    was killed), a file that is no zip archive, and a zip archive that is no Keras
    model. Nothing is loaded or deserialized.

    Args:
        filepath: path of a `.keras` file (str or os.PathLike).
    """
    if filepath is None:
        raise ValueError(
            "Expected the path of a `.keras` file. Received: None (`GANCheckpoint.latest` "
            "returns None for a directory that holds no checkpoint)"
        )
    try:
        path = os.fspath(filepath)
    except TypeError:
        path = None
    if not isinstance(path, str):
        raise ValueError(
            f"Expected the path of a `.keras` file (str or os.PathLike). Received: "
            f"filepath={filepath!r} of type {type(filepath).__name__}"
        )
    if os.path.isdir(path):
        raise ValueError(
            f"Expected a `.keras` file. Received: the directory {path!r}; for a "
            "GANCheckpoint directory, load `GANCheckpoint.latest(directory)`"
        )
    if not os.path.exists(path):
        raise FileNotFoundError(f"Expected an existing `.keras` file. Received: {path!r}")
    if not path.endswith(".keras"):
        raise ValueError(f"Expected a file name ending in `.keras`. Received: {path!r}")
    size = os.path.getsize(path)
    if size == 0:
        raise ValueError(f"Expected a `.keras` model archive. Received: {path!r}, an empty file")
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            head = f.read(4)
        if head == b"PK\x03\x04":
            raise ValueError(
                f"Expected a complete `.keras` zip archive. Received: {path!r} ({size} "
                "bytes), a zip archive cut off before its end, as a write that did not "
                "finish leaves it"
            )
        raise ValueError(
            f"Expected a `.keras` model archive (a zip file). Received: {path!r}, which is "
            f"not a zip archive (it starts with {head!r})"
        )
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        if "config.json" not in names:
            raise ValueError(
                f"Expected a Keras model archive holding config.json. Received: {path!r}, a "
                f"zip archive of {sorted(names)[:5]}"
            )
        try:
            json.loads(archive.read("config.json"))
        except ValueError as e:  # JSONDecodeError and UnicodeDecodeError
            raise ValueError(
                f"Expected config.json in a `.keras` archive to be JSON. Received: {path!r}, "
                f"whose config.json does not parse ({e})"
            ) from e
    return path
