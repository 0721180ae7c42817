"""`inception_feature_extractor`: Inception-v3 pool features of images in [-1, 1]."""

import keras

#: Inception-v3's input side.
INCEPTION_SIZE = 299


def inception_feature_extractor(
    image_shape=(None, None, 3), *, weights="imagenet", name: str = "inception_features"
) -> keras.Model:
    """Returns a model mapping images in [-1, 1] to Inception-v3 pool features `(n, 2048)`.

    The images are resized bilinearly (with antialiasing when shrinking) to 299x299,
    grayscale images repeated to 3 channels, and passed unchanged in scale to
    `keras.applications.InceptionV3(include_top=False, pooling="avg")`, which expects
    [-1, 1] (its `preprocess_input` maps [0, 255] there). The 2048 global-average-pool
    features are those FID (Heusel et al., 2017, arXiv:1706.08500) and KID use, so
    `FrechetDistance`, `KernelDistance`, `manifold_scores` and `quality_scores` with
    this extractor work on any image data.

    The numbers are comparable between keras_gan runs that use the same extractor,
    not equal to published FIDs: those use a specific 2015 TensorFlow Inception graph
    (`pt_inception-2015-12-05`), whose weights differ from Keras' ImageNet weights,
    and its own resize of uint8 images; a different network, resize or rounding moves
    FID by amounts of the order of the differences papers report.

    Args:
        image_shape: `(height, width, channels)` of the images, channels 1 or 3;
            height and width may be `None`. Defaults to `(None, None, 3)`.
        weights: `"imagenet"` (downloaded by Keras on first use, ~90 MB, then read
            from `~/.keras/models`), `None` (random weights: tests, offline
            experiments) or the path of a weights file. Defaults to `"imagenet"`.
        name: the model's name. Defaults to `"inception_features"`.

    Returns:
        A `keras.Model` from images `(n, *image_shape)` to features `(n, 2048)`.

    Example:
    ```python
    extractor = keras_gan.metrics.inception_feature_extractor((64, 64, 3))
    scores = keras_gan.metrics.quality_scores(
        real_images, gan.generate(2000), feature_extractor=extractor)
    ```
    """
    image_shape = tuple(image_shape)
    if len(image_shape) != 3 or image_shape[-1] not in (1, 3):
        raise ValueError(
            "Expected `image_shape` (height, width, channels) with 1 or 3 channels. "
            f"Received: image_shape={image_shape}"
        )
    inputs = keras.Input(image_shape)
    images = inputs
    if image_shape[-1] == 1:
        images = keras.layers.Concatenate(name="to_rgb")([inputs, inputs, inputs])
    images = keras.layers.Resizing(
        INCEPTION_SIZE, INCEPTION_SIZE, interpolation="bilinear", antialias=True
    )(images)
    inception = keras.applications.InceptionV3(
        include_top=False,
        weights=weights,
        input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3),
        pooling="avg",
    )
    # Inference mode pinned (BatchNorm moving statistics) even in `extractor(images)`.
    return keras.Model(inputs, inception(images, training=False), name=name)
