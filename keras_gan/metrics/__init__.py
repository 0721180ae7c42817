"""GAN quality metrics (`keras_gan.metrics`).

`FrechetDistance`, `KernelDistance` and `ClassifierScore` are streaming
`keras.metrics.Metric`s over real and generated batches, computed on the host in
float64; `manifold_scores` gives precision, recall, density, coverage and
memorization; `quality_scores` all of them at once, and `GANQuality` puts them in the
epoch logs during `fit`. `inception_feature_extractor` gives Inception-v3 features,
`pixel_feature_extractor` downscaled pixels, `fid_inception_extractor` the 2015
Inception network of published FIDs.
"""

from keras_gan.metrics.classifier_score import ClassifierScore
from keras_gan.metrics.fid_inception import fid_inception_extractor
from keras_gan.metrics.frechet_distance import FrechetDistance
from keras_gan.metrics.gan_quality import GANQuality
from keras_gan.metrics.gan_quality import quality_scores
from keras_gan.metrics.inception import inception_feature_extractor
from keras_gan.metrics.kernel_distance import KernelDistance
from keras_gan.metrics.manifold import manifold_scores
from keras_gan.metrics.pixel_features import pixel_feature_extractor

__all__ = [
    "ClassifierScore",
    "FrechetDistance",
    "GANQuality",
    "KernelDistance",
    "fid_inception_extractor",
    "inception_feature_extractor",
    "manifold_scores",
    "pixel_feature_extractor",
    "quality_scores",
]
