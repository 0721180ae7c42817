"""Checks the callbacks make when training starts."""

from keras_gan.gan import GAN


def check_gan(model, callback):
    """Checks, when training starts, that a callback was given to a keras_gan model."""
    if not isinstance(model, GAN):
        raise ValueError(
            f"Expected `{callback}` to be used in the `fit` of a keras_gan.GAN or "
            f"keras_gan.ConditionalGAN. Received: a model of type {type(model).__name__}"
        )
