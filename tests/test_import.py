"""The public surface of API.md is importable from the top-level package."""

import keras_gan


def test_public_names():
    for name in keras_gan.__all__:
        assert getattr(keras_gan, name) is not None
    assert {"GAN", "ConditionalGAN", "losses"} <= set(keras_gan.__all__)
    assert {"Minimax", "NonSaturating", "Wasserstein", "Hinge", "LeastSquares"} <= set(
        keras_gan.losses.__all__
    )
    assert keras_gan.__version__


def test_api_md_names():
    """The names ../shared/API.md fixes are importable where it says."""
    from keras_gan.callbacks import GANCheckpoint  # noqa: F401
    from keras_gan.callbacks import ImageGrid  # noqa: F401
    from keras_gan.callbacks import LabelSmoothingScheduler  # noqa: F401
    from keras_gan.metrics import ClassifierScore  # noqa: F401
    from keras_gan.metrics import FrechetDistance  # noqa: F401
    from keras_gan.metrics import KernelDistance  # noqa: F401

    assert callable(GANCheckpoint.latest)
    assert {"GANCheckpoint", "ImageGrid", "LabelSmoothingScheduler"} <= set(
        keras_gan.callbacks.__all__
    )
