"""FrechetDistance against direct NumPy/SciPy computations and closed forms."""

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import linalg

from keras_gan.metrics import FrechetDistance
from keras_gan.metrics import _stats
from keras_gan.metrics import quality_scores


def direct_fd(x, y):
    """FD as in TF-GAN's test: np.cov, scipy.linalg.sqrtm, real part."""
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2).real
    return np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * covmean)


def eigenvalue_fd(x, y):
    """FD with Tr((S1 S2)^(1/2)) as the sum of square roots of the eigenvalues of S1 S2."""
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    eigenvalues = np.clip(np.linalg.eigvals(s1 @ s2).real, 0.0, None)
    mean_term = np.sum((x.mean(0) - y.mean(0)) ** 2)
    return mean_term + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(eigenvalues).sum()


def exact_gaussian_sample(rng, n, mean, variances):
    """`n` points whose sample mean is `mean` and sample covariance `diag(variances)`."""
    z = rng.standard_normal((n, len(mean)))
    z -= z.mean(0)
    cov = z.T @ z / (n - 1)
    z = z @ np.linalg.inv(np.linalg.cholesky(cov)).T  # sample covariance is now exactly I
    return z * np.sqrt(variances) + mean


def fd_of(x, y, **kwargs):
    metric = FrechetDistance(**kwargs)
    metric.update_state(x, y)
    return metric.result()


def test_matches_direct_scipy_computation():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 6)) @ rng.standard_normal((6, 6))
    y = rng.standard_normal((250, 6)) @ rng.standard_normal((6, 6)) + 0.5
    assert fd_of(x, y) == pytest.approx(direct_fd(x, y), rel=1e-3, abs=1e-3)


def test_identical_sets_give_zero():
    x = np.random.default_rng(1).standard_normal((200, 8))
    assert abs(fd_of(x, x.copy())) < 1e-6


def test_shifted_mean_gives_squared_distance_of_means():
    rng = np.random.default_rng(2)
    variances = np.array([1.0, 2.0, 0.5])
    mu1, mu2 = np.zeros(3), np.array([1.0, -2.0, 0.5])
    x = exact_gaussian_sample(rng, 500, mu1, variances)
    y = exact_gaussian_sample(rng, 400, mu2, variances)
    assert fd_of(x, y) == pytest.approx(np.sum((mu1 - mu2) ** 2), rel=1e-6)


def test_different_diagonal_covariances_add_the_trace_term():
    rng = np.random.default_rng(3)
    v1, v2 = np.array([1.0, 4.0, 0.25, 2.0]), np.array([9.0, 1.0, 1.0, 0.5])
    mu1, mu2 = np.array([0.0, 1.0, 0.0, 0.0]), np.array([3.0, 1.0, -1.0, 0.0])
    x = exact_gaussian_sample(rng, 600, mu1, v1)
    y = exact_gaussian_sample(rng, 700, mu2, v2)
    closed_form = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(v1) - np.sqrt(v2)) ** 2)
    assert fd_of(x, y) == pytest.approx(closed_form, rel=1e-6)


@given(
    cuts=st.lists(st.integers(1, 119), max_size=5, unique=True),
    real_first=st.booleans(),
)
def test_streaming_batches_equal_one_batch(cuts, real_first):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((120, 5)) * 3.0 + 100.0  # a large mean tests the merge
    y = rng.standard_normal((120, 5)) + 101.0
    streamed = FrechetDistance()
    bounds = [0, *sorted(cuts), 120]
    for start, stop in zip(bounds[:-1], bounds[1:]):
        if real_first:
            streamed.update_state(x[start:stop], None)
            streamed.update_state(None, y[start:stop])
        else:
            streamed.update_state(x[start:stop], y[start:stop])
    assert streamed.result() == pytest.approx(fd_of(x, y), rel=1e-9, abs=1e-9)


def test_rank_deficient_features_give_a_finite_result():
    rng = np.random.default_rng(5)
    basis = rng.standard_normal((3, 16))
    x = rng.standard_normal((100, 3)) @ basis  # rank 3 covariances in 16 dimensions
    y = rng.standard_normal((100, 3)) @ basis + 0.1
    x[:, 0] = 0.0  # and a dead feature
    y[:, 0] = 0.0
    value = fd_of(x, y)
    assert np.isfinite(value)
    assert value > 0
    assert value == pytest.approx(eigenvalue_fd(x, y), rel=1e-3, abs=1e-3)


@given(st.integers(1, 12), st.integers(0, 2**31 - 1), st.floats(0.0, 1.0))
def test_trace_of_the_square_root_matches_scipy_sqrtm(d, seed, floor):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    s1, s2 = a @ a.T + floor * np.eye(d), b @ b.T + 0.1 * np.eye(d)
    expected = np.trace(linalg.sqrtm(s1 @ s2).real)
    root1 = _stats.sqrt_psd(s1)
    assert root1 @ root1 == pytest.approx(s1, rel=1e-7, abs=1e-9)
    assert _stats.trace_sqrt_product(root1, s2) == pytest.approx(expected, rel=1e-7)


def test_precomputed_root_gives_the_same_distance():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((80, 5)) @ rng.standard_normal((5, 5))
    y = rng.standard_normal((90, 5)) + 0.3
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    root = _stats.sqrt_psd(s1)
    with_root = _stats.frechet_distance(x.mean(0), s1, y.mean(0), s2, sqrt_sigma1=root)
    assert with_root == pytest.approx(direct_fd(x, y), rel=1e-9)


