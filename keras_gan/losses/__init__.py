"""GAN losses: pure function pairs and `GANLoss` objects (`keras_gan.losses`)."""

from keras_gan.losses.functions import gradient_norm_penalty
from keras_gan.losses.functions import hinge_discriminator_loss
from keras_gan.losses.functions import hinge_generator_loss
from keras_gan.losses.functions import least_squares_discriminator_loss
from keras_gan.losses.functions import least_squares_generator_loss
from keras_gan.losses.functions import minimax_discriminator_loss
from keras_gan.losses.functions import minimax_generator_loss
from keras_gan.losses.functions import non_saturating_discriminator_loss
from keras_gan.losses.functions import non_saturating_generator_loss
from keras_gan.losses.functions import wasserstein_discriminator_loss
from keras_gan.losses.functions import wasserstein_generator_loss
from keras_gan.losses.gan_loss import LOSS_NAMES
from keras_gan.losses.gan_loss import GANLoss
from keras_gan.losses.gan_loss import Hinge
from keras_gan.losses.gan_loss import LeastSquares
from keras_gan.losses.gan_loss import Minimax
from keras_gan.losses.gan_loss import NonSaturating
from keras_gan.losses.gan_loss import Wasserstein
from keras_gan.losses.gan_loss import get

__all__ = [
    "LOSS_NAMES",
    "GANLoss",
    "Hinge",
    "LeastSquares",
    "Minimax",
    "NonSaturating",
    "Wasserstein",
    "get",
    "gradient_norm_penalty",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_discriminator_loss",
    "non_saturating_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
]
