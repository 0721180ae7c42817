"""quality_scores against reference statistics (.npz with mu and sigma) instead of samples."""

import numpy as np
import pytest
import scipy.linalg

from keras_gan.metrics import quality_scores


def _fid(mu1, sigma1, mu2, sigma2):
    """The reference formula with scipy's matrix square root."""
    root = scipy.linalg.sqrtm(sigma1 @ sigma2).real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2 - 2 * root))


def test_fd_against_a_statistics_file_equals_the_formula(tmp_path):
    rng = np.random.default_rng(0)
    generated = rng.normal(size=(300, 5)).astype("float32")
    mu, sigma = rng.normal(size=5), np.cov(rng.normal(size=(50, 5)) * 2, rowvar=False)
    path = tmp_path / "stats.npz"
    np.savez(path, mu=mu, sigma=sigma)
    scores = quality_scores(None, generated, reference_stats=str(path))
    assert set(scores) == {"fd"}
    g = generated.astype("float64")
    expected = _fid(mu, sigma, g.mean(axis=0), np.cov(g, rowvar=False))
    assert scores["fd"] == pytest.approx(expected, rel=1e-6)


def test_bad_statistics_files_and_arguments_raise(tmp_path):
    generated = np.zeros((10, 4), "float32")
    with pytest.raises(ValueError, match=r"Expected either `real` samples or `reference_stats`"):
        quality_scores(None, generated)
    with pytest.raises(ValueError, match=r"Received: both"):
        quality_scores(generated, generated, reference_stats="x.npz")
    with pytest.raises(ValueError, match=r"mu and sigma. Received: '.*none.npz', which does not"):
        quality_scores(None, generated, reference_stats=str(tmp_path / "none.npz"))
    np.savez(tmp_path / "keys.npz", mean=np.zeros(4))
    with pytest.raises(ValueError, match=r"Received: '.*keys.npz', holding \['mean'\]"):
        quality_scores(None, generated, reference_stats=str(tmp_path / "keys.npz"))
    np.savez(tmp_path / "shape.npz", mu=np.zeros(4), sigma=np.eye(3))
    with pytest.raises(ValueError, match=r"Received: mu \(4,\) and sigma \(3, 3\)"):
        quality_scores(None, generated, reference_stats=str(tmp_path / "shape.npz"))
    np.savez(tmp_path / "size.npz", mu=np.zeros(6), sigma=np.eye(6))
    with pytest.raises(ValueError, match=r"size of the reference statistics, 6. Received: 4"):
        quality_scores(None, generated, reference_stats=str(tmp_path / "size.npz"))
