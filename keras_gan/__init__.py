"""keras_gan: train GANs with Keras' own `compile` and `fit`."""

from keras_gan import architectures
from keras_gan import augmentation
from keras_gan import callbacks
from keras_gan import datasets
from keras_gan import images
from keras_gan import losses
from keras_gan import metrics
from keras_gan import penalties
from keras_gan.conditional_gan import ConditionalGAN
from keras_gan.gan import GAN
from keras_gan.saving import load_gan

__version__ = "0.1.0"

__all__ = [
    "ConditionalGAN",
    "GAN",
    "architectures",
    "augmentation",
    "callbacks",
    "datasets",
    "images",
    "load_gan",
    "losses",
    "metrics",
    "penalties",
]
