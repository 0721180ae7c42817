"""manifold_scores against a brute-force NumPy computation and the papers' limiting cases."""

import numpy as np
import pytest
from direct_scores import brute_force_manifold as brute_force
from hypothesis import given
from hypothesis import strategies as st

from keras_gan.metrics import manifold
from keras_gan.metrics import manifold_scores


@given(st.integers(8, 40), st.integers(8, 40), st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_matches_a_brute_force_computation(n, m, d, seed):
    rng = np.random.default_rng(seed)
    real = rng.standard_normal((n, d))
    fake = rng.standard_normal((m, d)) * rng.uniform(0.3, 2.0) + rng.uniform(-1, 1)
    expected = brute_force(real, fake, 3, 5)
    scores = manifold_scores(real, fake)
    for key, value in expected.items():
        assert scores[key] == pytest.approx(value, abs=1e-12), key


@given(st.integers(8, 40), st.integers(8, 40), st.integers(1, 3), st.integers(0, 2**31 - 1))
def test_duplicates_and_ties_match_a_brute_force_computation(n, m, d, seed):
    # Few distinct integer points: copies (zero radii) and equal distances (ties) abound,
    # and the distances are exact in float64.
    rng = np.random.default_rng(seed)
    real = rng.integers(0, 3, (n, d)).astype("float64")
    fake = rng.integers(0, 3, (m, d)).astype("float64")
    expected = brute_force(real, fake, 3, 5)
    scores = manifold_scores(real, fake)
    for key, value in expected.items():
        assert scores[key] == pytest.approx(value, abs=1e-12), key


@pytest.mark.parametrize("copies", [2, 4, 7])
def test_identical_sets_with_duplicates_score_one(copies):
    # With 4 or more copies of each sample the k-NN radii are 0.
    x = np.random.default_rng(copies).standard_normal((15, 5)) * 3.0 + 1.0
    duplicated = np.repeat(x, copies, axis=0)
    scores = manifold_scores(duplicated, duplicated[::-1].copy())
    for key in ("precision", "recall", "density", "coverage", "memorization"):
        assert scores[key] == pytest.approx(1.0), key


def test_exact_copies_of_duplicated_training_samples_are_memorized():
    rng = np.random.default_rng(5)
    train = np.repeat(rng.standard_normal((40, 6)), 2, axis=0)
    assert manifold_scores(train, train[::2].copy())["memorization"] == 1.0
    assert manifold_scores(train, rng.standard_normal((40, 6)))["memorization"] < 0.5


def test_small_chunks_give_the_same_scores(monkeypatch):
    rng = np.random.default_rng(1)
    real, fake = rng.standard_normal((70, 4)), rng.standard_normal((50, 4)) + 0.5
    expected = manifold_scores(real, fake)
    monkeypatch.setattr(manifold, "CHUNK_ELEMENTS", 100)  # 1-2 rows a chunk
    assert manifold_scores(real, fake) == expected
    assert manifold_scores(real, fake, real_balls=manifold.neighbour_balls(real, (1, 3, 5))) == (
        expected
    )


@given(st.integers(10, 60), st.integers(1, 8), st.integers(0, 2**31 - 1))
def test_identical_sets_score_one(n, d, seed):
    x = np.random.default_rng(seed).standard_normal((n, d))
    scores = manifold_scores(x, x.copy())
    for key in ("precision", "recall", "density", "coverage", "memorization"):
        assert scores[key] == pytest.approx(1.0), key


def test_collapse_to_one_mode_lowers_recall_not_precision():
    rng = np.random.default_rng(2)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    real = centres[rng.integers(0, 4, 400)] + rng.standard_normal((400, 2))
    spread = centres[rng.integers(0, 4, 400)] + rng.standard_normal((400, 2))
    collapsed = centres[0] + rng.standard_normal((400, 2))
    good, bad = manifold_scores(real, spread), manifold_scores(real, collapsed)
    assert good["recall"] > 0.9 and bad["recall"] < 0.35
    assert good["coverage"] > 0.9 and bad["coverage"] < 0.35
    assert bad["precision"] > 0.9


@given(st.integers(0, 2**31 - 1), st.floats(5.0, 20.0))
def test_noise_lowers_precision(seed, scale):
    rng = np.random.default_rng(seed)
    real = rng.standard_normal((200, 8))
    fresh = rng.standard_normal((200, 8))
    noise = rng.uniform(-scale, scale, (200, 8))
    assert manifold_scores(real, fresh)["precision"] > 0.8
    noisy = manifold_scores(real, noise)
    assert noisy["precision"] < 0.2
    assert noisy["density"] < 0.2


def test_copies_of_training_samples_are_memorized_fresh_samples_less_so():
    rng = np.random.default_rng(3)
    train = rng.standard_normal((300, 6))
    copies = train[:100] + 1e-3 * rng.standard_normal((100, 6))
    fresh = rng.standard_normal((100, 6))
    assert manifold_scores(train, copies)["memorization"] == 1.0
    assert manifold_scores(train, fresh)["memorization"] < 0.6


def test_too_few_samples_raise():
    x = np.zeros((5, 2))
    with pytest.raises(
        ValueError, match=r"Expected more than k=5 samples in each set.*Received: 5"
    ):
        manifold_scores(x, np.ones((10, 2)))


def test_mismatched_features_raise():
    with pytest.raises(
        ValueError, match=r"shapes \(n, d\) and \(m, d\)\. Received: shapes \(10, 2\)"
    ):
        manifold_scores(np.zeros((10, 2)), np.zeros((10, 3)))


def test_bad_k_raises():
    with pytest.raises(ValueError, match="Expected `k` to be a positive integer. Received: k=0"):
        manifold_scores(np.zeros((10, 2)), np.zeros((10, 2)), k=0)
