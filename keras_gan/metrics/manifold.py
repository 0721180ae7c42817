"""`manifold_scores`: precision, recall, density, coverage and memorization from k-NN balls.

All five compare sets of features through balls around samples: the ball of a sample
has the distance to its k-th nearest neighbour in its own set as radius (Euclidean
distances, open balls: a point exactly on the boundary is outside). Distances are
computed in row chunks, so memory stays bounded whatever the set sizes.
"""

import numpy as np

from keras_gan import validation

#: Distances computed at once: (rows of a chunk) x (columns) <= this (32 MB in float64).
CHUNK_ELEMENTS = 2**22


def pairwise_distances(a, b):
    """Yields `(start, distances)`: Euclidean distances of `a[start:start + r]` to `b`."""
    b_squared = np.einsum("ij,ij->i", b, b)
    rows = max(1, CHUNK_ELEMENTS // max(1, len(b)))
    for start in range(0, len(a), rows):
        x = a[start : start + rows]
        squared = np.einsum("ij,ij->i", x, x)[:, None] + b_squared[None, :] - 2.0 * (x @ b.T)
        yield start, np.sqrt(np.clip(squared, 0.0, None))


def neighbour_radii(features, ks):
    """Distance of each sample to its k-th nearest other sample, `(n, len(ks))`."""
    n, largest = len(features), max(ks)
    if n <= largest:
        raise ValueError(
            f"Expected more than k={largest} samples in each set for the k-nearest-neighbour "
            f"scores. Received: {n}"
        )
    radii = np.empty((n, len(ks)))
    for start, distances in pairwise_distances(features, features):
        rows = np.arange(len(distances))
        distances[rows, start + rows] = np.inf  # a sample is not its own neighbour
        nearest = np.sort(np.partition(distances, largest - 1, axis=1)[:, :largest], axis=1)
        radii[start : start + len(distances)] = nearest[:, [k - 1 for k in ks]]
    return radii


def manifold_scores(real, generated, *, k: int = 3, density_k: int = 5, real_radii=None) -> dict:
    """Precision, recall, density, coverage and memorization of generated features.

    With `B(x, r)` the open ball around `x` of radius `r`, `NND_k(x)` the distance from
    `x` to its k-th nearest neighbour within its own set, real features `X` (n) and
    generated features `Y` (m):

    - `precision = (1/m) sum_j [Y_j in some B(X_i, NND_k(X_i))]`: the share of
      generated samples inside the real manifold (realism), and
      `recall = (1/n) sum_i [X_i in some B(Y_j, NND_k(Y_j))]`: the share of real samples
      inside the generated manifold (modes covered). Kynkaanniemi et al., 2019,
      "Improved Precision and Recall Metric for Assessing Generative Models"
      (arXiv:1904.06991), with their k = 3.
    - `density = (1/(k' m)) sum_j sum_i [Y_j in B(X_i, NND_k'(X_i))]`: how many real
      balls hold each generated sample, 1 on average for samples from the real
      distribution, above 1 where samples crowd into dense regions; and
      `coverage = (1/n) sum_i [the nearest Y_j to X_i is in B(X_i, NND_k'(X_i))]`:
      the share of real samples with a generated one nearby. Naeem et al., 2020,
      "Reliable Fidelity and Diversity Metrics for Generative Models"
      (arXiv:2002.09797), with their k' = 5 (`density_k`).
    - `memorization = (1/m) sum_j [d(Y_j, X_a) < NND_1(X_a)]` with `X_a` the nearest
      real sample to `Y_j`: the share of generated samples closer to a real (training)
      sample than that sample's nearest other real sample, the negation of the
      authenticity of Alaa et al., 2022 (arXiv:2102.08921). Fresh samples of the real
      distribution have a share well above 0 too (compare with held-out real data);
      a generator that copies its training images approaches 1.

    Identical sets give precision = recall = density = coverage = 1 (each ball holds
    its centre and the k - 1 nearer neighbours, not the k-th on its boundary).

    Args:
        real: real features, `(n, d)`, n > `density_k`.
        generated: generated features, `(m, d)`, m > `k`.
        k: neighbour of the precision and recall radii. Defaults to `3`.
        density_k: neighbour of the density and coverage radii. Defaults to `5`.
        real_radii: `neighbour_radii(real, (1, k, density_k))` when computed
            beforehand (a reference set compared many times). Defaults to `None`.

    Returns:
        A dict of floats with keys `"precision"`, `"recall"`, `"density"`,
        `"coverage"` and `"memorization"`.

    Example:
    ```python
    scores = keras_gan.metrics.manifold_scores(real_features, generated_features)
    ```
    """
    k = validation.check_positive_int(k, "k")
    density_k = validation.check_positive_int(density_k, "density_k")
    real = np.asarray(real, "float64")
    generated = np.asarray(generated, "float64")
    if real.ndim != 2 or generated.ndim != 2 or real.shape[1] != generated.shape[1]:
        raise ValueError(
            "Expected real and generated features of shapes (n, d) and (m, d). "
            f"Received: shapes {real.shape} and {generated.shape}"
        )
    if real_radii is None:
        real_radii = neighbour_radii(real, (1, k, density_k))
    nearest_other, precision_radii, density_radii = real_radii.T
    generated_radii = neighbour_radii(generated, (k,))[:, 0]

    inside_real = np.zeros(len(generated), bool)
    density_counts = np.zeros(len(generated))
    memorized = np.zeros(len(generated), bool)
    for start, distances in pairwise_distances(generated, real):
        rows = slice(start, start + len(distances))
        inside_real[rows] = (distances < precision_radii).any(axis=1)
        density_counts[rows] = (distances < density_radii).sum(axis=1)
        nearest = distances.argmin(axis=1)
        nearest_distance = distances[np.arange(len(distances)), nearest]
        memorized[rows] = nearest_distance < nearest_other[nearest]
    inside_generated = np.zeros(len(real), bool)
    covered = np.zeros(len(real), bool)
    for start, distances in pairwise_distances(real, generated):
        rows = slice(start, start + len(distances))
        inside_generated[rows] = (distances < generated_radii).any(axis=1)
        covered[rows] = distances.min(axis=1) < density_radii[rows]
    return {
        "precision": float(inside_real.mean()),
        "recall": float(inside_generated.mean()),
        "density": float(density_counts.sum() / (density_k * len(generated))),
        "coverage": float(covered.mean()),
        "memorization": float(memorized.mean()),
    }
