"""The statistics of a real (reference) set that every score needs, computed once and
cached on disk under a fingerprint of the data and the feature extractor (private)."""

import hashlib
import json
import os
import zipfile

import keras
import numpy as np

from keras_gan.metrics import _stats
from keras_gan.metrics import manifold

#: Bumped when what a cache file holds changes, so older files are not read.
FORMAT = 2


class Reference:
    """Real features with their mean, covariance, its square root and k-NN balls.

    Args:
        features: real features, `(n, d)` float64.
        k: neighbour of the precision/recall radii.
        density_k: neighbour of the density/coverage radii.
    """

    def __init__(self, features, *, k, density_k, _computed=None):
        self.features = features
        self.k, self.density_k = k, density_k
        if _computed is None:
            covariance = np.atleast_2d(np.cov(features, rowvar=False))
            _computed = {
                "mean": features.mean(axis=0),
                "covariance": covariance,
                "sqrt_covariance": _stats.sqrt_psd(covariance),
                "balls": manifold.neighbour_balls(features, (1, k, density_k)),
            }
        self.mean = _computed["mean"]
        self.covariance = _computed["covariance"]
        self.sqrt_covariance = _computed["sqrt_covariance"]
        self.balls = manifold.Balls(*_computed["balls"])
        self._k_xx = None  # the whole real-real KID kernel, when small enough

    def _real_kernel(self):
        if self._k_xx is None and len(self.features) ** 2 <= _stats.KERNEL_ENTRIES:
            self._k_xx = _stats.polynomial_kernel(self.features, self.features)
        return self._k_xx

    def scores(self, generated, *, kid_subsets, kid_subset_size, seed) -> dict:
        """FD, KID and the manifold scores of generated features against this set."""
        if generated.shape[1:] != self.features.shape[1:]:
            raise ValueError(
                "Expected real and generated features of the same size. Received: "
                f"{self.features.shape[1]} and {generated.shape[1]}"
            )
        if len(generated) < 2:
            raise ValueError(f"Expected at least 2 generated samples. Received: {len(generated)}")
        fd = _stats.frechet_distance_to_samples(
            self.mean, self.covariance, generated, sqrt_sigma1=self.sqrt_covariance
        )
        kid, _ = _stats.kernel_distance(
            self.features,
            generated,
            subsets=kid_subsets,
            subset_size=kid_subset_size,
            rng=np.random.default_rng(seed),
            k_xx_all=self._real_kernel(),
        )
        scores = {"fd": fd, "kid": kid}
        scores.update(
            manifold.manifold_scores(
                self.features,
                generated,
                k=self.k,
                density_k=self.density_k,
                real_balls=self.balls,
            )
        )
        return scores

    def save(self, path):
        """Writes the statistics to `path` (`.npz`) atomically."""
        temporary = f"{path}.tmp-{os.getpid()}.npz"
        np.savez(
            temporary,
            features=self.features,
            mean=self.mean,
            covariance=self.covariance,
            sqrt_covariance=self.sqrt_covariance,
            radii=self.balls.radii,
            boundary_weights=self.balls.boundary_weights,
            ks=np.array([self.k, self.density_k]),
        )
        os.replace(temporary, path)

    @classmethod
    def load(cls, path):
        with np.load(path) as stored:
            k, density_k = (int(v) for v in stored["ks"])
            computed = {key: stored[key] for key in stored.files if key not in ("ks",)}
        computed["balls"] = (computed.pop("radii"), computed.pop("boundary_weights"))
        return cls(computed.pop("features"), k=k, density_k=density_k, _computed=computed)


#: What a reference-statistics file must hold, the start of each of its errors.
_STATISTICS = (
    "Expected a reference-statistics .npz file (numpy.savez) with numeric arrays mu (d,) "
    "and sigma (d, d), a covariance"
)
#: Round-off allowed in sigma: its asymmetry and negative eigenvalues, relative to its
#: largest entry and largest eigenvalue.
_COVARIANCE_TOLERANCE = 1e-6