def test_fewer_samples_than_features_give_a_finite_non_negative_result():
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((10, 64)), rng.standard_normal((12, 64))
    value = fd_of(x, y)
    assert np.isfinite(value)
    assert value > 0


def test_feature_extractor_model_is_applied():
    rng = np.random.default_rng(7)
    extractor = keras.Sequential(
        [keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(5)]
    )
    x = rng.standard_normal((64, 4, 4, 1)).astype("float32")
    y = rng.standard_normal((48, 4, 4, 1)).astype("float32") + 0.3
    fx, fy = extractor.predict(x, verbose=0), extractor.predict(y, verbose=0)
    metric = FrechetDistance(extractor, batch_size=16)
    metric.update_state(x, y)
    assert metric.result() == pytest.approx(direct_fd(fx.astype("float64"), fy), rel=1e-3)


def test_plain_callable_extractor_is_called_in_chunks():
    calls = []

    def extractor(batch):
        calls.append(len(batch))
        return np.asarray(batch).reshape(len(batch), -1)[:, :3] * 2.0

    rng = np.random.default_rng(8)
    x, y = rng.standard_normal((50, 2, 2)), rng.standard_normal((30, 2, 2))
    metric = FrechetDistance(extractor, batch_size=20)
    metric.update_state(x, y)
    assert calls == [20, 20, 10, 20, 10]
    expected = direct_fd(x.reshape(50, -1)[:, :3] * 2, y.reshape(30, -1)[:, :3] * 2)
    assert metric.result() == pytest.approx(expected, rel=1e-6)


def test_reset_state_forgets_samples():
    rng = np.random.default_rng(9)
    metric = FrechetDistance()
    metric.update_state(rng.standard_normal((50, 3)) + 10, rng.standard_normal((50, 3)))
    metric.reset_state()
    x, y = rng.standard_normal((40, 3)), rng.standard_normal((40, 3))
    metric.update_state(x, y)
    assert metric.result() == pytest.approx(direct_fd(x, y), rel=1e-6)


def test_result_without_enough_samples_raises():
    metric = FrechetDistance()
    metric.update_state(np.zeros((5, 2)), None)
    with pytest.raises(ValueError, match="Expected at least 2 real and 2 generated samples"):
        metric.result()


def test_feature_size_change_raises():
    metric = FrechetDistance()
    metric.update_state(np.zeros((5, 2)), None)
    with pytest.raises(ValueError, match="Expected 2 features per sample"):
        metric.update_state(np.zeros((5, 3)), None)


def test_mismatched_real_and_generated_features_raise():
    metric = FrechetDistance()
    metric.update_state(np.random.rand(5, 2), np.random.rand(5, 3))
    with pytest.raises(ValueError, match="Expected real and generated features of the same size"):
        metric.result()


def test_extractor_model_with_non_2d_output_raises_at_construction():
    extractor = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 3)], name="conv")
    expected = (
        r"^Expected `feature_extractor` to output \(batch, d\) values, one vector per sample\. "
        r"Received: feature_extractor 'conv' with output shape \(None, 2, 2, 2\)$"
    )
    with pytest.raises(ValueError, match=expected):
        FrechetDistance(extractor)
    with pytest.raises(ValueError, match=expected):
        quality_scores(np.zeros((8, 4, 4, 1)), np.zeros((8, 4, 4, 1)), feature_extractor=extractor)


def test_extractor_callable_with_non_2d_output_raises_on_the_first_batch():
    metric = FrechetDistance(lambda batch: batch)
    with pytest.raises(ValueError, match=r"^Expected the feature extractor to map a batch of 3 "):
        metric.update_state(np.zeros((3, 4, 4, 1)), None)


def test_non_callable_extractor_raises():
    with pytest.raises(ValueError, match="Expected `feature_extractor` to be a Keras model"):
        FrechetDistance("inception")


def test_config_round_trip_keeps_the_extractor():
    extractor = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    metric = FrechetDistance(extractor, batch_size=8, name="fd")
    clone = FrechetDistance.from_config(metric.get_config())
    assert (clone.name, clone.batch_size) == ("fd", 8)
    assert isinstance(clone.feature_extractor, keras.Model)
    assert clone.feature_extractor.output_shape == (None, 2)


def test_config_saved_with_eps_still_loads_and_only_a_changed_eps_warns(recwarn):
    # Configs written before the eigenvalue method carry `"eps": 1e-6`.
    config = {**FrechetDistance(batch_size=8).get_config(), "eps": 1e-6}
    clone = FrechetDistance.from_config(config)
    assert clone.batch_size == 8
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]
    with pytest.warns(DeprecationWarning, match="`eps` is ignored.*Received: eps=0.001"):
        FrechetDistance(eps=1e-3)


@given(st.integers(2, 30), st.integers(1, 12), st.integers(0, 2**31 - 1))
def test_distance_to_samples_matches_scipy_for_few_or_many_samples(m, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((40, d)) @ rng.standard_normal((d, d))
    y = rng.standard_normal((m, d)) + 0.2
    mu1, s1 = x.mean(0), np.atleast_2d(np.cov(x, rowvar=False))
    value = _stats.frechet_distance_to_samples(mu1, s1, y)
    s2 = np.atleast_2d(np.cov(y, rowvar=False))
    expected = np.sum((mu1 - y.mean(0)) ** 2) + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)
    assert value == pytest.approx(expected, rel=1e-6, abs=1e-6)
