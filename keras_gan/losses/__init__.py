"""GAN losses: pure function pairs and `GANLoss` objects (`keras_gan.losses`).

`LOSS_NAMES`: "minimax", "non_saturating", "wasserstein", "hinge", "least_squares",
and the relativistic pairing losses "relativistic" (RpGAN) and "relativistic_hinge",
whose generator part also reads the real batch's scores
(`GANLoss.generator_needs_real_scores`).
"""

from keras_gan.losses.functions import gradient_norm_penalty
from keras_gan.losses.functions import hinge_discriminator_loss
from keras_gan.losses.functions import hinge_generator_loss
from keras_gan.losses.functions import least_squares_discriminator_loss
from keras_gan.losses.functions import least_squares_generator_loss
from keras_gan.losses.functions import minimax_discriminator_loss
from keras_gan.losses.functions import minimax_generator_loss
from keras_gan.losses.functions import non_saturating_discriminator_loss
from keras_gan.losses.functions import non_saturating_generator_loss
from keras_gan.losses.functions import relativistic_discriminator_loss
from keras_gan.losses.functions import relativistic_generator_loss
from keras_gan.losses.functions import relativistic_hinge_discriminator_loss
from keras_gan.losses.functions import relativistic_hinge_generator_loss
from keras_gan.losses.functions import wasserstein_discriminator_loss
from keras_gan.losses.functions import wasserstein_generator_loss
from keras_gan.losses.gan_loss import LOSS_NAMES
from keras_gan.losses.gan_loss import GANLoss
from keras_gan.losses.gan_loss import Hinge
from keras_gan.losses.gan_loss import LeastSquares
from keras_gan.losses.gan_loss import Minimax
from keras_gan.losses.gan_loss import NonSaturating
from keras_gan.losses.gan_loss import Relativistic
from keras_gan.losses.gan_loss import RelativisticHinge
from keras_gan.losses.gan_loss import Wasserstein
from keras_gan.losses.gan_loss import get

__all__ = [
    "LOSS_NAMES",
    "GANLoss",
    "Hinge",
    "LeastSquares",
    "Minimax",
    "NonSaturating",
    "Relativistic",
    "RelativisticHinge",
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
    "relativistic_discriminator_loss",
    "relativistic_generator_loss",
    "relativistic_hinge_discriminator_loss",
    "relativistic_hinge_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
]