def load_statistics(path):
    """Returns `(mu, sigma)` from a reference-statistics `.npz` file (the common format of
    published FID statistics: arrays `mu` `(d,)` and `sigma` `(d, d)`).

    Anything else is refused with the file named: a missing file or a directory, a file
    that is not a `.npz` archive (a `.npy`, text, a damaged archive), other arrays,
    non-numeric or object arrays, wrong shapes, non-finite values, and a `sigma` that is
    not a covariance (symmetric positive semi-definite, to round-off).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        reason = "a directory" if os.path.isdir(path) else "which does not exist"
        raise ValueError(f"{_STATISTICS}. Received: {path!r}, {reason}")
    try:
        stored = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(
            f"{_STATISTICS}. Received: {path!r}, which is not a .npz archive (text, or a "
            f"damaged or truncated file: {type(e).__name__})"
        ) from e
    if not isinstance(stored, np.lib.npyio.NpzFile):
        raise ValueError(
            f"{_STATISTICS}. Received: {path!r}, a .npy file of one array of shape "
            f"{stored.shape}; write both with numpy.savez(path, mu=mu, sigma=sigma)"
        )
    with stored:
        if "mu" not in stored.files or "sigma" not in stored.files:
            raise ValueError(f"{_STATISTICS}. Received: {path!r}, holding {sorted(stored.files)}")
        try:
            mu, sigma = stored["mu"], stored["sigma"]
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
            raise ValueError(
                f"{_STATISTICS}. Received: {path!r}, whose arrays could not be read (object "
                f"arrays, or a damaged archive: {type(e).__name__})"
            ) from e
    for name, array in (("mu", mu), ("sigma", sigma)):
        if array.dtype.kind not in "biuf":
            raise ValueError(f"{_STATISTICS}. Received: {name} of dtype {array.dtype} in {path!r}")
    mu, sigma = np.asarray(mu, "float64"), np.asarray(sigma, "float64")
    if mu.ndim != 1 or sigma.shape != (mu.shape[0], mu.shape[0]):
        raise ValueError(
            "Expected mu of shape (d,) and sigma of shape (d, d). Received: "
            f"mu {mu.shape} and sigma {sigma.shape} in {path!r}"
        )
    for name, array in (("mu", mu), ("sigma", sigma)):
        if not np.isfinite(array).all():
            raise ValueError(
                f"{_STATISTICS}, of finite values. Received: {path!r}, whose {name} holds "
                f"{int(np.isnan(array).sum())} NaN and {int(np.isinf(array).sum())} "
                "infinite values"
            )
    _check_covariance(sigma, path)
    return mu, sigma


def _check_covariance(sigma, path):
    """Refuses a `sigma` that is not symmetric positive semi-definite (to round-off)."""
    scale = float(np.abs(sigma).max()) if sigma.size else 0.0
    asymmetry = float(np.abs(sigma - sigma.T).max()) if sigma.size else 0.0
    if asymmetry > _COVARIANCE_TOLERANCE * scale:
        raise ValueError(
            f"{_STATISTICS}: symmetric. Received: {path!r}, whose sigma differs from its "
            f"transpose by up to {asymmetry:.3g} (its largest entry: {scale:.3g})"
        )
    eigenvalues = np.linalg.eigvalsh(sigma) if sigma.size else np.zeros(1)
    lowest, largest = float(eigenvalues[0]), float(np.abs(eigenvalues).max())
    if lowest < -_COVARIANCE_TOLERANCE * largest:
        raise ValueError(
            f"{_STATISTICS}: positive semi-definite. Received: {path!r}, whose sigma has "
            f"an eigenvalue of {lowest:.3g} (its largest in magnitude: {largest:.3g})"
        )


def _structure(layer):
    """A model's layer types and configs, nested models included, without the layer
    names (Keras numbers them per process: a rebuilt model gets other names)."""
    if isinstance(layer, keras.Model):
        return [type(layer).__name__, [_structure(inner) for inner in layer.layers]]
    config = {key: value for key, value in layer.get_config().items() if key != "name"}
    return [type(layer).__name__, config]


def fingerprint(samples, feature_extractor, **settings) -> str:
    """A hex digest of the samples' bytes, the extractor's layers and weights, and
    `settings`: equal digests mean equal reference statistics."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"format": FORMAT, **settings}, sort_keys=True).encode())
    samples = np.ascontiguousarray(keras.ops.convert_to_numpy(samples))
    digest.update(f"{samples.shape}{samples.dtype}".encode())
    digest.update(memoryview(samples).cast("B"))
    if feature_extractor is not None:
        if not isinstance(feature_extractor, keras.Model):
            raise ValueError(
                "Expected a Keras model (or None) as `feature_extractor` to cache the "
                f"reference statistics. Received: {type(feature_extractor).__name__}"
            )
        structure = json.dumps(_structure(feature_extractor), sort_keys=True, default=str)
        digest.update(structure.encode())
        for weights in feature_extractor.get_weights():
            weights = np.ascontiguousarray(weights)
            digest.update(f"{weights.shape}{weights.dtype}".encode())
            digest.update(memoryview(weights).cast("B"))
    return digest.hexdigest()


def cached(cache_dir, key, compute, write=True):
    """Returns the `Reference` stored under `key` in `cache_dir`, or `compute()`'s,
    which it stores there first when `write`. Returns `(reference, was_cached)`."""
    path = os.path.join(cache_dir, f"reference-{key[:24]}.npz")
    if os.path.isfile(path):
        return Reference.load(path), True
    reference = compute()
    if write:
        os.makedirs(cache_dir, exist_ok=True)
        reference.save(path)
    return reference, False
