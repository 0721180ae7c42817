"""`load_gan`: `keras.models.load_model` for GAN files, with clear errors."""

import keras

from keras_gan import validation
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
    path = validation.check_keras_file(filepath)
    model = keras.models.load_model(path, custom_objects=custom_objects, compile=compile)
    if not isinstance(model, GAN):
        raise ValueError(
            f"Expected a keras_gan GAN in {path!r}. Received: a {type(model).__name__} "
            "(load other models with `keras.models.load_model`)"
        )
    return model
