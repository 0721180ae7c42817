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
