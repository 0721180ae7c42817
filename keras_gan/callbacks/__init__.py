"""Callbacks for training GANs with `fit`: image grids, checkpoints, schedules, guards."""

from keras_gan.callbacks.gan_checkpoint import GANCheckpoint
from keras_gan.callbacks.hyperparameter_scheduler import HyperparameterScheduler
from keras_gan.callbacks.hyperparameter_scheduler import cosine_ramp
from keras_gan.callbacks.image_grid import ImageGrid
from keras_gan.callbacks.label_smoothing_scheduler import LabelSmoothingScheduler
from keras_gan.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "GANCheckpoint",
    "HyperparameterScheduler",
    "ImageGrid",
    "LabelSmoothingScheduler",
    "TerminateOnNaN",
    "cosine_ramp",
]
