"""GAN quality metrics (`keras_gan.metrics`): FD, KID, classifier score and a callback.

`FrechetDistance`, `KernelDistance` and `ClassifierScore` are streaming
`keras.metrics.Metric`s over real and generated batches, computed on the host in
float64; `GANQuality` puts the three in the epoch logs during `fit`.
"""

from keras_gan.metrics.classifier_score import ClassifierScore
from keras_gan.metrics.frechet_distance import FrechetDistance
from keras_gan.metrics.gan_quality import GANQuality
from keras_gan.metrics.gan_quality import quality_scores
from keras_gan.metrics.kernel_distance import KernelDistance
from keras_gan.metrics.manifold import manifold_scores

__all__ = [
    "ClassifierScore",
    "FrechetDistance",
    "GANQuality",
    "KernelDistance",
    "manifold_scores",
    "quality_scores",
]
