"""`pixel_feature_extractor`: downscaled pixels as features of bounded size."""

import keras

from keras_gan import checks


def pixel_feature_extractor(
    image_shape, *, max_side: int = 16, name: str = "pixel_features"
) -> keras.Model:
    """Returns a model mapping images to their pixels, shrunk to at most `max_side` a side.

    Images larger than `max_side` are resized (bilinear, antialiased: an average of the
    pixels each output pixel covers) so that the features stay small, at most
    `max_side * max_side * channels` (768 for RGB at the default), whatever the image
    size: FD, KID and the k-NN scores on them take seconds, not hours. They compare
    colours and coarse layout only, not what a pretrained network sees: a fallback for
    when no classifier or Inception weights are at hand.

    Args:
        image_shape: `(height, width, channels)` of the images.
        max_side: the largest side of the shrunk images. Defaults to `16`.
        name: the model's name. Defaults to `"pixel_features"`.

    Returns:
        A `keras.Model` from images `(n, *image_shape)` to features `(n, d)`.

    Example:
    ```python
    extractor = keras_gan.metrics.pixel_feature_extractor((64, 64, 3))
    ```
    """
    max_side = checks.check_positive_int(max_side, "max_side")
    height, width, _ = image_shape
    inputs = keras.Input(tuple(image_shape))
    images = inputs
    if max(height, width) > max_side:
        scale = max_side / max(height, width)
        size = (max(1, round(height * scale)), max(1, round(width * scale)))
        images = keras.layers.Resizing(*size, interpolation="bilinear", antialias=True)(images)
    return keras.Model(inputs, keras.layers.Flatten()(images), name=name)
