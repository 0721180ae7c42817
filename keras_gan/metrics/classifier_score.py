"""`ClassifierScore`: the Inception score with any classifier."""

import keras
import numpy as np

from keras_gan import checks
from keras_gan.metrics import _features
from keras_gan.metrics import _stats


class ClassifierScore(keras.metrics.Metric):
    """Classifier score: the Inception score with any classifier standing in for Inception.

    `CS = exp(E_x KL(p(y|x) || p(y)))` over generated samples `x`, where `p(y|x)` is the
    classifier's class distribution for `x` and `p(y) = E_x p(y|x)` the marginal
    (Salimans et al., 2016, "Improved Techniques for Training GANs", arXiv:1606.03498).
    It is high (up to the number of classes `K`) when each sample is classified
    confidently and the classes are used evenly; a generator that always produces
    the same class scores 1. Computed over all samples at once (one split).

    A streaming metric: `update_state(real, generated)` adds the sum of the `p(y|x)`
    and of their negative entropies, so memory does not grow with the samples. Only
    `generated` is scored; `real` is accepted (and ignored) so the three
    `keras_gan.metrics` can be updated in the same loop. To score real images, pass
    them as `generated`.

    Args:
        classifier: a Keras model or callable mapping a batch of samples to
            `(batch, K)` class probabilities, or logits with `from_logits=True`.
        from_logits: whether the classifier outputs logits (a softmax is applied).
            Defaults to `False` (probabilities, checked to be non-negative and to sum
            to 1).
        batch_size: samples per classifier call. Defaults to `256`.
        name: the metric's name. Defaults to `"classifier_score"`.
        dtype: dtype of the result. Defaults to `None`.

    Example:
    ```python
    score = keras_gan.metrics.ClassifierScore(digits_classifier)
    score.update_state(None, gan.generate(1000))
    print(score.result())  # up to 10 for the ten digits
    ```
    """

    def __init__(
        self,
        classifier,
        *,
        from_logits: bool = False,
        batch_size: int = 256,
        name: str = "classifier_score",
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        if classifier is None:
            raise ValueError(
                "Expected `classifier` to be a Keras model or a callable mapping a batch to "
                "(batch, num_classes) outputs. Received: classifier=None"
            )
        self.classifier = checks.check_callable(classifier, "classifier")
        self.from_logits = bool(from_logits)
        self.batch_size = checks.check_positive_int(batch_size, "batch_size")
        self.reset_state()

    def update_state(self, real=None, generated=None):
        """Adds a batch of generated samples; `real` is ignored."""
        del real  # the score only looks at generated samples
        outputs = _features.outputs(
            self.classifier, generated, batch_size=self.batch_size, role="classifier"
        )
        if outputs is None or not outputs.shape[0]:
            return
        probabilities = _stats.to_probabilities(outputs, self.from_logits)
        if self._sum_probabilities is None:
            self._sum_probabilities = np.zeros(probabilities.shape[1], dtype="float64")
        elif probabilities.shape[1] != self._sum_probabilities.shape[0]:
            raise ValueError(
                f"Expected {self._sum_probabilities.shape[0]} classes, as in earlier "
                f"batches. Received: {probabilities.shape[1]}"
            )
        self._sum_probabilities += probabilities.sum(axis=0)
        self._sum_neg_entropy += float(_stats.negative_entropies(probabilities).sum())
        self._count += probabilities.shape[0]

    def result(self):
        """Returns the classifier score (a float in [1, K]) of the samples added so far."""
        if self._count == 0:
            raise ValueError("Expected at least 1 generated sample before `result()`. Received: 0")
        return _stats.classifier_score(self._sum_probabilities, self._sum_neg_entropy, self._count)

    def reset_state(self):
        """Forgets every sample added so far."""
        self._sum_probabilities = None
        self._sum_neg_entropy = 0.0
        self._count = 0

    def get_config(self):
        return {
            **super().get_config(),
            "classifier": _features.serialize(self.classifier, "classifier"),
            "from_logits": self.from_logits,
            "batch_size": self.batch_size,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**_features.deserialize(config, "classifier"))
