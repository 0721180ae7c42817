"""ClassifierScore: known cases and a direct computation with scipy.stats.entropy."""

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from keras_gan.metrics import ClassifierScore


def identity(batch):
    return np.asarray(batch)


def score_of(outputs, **kwargs):
    metric = ClassifierScore(identity, **kwargs)
    metric.update_state(None, outputs)
    return metric.result()


def direct_score(probabilities):
    marginal = probabilities.mean(axis=0)
    return np.exp(np.mean([stats.entropy(p, marginal) for p in probabilities]))


@pytest.mark.parametrize("num_classes", [2, 7, 10])
def test_confident_and_uniform_over_classes_gives_the_number_of_classes(num_classes):
    one_hot = np.eye(num_classes)[np.arange(5 * num_classes) % num_classes]
    assert score_of(one_hot) == pytest.approx(num_classes, rel=1e-9)


def test_constant_prediction_gives_one():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(6))
    assert score_of(np.tile(p, (30, 1))) == pytest.approx(1.0, abs=1e-9)
    assert score_of(np.tile(np.eye(6)[2], (30, 1))) == pytest.approx(1.0, abs=1e-9)


def test_matches_direct_computation():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.full(5, 0.3), size=200)
    assert score_of(p) == pytest.approx(direct_score(p), rel=1e-6)


def test_logits_are_softmaxed():
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((50, 4)) * 3.0
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert score_of(logits, from_logits=True) == pytest.approx(
        direct_score(probabilities), rel=1e-6
    )


@given(cuts=st.lists(st.integers(1, 79), max_size=4, unique=True))
def test_streaming_batches_equal_one_batch(cuts):
    p = np.random.default_rng(3).dirichlet(np.full(4, 0.5), size=80)
    metric = ClassifierScore(identity)
    bounds = [0, *sorted(cuts), 80]
    for start, stop in zip(bounds[:-1], bounds[1:]):
        metric.update_state(None, p[start:stop])
    assert metric.result() == pytest.approx(score_of(p), rel=1e-9)


def test_real_samples_are_ignored():
    p = np.random.default_rng(4).dirichlet(np.ones(3), size=20)
    metric = ClassifierScore(identity)
    metric.update_state(np.tile(np.eye(3)[0], (20, 1)), p)
    assert metric.result() == pytest.approx(direct_score(p), rel=1e-9)


def test_keras_classifier_on_images():
    classifier = keras.Sequential(
        [keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(3, "softmax")]
    )
    images = np.random.default_rng(5).standard_normal((40, 4, 4, 1)).astype("float32")
    metric = ClassifierScore(classifier)
    metric.update_state(None, images)
    expected = direct_score(classifier.predict(images, verbose=0).astype("float64"))
    assert metric.result() == pytest.approx(expected, rel=1e-4)


def test_logits_without_from_logits_raise():
    with pytest.raises(ValueError, match="pass `from_logits=True` for logits"):
        score_of(np.array([[2.0, -1.0], [0.5, 0.3]]))


def test_result_without_samples_raises():
    with pytest.raises(ValueError, match="Expected at least 1 generated sample"):
        ClassifierScore(identity).result()


def test_missing_classifier_raises():
    with pytest.raises(ValueError, match="Expected `classifier` to be a Keras model"):
        ClassifierScore(None)


def test_class_count_change_raises():
    metric = ClassifierScore(identity)
    metric.update_state(None, np.eye(3))
    with pytest.raises(ValueError, match="Expected 3 classes"):
        metric.update_state(None, np.eye(4))
