"""The NumPy/SciPy math behind the metrics, in float64 (private)."""

import numpy as np


def frechet_distance(mu1, sigma1, mu2, sigma2, *, sqrt_sigma1=None) -> float:
    """Squared Frechet distance between the Gaussians N(mu1, sigma1) and N(mu2, sigma2).

    `||mu1 - mu2||^2 + Tr(sigma1) + Tr(sigma2) - 2 Tr((sigma1 sigma2)^(1/2))`. The
    trace of the square root needs only eigenvalues: `sigma1 sigma2` has the same
    eigenvalues as the symmetric `sigma1^(1/2) sigma2 sigma1^(1/2)`, which are real
    and non-negative for covariance matrices, so `Tr((sigma1 sigma2)^(1/2))` is the sum
    of their square roots (round-off below zero is clipped). Two symmetric eigenvalue
    decompositions replace the full matrix square root of the reference FID code
    (`scipy.linalg.sqrtm`), which is many times slower and needs a diagonal offset
    when the product is singular.

    Args:
        mu1: mean of the first set, `(d,)`.
        sigma1: covariance of the first set, `(d, d)`.
        mu2: mean of the second set, `(d,)`.
        sigma2: covariance of the second set, `(d, d)`.
        sqrt_sigma1: `sqrt_psd(sigma1)` when computed beforehand (a reference set
            compared many times). Defaults to `None` (computed here).
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, "float64")), np.atleast_1d(np.asarray(mu2, "float64"))
    sigma1 = np.atleast_2d(np.asarray(sigma1, "float64"))
    sigma2 = np.atleast_2d(np.asarray(sigma2, "float64"))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError(
            "Expected real and generated features of the same size. "
            f"Received: means of shapes {mu1.shape} and {mu2.shape}"
        )
    diff = mu1 - mu2
    root1 = sqrt_psd(sigma1) if sqrt_sigma1 is None else sqrt_sigma1
    trace_covmean = trace_sqrt_product(root1, sigma2)
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_covmean
    return float(value)


def sqrt_psd(sigma):
    """The symmetric square root of a symmetric positive semi-definite matrix (`eigh`)."""
    values, vectors = np.linalg.eigh((sigma + sigma.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def trace_sqrt_product(sqrt_sigma1, sigma2):
    """`Tr((sigma1 sigma2)^(1/2))` from `sqrt_psd(sigma1)` and `sigma2` (both PSD)."""
    inner = sqrt_sigma1 @ sigma2 @ sqrt_sigma1
    eigenvalues = np.linalg.eigvalsh((inner + inner.T) / 2)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def trace_sqrt_product_low_rank(sigma1, factor2):
    """`Tr((sigma1 sigma2)^(1/2))` for `sigma2 = factor2.T @ factor2` (`factor2`: r x d).

    `sigma1 sigma2 = (sigma1 factor2.T) factor2` has the non-zero eigenvalues of the
    r x r `factor2 sigma1 factor2.T`: with fewer samples than features (r = m - 1 < d)
    that matrix is much smaller than d x d, and no square root of `sigma1` is needed.
    """
    inner = factor2 @ sigma1 @ factor2.T
    eigenvalues = np.linalg.eigvalsh((inner + inner.T) / 2)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def frechet_distance_to_samples(mu1, sigma1, samples, *, sqrt_sigma1=None) -> float:
    """`frechet_distance(mu1, sigma1, mean, covariance)` of `samples` (`(m, d)`).

    With fewer samples than features, the trace of the square root comes from the
    m x m `trace_sqrt_product_low_rank` instead of d x d eigenvalues.
    """
    m, d = samples.shape
    mean = samples.mean(axis=0)
    if m - 1 >= d:
        covariance = np.atleast_2d(np.cov(samples, rowvar=False))
        return frechet_distance(mu1, sigma1, mean, covariance, sqrt_sigma1=sqrt_sigma1)
    factor = (samples - mean) / np.sqrt(m - 1)
    diff = np.asarray(mu1, "float64") - mean
    trace2 = float(np.sum(factor * factor))
    trace_covmean = trace_sqrt_product_low_rank(sigma1, factor)
    return float(diff @ diff + np.trace(sigma1) + trace2 - 2.0 * trace_covmean)


def polynomial_kernel(x, y, *, degree: int = 3, coef0: float = 1.0):
    """`k(x, y) = (x . y / d + coef0) ** degree`, the kernel of KID; `d` = feature size."""
    return (x @ y.T / x.shape[1] + coef0) ** degree


def unbiased_mmd2(k_xx, k_yy, k_xy) -> float:
    """Unbiased estimate of MMD^2 from the three kernel matrices (m x m, n x n, m x n).

    `sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (n (n - 1))
    - 2 sum_{i, j} k(x_i, y_j) / (m n)` (Gretton et al., 2012).
    """
    m, n = k_xx.shape[0], k_yy.shape[0]
    xx = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    yy = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(xx + yy - 2.0 * k_xy.sum() / (m * n))


#: Entries of the kernel matrices KID computes once for all subsets at most (128 MB).
KERNEL_ENTRIES = 2**24


def kernel_distance(real, generated, *, subsets: int, subset_size: int, rng, k_xx_all=None):
    """KID: mean and standard deviation of the unbiased MMD^2 over random subsets.

    Each subset draws `subset_size` real and `subset_size` generated features without
    replacement (`subset_size` is capped at the smaller of the two counts), as in
    Binkowski et al.'s reference code. The generated-generated and real-generated
    kernels are computed once for all subsets (when they fit in `KERNEL_ENTRIES`
    entries), the real-real kernel per subset unless given whole (`k_xx_all`,
    `polynomial_kernel(real, real)`, for a reference set compared many times).
    """
    m = min(subset_size, len(real), len(generated))
    whole = len(generated) * (len(real) + len(generated)) <= KERNEL_ENTRIES
    if whole:
        k_yy_all = polynomial_kernel(generated, generated)
        k_xy_all = polynomial_kernel(real, generated)
    values = np.empty(subsets, dtype="float64")
    for i in range(subsets):
        rows = rng.choice(len(real), m, replace=False)
        columns = rng.choice(len(generated), m, replace=False)
        x = real[rows]
        if whole:
            k_yy = k_yy_all[np.ix_(columns, columns)]
            k_xy = k_xy_all[np.ix_(rows, columns)]
        else:
            y = generated[columns]
            k_yy, k_xy = polynomial_kernel(y, y), polynomial_kernel(x, y)
        k_xx = polynomial_kernel(x, x) if k_xx_all is None else k_xx_all[np.ix_(rows, rows)]
        values[i] = unbiased_mmd2(k_xx, k_yy, k_xy)
    return float(values.mean()), float(values.std())


def classifier_score(sum_probabilities, sum_neg_entropy, count) -> float:
    """`exp(E_x KL(p(y|x) || p(y)))` from running sums over `count` samples.

    `E_x KL(p(y|x) || p(y)) = E_x sum_y p(y|x) log p(y|x) - sum_y p(y) log p(y)`, with
    `p(y) = E_x p(y|x)`: so only the sum of `p(y|x)` and the sum of the negative
    entropies `sum_y p(y|x) log p(y|x)` need to be kept.
    """
    marginal = sum_probabilities / count
    marginal_entropy = -np.sum(marginal * np.log(np.clip(marginal, 1e-300, None)))
    kl = sum_neg_entropy / count + marginal_entropy
    return float(np.exp(max(kl, 0.0)))


def negative_entropies(probabilities):
    """`sum_y p log p` per row, with `0 log 0 = 0`."""
    safe = np.where(probabilities > 0, probabilities, 1.0)
    return np.sum(probabilities * np.log(safe), axis=1)


def to_probabilities(outputs, from_logits: bool):
    """Class probabilities in float64 from a classifier's outputs (softmax of logits).

    Raises:
        ValueError: `from_logits=False` and the rows are not probabilities.
    """
    outputs = np.asarray(outputs, dtype="float64")
    if from_logits:
        shifted = outputs - outputs.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        return exp / exp.sum(axis=1, keepdims=True)
    sums = outputs.sum(axis=1)
    if outputs.size and (outputs.min() < -1e-6 or np.abs(sums - 1.0).max() > 1e-3):
        raise ValueError(
            "Expected the classifier to output probabilities (non-negative, each row "
            "summing to 1); pass `from_logits=True` for logits. Received: values from "
            f"{outputs.min():.4g} to {outputs.max():.4g}, row sums from {sums.min():.4g} "
            f"to {sums.max():.4g}"
        )
    return np.clip(outputs, 0.0, None)
