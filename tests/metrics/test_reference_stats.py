"""quality_scores against reference statistics (.npz with mu and sigma) instead of samples."""

import zipfile

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
    with pytest.raises(ValueError, match=r"a covariance. Received: '.*none.npz', which does not"):
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


def _refused(path, match):
    with pytest.raises(ValueError, match=r"Expected a reference-statistics .npz file.*" + match):
        quality_scores(None, np.zeros((10, 2), "float32"), reference_stats=str(path))


def test_files_that_are_not_statistics_are_refused_naming_the_file(tmp_path):
    _refused(tmp_path, r"Received: '.*', a directory")
    np.save(tmp_path / "one.npy", np.zeros(2))
    _refused(tmp_path / "one.npy", r"'.*one.npy', a .npy file of one array of shape \(2,\)")
    (tmp_path / "text.npz").write_text("mu 0 0\n")
    _refused(tmp_path / "text.npz", r"'.*text.npz', which is not a .npz archive")
    np.savez(tmp_path / "whole.npz", mu=np.zeros(2), sigma=np.eye(2))
    (tmp_path / "cut.npz").write_bytes((tmp_path / "whole.npz").read_bytes()[:200])
    _refused(tmp_path / "cut.npz", r"'.*cut.npz', which is not a .npz archive \(text, or a dam")
    with zipfile.ZipFile(tmp_path / "damaged.npz", "w") as archive:
        archive.writestr("mu.npy", b"\x93NUMPY damaged")
        archive.writestr("sigma.npy", b"\x93NUMPY damaged")
    _refused(tmp_path / "damaged.npz", r"'.*damaged.npz', whose arrays could not be read")
    np.savez(tmp_path / "objects.npz", mu=np.array([0, None]), sigma=np.eye(2))
    _refused(tmp_path / "objects.npz", r"'.*objects.npz', whose arrays could not be read \(obj")
    np.savez(tmp_path / "strings.npz", mu=np.array(["0", "0"]), sigma=np.eye(2))
    _refused(tmp_path / "strings.npz", r"Received: mu of dtype <U1 in '.*strings.npz'")


@pytest.mark.parametrize(
    "mu, sigma, match",
    [
        ([0.0, np.inf], np.eye(2), r"finite values. Received: '.*', whose mu holds 0 NaN and 1 i"),
        ([0.0, 0.0], [[1.0, np.nan], [np.nan, 1.0]], r"whose sigma holds 2 NaN and 0 infinite"),
        ([0.0, 0.0], [[1.0, 0.5], [-0.5, 1.0]], r"symmetric. Received: '.*', whose sigma differs"),
        (
            [0.0, 0.0],
            -np.eye(2),
            r"semi-definite. Received: '.*', whose sigma has an eigenvalue of",
        ),
    ],
)
def test_statistics_that_are_not_a_mean_and_covariance_are_refused(tmp_path, mu, sigma, match):
    np.savez(tmp_path / "stats.npz", mu=np.array(mu), sigma=np.array(sigma))
    _refused(tmp_path / "stats.npz", match)


def test_a_covariance_with_round_off_is_accepted(tmp_path):
    features = np.random.default_rng(1).normal(size=(3, 6))  # rank 2: zero eigenvalues
    sigma = np.cov(features, rowvar=False)
    sigma[0, 1] += 1e-12
    np.savez(tmp_path / "stats.npz", mu=features.mean(axis=0), sigma=sigma)
    scores = quality_scores(
        None, np.zeros((10, 6), "float32"), reference_stats=str(tmp_path / "stats.npz")
    )
    assert np.isfinite(scores["fd"])
