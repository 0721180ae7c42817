"""The scores computed directly from their definitions with NumPy and SciPy, written
independently of keras_gan's code, for the tests to compare with (not a test module)."""

import numpy as np
from scipy import linalg


def frechet_distance(x, y):
    """FD as in TF-GAN's test: np.cov, scipy.linalg.sqrtm of the product, real part."""
    mu1, mu2 = x.mean(axis=0), y.mean(axis=0)
    s1, s2 = np.atleast_2d(np.cov(x, rowvar=False)), np.atleast_2d(np.cov(y, rowvar=False))
    covmean = linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def unbiased_mmd2(x, y):
    """KID on the whole sets: the unbiased MMD^2 of Binkowski et al. (2018), with the
    cubic polynomial kernel k(a, b) = (a . b / d + 1)^3, summed over pairs i != j."""
    d = x.shape[1]

    def kernel(a, b):
        return (a @ b.T / d + 1.0) ** 3

    def off_diagonal_mean(k):
        return (k.sum() - np.trace(k)) / (len(k) * (len(k) - 1))

    return float(
        off_diagonal_mean(kernel(x, x)) + off_diagonal_mean(kernel(y, y)) - 2 * kernel(x, y).mean()
    )


def classifier_score(probabilities):
    """exp(mean over samples of KL(p(y|x) || p(y))), p(y) the mean of p(y|x)."""
    marginal = probabilities.mean(axis=0)
    kl = (probabilities * (np.log(probabilities) - np.log(marginal))).sum(axis=1)
    return float(np.exp(kl.mean()))


def brute_force_manifold(real, fake, k=3, density_k=5):
    """The papers' definitions, written out over the full distance matrices.

    A ball counts every sample of its own set (its centre included) closer than the
    radius; the samples at exactly the radius share what that count lacks of k (none
    without ties, the papers' open balls).
    """

    def distances(a, b):
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))

    def balls(x, kk):
        d = distances(x, x)
        others = d + np.diag(np.full(len(x), np.inf))
        radius = np.sort(others, axis=1)[:, kk - 1]
        inside = (d < radius[:, None]).sum(axis=1)
        on = (d == radius[:, None]).sum(axis=1)
        return radius, (kk - inside) / on

    def weight(dist, radius, boundary):
        return 1.0 if dist < radius else boundary if dist == radius else 0.0

    rf = distances(real, fake)
    (r_1, w_1), (r_k, w_k), (r_dk, w_dk) = (balls(real, kk) for kk in (1, k, density_k))
    f_k, fw_k = balls(fake, k)
    n, m = len(real), len(fake)
    precision = np.mean(
        [any(weight(rf[i, j], r_k[i], w_k[i]) > 0 for i in range(n)) for j in range(m)]
    )
    recall = np.mean(
        [any(weight(rf[i, j], f_k[j], fw_k[j]) > 0 for j in range(m)) for i in range(n)]
    )
    density = sum(weight(rf[i, j], r_dk[i], w_dk[i]) for i in range(n) for j in range(m)) / (
        density_k * m
    )
    coverage = np.mean([weight(rf[i].min(), r_dk[i], w_dk[i]) > 0 for i in range(n)])
    nearest = rf.argmin(axis=0)
    memorization = np.mean([weight(rf[a, j], r_1[a], w_1[a]) > 0 for j, a in enumerate(nearest)])
    return {
        "precision": precision,
        "recall": recall,
        "density": density,
        "coverage": coverage,
        "memorization": memorization,
    }
