"""KernelDistance against a direct double-loop computation and its unbiasedness."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_gan.metrics import KernelDistance
from keras_gan.metrics import _stats


def direct_unbiased_mmd2(x, y):
    """The unbiased MMD^2 with k(a, b) = (a.b/d + 1)^3, written out term by term."""
    d = x.shape[1]

    def k(a, b):
        return (np.dot(a, b) / d + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def kid_of(x, y, **kwargs):
    metric = KernelDistance(**kwargs)
    metric.update_state(x, y)
    return metric.result()


def test_one_subset_of_everything_matches_direct_computation():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((25, 4))
    y = rng.standard_normal((25, 4)) * 1.5 + 0.5
    # A subset holding all samples is a permutation of them: the estimate on all data.
    value = kid_of(x, y, subsets=3, subset_size=25)
    assert value == pytest.approx(direct_unbiased_mmd2(x, y), rel=1e-6)


def test_subsets_average_the_direct_estimates_of_the_drawn_subsets():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((40, 3)), rng.standard_normal((30, 3)) + 1.0
    value = kid_of(x, y, subsets=4, subset_size=10, seed=7)
    draws = np.random.default_rng(7)
    expected = []
    for _ in range(4):
        xs = x[draws.choice(40, 10, replace=False)]
        ys = y[draws.choice(30, 10, replace=False)]
        expected.append(direct_unbiased_mmd2(xs, ys))
    assert value == pytest.approx(np.mean(expected), rel=1e-6)


def test_subset_size_is_capped_by_the_smaller_side():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((30, 3)), rng.standard_normal((12, 3)) + 0.5
    capped = kid_of(x, y, subsets=5, subset_size=1000, seed=3)
    explicit = kid_of(x, y, subsets=5, subset_size=12, seed=3)
    assert capped == explicit


def test_unbiased_for_samples_of_the_same_distribution():
    # Small samples: the biased (V-statistic) estimate is clearly positive, KID is not.
    values, biased = [], []
    for seed in range(40):
        rng = np.random.default_rng(100 + seed)
        x, y = rng.standard_normal((20, 4)), rng.standard_normal((20, 4))
        values.append(kid_of(x, y, subsets=1, subset_size=20))
        kxx = (x @ x.T / 4 + 1) ** 3
        kyy = (y @ y.T / 4 + 1) ** 3
        kxy = (x @ y.T / 4 + 1) ** 3
        biased.append(kxx.mean() + kyy.mean() - 2 * kxy.mean())
    standard_error = np.std(values) / np.sqrt(len(values))
    assert abs(np.mean(values)) < 3 * standard_error
    assert np.mean(biased) > 10 * standard_error


def test_different_distributions_give_a_clearly_positive_value():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((200, 4)), rng.standard_normal((200, 4)) + 1.0
    same = rng.standard_normal((200, 4))
    mean, std = _result_and_std(x, y)
    assert mean > 3 * std > 0
    assert mean > 20 * abs(_result_and_std(x, same)[0])


def _result_and_std(x, y):
    metric = KernelDistance(subsets=20, subset_size=50)
    metric.update_state(x, y)
    return metric.result_and_std()


@given(cuts=st.lists(st.integers(1, 59), max_size=4, unique=True))
def test_streaming_batches_equal_one_batch(cuts):
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((60, 3)), rng.standard_normal((60, 3)) + 0.2
    streamed = KernelDistance(subsets=5, subset_size=20)
    bounds = [0, *sorted(cuts), 60]
    for start, stop in zip(bounds[:-1], bounds[1:]):
        streamed.update_state(x[start:stop], None)
        streamed.update_state(None, y[start:stop])
    assert streamed.result() == kid_of(x, y, subsets=5, subset_size=20)


def test_max_samples_keeps_the_first_samples():
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((50, 3)), rng.standard_normal((50, 3)) + 0.3
    capped = KernelDistance(subsets=3, subset_size=20, max_samples=30)
    capped.update_state(x[:20], y[:25])
    capped.update_state(x[20:], y[25:])
    assert capped.result() == kid_of(x[:30], y[:30], subsets=3, subset_size=20)


def test_same_inputs_give_the_same_result_and_reset_forgets():
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((40, 3)), rng.standard_normal((40, 3))
    metric = KernelDistance(subsets=10, subset_size=15)
    metric.update_state(x, y)
    first = metric.result()
    assert metric.result() == first
    metric.reset_state()
    with pytest.raises(ValueError, match="Expected at least 2 real and 2 generated samples"):
        metric.result()


def test_mismatched_feature_sizes_raise():
    metric = KernelDistance()
    metric.update_state(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="Expected real and generated features of the same size"):
        metric.result()


@pytest.mark.parametrize("name", ["subsets", "max_samples", "batch_size"])
def test_non_positive_sizes_raise(name):
    with pytest.raises(ValueError, match=f"Expected `{name}` to be a positive integer"):
        KernelDistance(**{name: 0})


@pytest.mark.parametrize("size", [0, 1])
def test_subset_sizes_below_two_are_refused(size):
    # One sample a subset leaves no pair of distinct samples: the unbiased MMD^2 is 0 / 0.
    with pytest.raises(
        ValueError,
        match=rf"Expected `subset_size` to be an integer >= 2 .*Received: subset_size={size}$",
    ):
        KernelDistance(subset_size=size)


def test_kernels_computed_once_or_per_subset_give_the_same_result(monkeypatch):
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal((50, 4)), rng.standard_normal((40, 4)) + 0.2
    once = kid_of(x, y, subsets=7, subset_size=30)
    monkeypatch.setattr(_stats, "KERNEL_ENTRIES", 0)
    assert kid_of(x, y, subsets=7, subset_size=30) == pytest.approx(once, rel=1e-12)


def test_whole_real_kernel_gives_the_same_result():
    rng = np.random.default_rng(10)
    x, y = rng.standard_normal((50, 4)), rng.standard_normal((40, 4)) + 0.2
    expected = _stats.kernel_distance(x, y, subsets=5, subset_size=30, rng=np.random.default_rng(1))
    whole = _stats.kernel_distance(
        x,
        y,
        subsets=5,
        subset_size=30,
        rng=np.random.default_rng(1),
        k_xx_all=_stats.polynomial_kernel(x, x),
    )
    assert whole == pytest.approx(expected, rel=1e-12)
