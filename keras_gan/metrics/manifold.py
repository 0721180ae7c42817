"""`manifold_scores`: precision, recall, density, coverage and memorization from k-NN balls.

All five compare sets of features through balls around samples: the ball of a sample
has the distance to its k-th nearest neighbour in its own set as radius (Euclidean
distances, open balls: a point exactly on the boundary is outside, unless ties leave
the ball short of k samples, see `neighbour_balls`). Distances are computed in row
chunks, so memory stays bounded whatever the set sizes.
"""

from typing import NamedTuple

import numpy as np

from keras_gan import checks

#: Distances computed at once: (rows of a chunk) x (columns) <= this (32 MB in float64).
CHUNK_ELEMENTS = 2**22


def _row_ids(*arrays):
    """An id per row of each array, equal for equal rows (across the arrays too)."""
    ids = {}
    # `+ 0.0` turns -0.0 into 0.0, so that rows equal as numbers get equal bytes.
    return [
        np.array([ids.setdefault((row + 0.0).tobytes(), len(ids)) for row in x]) for x in arrays
    ]


def pairwise_distances(a, b):
    """Yields `(start, distances)`: Euclidean distances of `a[start:start + r]` to `b`.

    Equal rows get exactly 0 (the expansion `|x|^2 + |y|^2 - 2 x.y` leaves round-off).
    """
    b_squared = np.einsum("ij,ij->i", b, b)
    a_ids, b_ids = _row_ids(a, b)
    # Rows of `a` equal to a row of `b`, other than itself when `a` is `b`.
    shared = len(set(a_ids) | set(b_ids)) < len(a) + len(b) - (len(a) if a is b else 0)
    rows = max(1, CHUNK_ELEMENTS // max(1, len(b)))
    for start in range(0, len(a), rows):
        x = a[start : start + rows]
        squared = np.einsum("ij,ij->i", x, x)[:, None] + b_squared[None, :] - 2.0 * (x @ b.T)
        distances = np.sqrt(np.clip(squared, 0.0, None))
        if shared:
            distances[a_ids[start : start + rows, None] == b_ids[None, :]] = 0.0
        yield start, distances


class Balls(NamedTuple):
    """The k-NN balls of a set: `radii` and `boundary_weights`, both `(n, len(ks))`."""

    radii: np.ndarray
    boundary_weights: np.ndarray


def neighbour_balls(features, ks) -> Balls:
    """The balls of each sample for each k in `ks`: radius and weight of its boundary.

    The radius is the distance to the k-th nearest other sample. Without ties, the open
    ball holds k samples of its set: its centre and the k - 1 nearer ones. Duplicated
    samples tie: a sample with k or more copies has radius 0, and equal distances can
    put several samples on the boundary. The samples on the boundary then share what
    the inside lacks of k, `boundary_weights = (k - inside) / on_boundary` each (0
    without ties): the ball always holds k samples of its set, and a ball of radius 0
    holds the copies of its centre.
    """
    n, largest = len(features), max(ks)
    if n <= largest:
        raise ValueError(
            f"Expected more than k={largest} samples in each set for the k-nearest-neighbour "
            f"scores. Received: {n}"
        )
    radii, weights = np.empty((n, len(ks))), np.empty((n, len(ks)))
    for start, distances in pairwise_distances(features, features):
        rows = np.arange(len(distances))
        block = slice(start, start + len(distances))
        distances[rows, start + rows] = np.inf  # a sample is not its own neighbour
        nearest = np.sort(np.partition(distances, largest - 1, axis=1)[:, :largest], axis=1)
        radii[block] = nearest[:, [k - 1 for k in ks]]
        for column, k in enumerate(ks):
            radius = radii[block, column]
            # The centre, at distance 0, is inside a ball of positive radius, else on it.
            inside = (distances < radius[:, None]).sum(axis=1) + (radius > 0)
            on_boundary = (distances == radius[:, None]).sum(axis=1) + (radius == 0)
            weights[block, column] = (k - inside) / on_boundary
    return Balls(radii, weights)


def _counts_in(distances, radii, boundary_weights):
    """How many balls (columns) hold each sample (row): 1 for each ball it is inside,
    the ball's boundary weight for each ball it is on the boundary of."""
    counts = (distances < radii).sum(axis=1, dtype="float64")
    tied = np.flatnonzero(boundary_weights > 0)
    if tied.size:
        counts += (distances[:, tied] == radii[tied]) @ boundary_weights[tied]
    return counts


def _reach(radii, boundary_weights):
    """The radii below which a distance counts in the balls at all: the radius, or the
    next float above it when the boundary has weight."""
    return np.where(boundary_weights > 0, np.nextafter(radii, np.inf), radii)


def manifold_scores(real, generated, *, k: int = 3, density_k: int = 5, real_balls=None) -> dict:
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
    - `memorization = (1/m) sum_j [Y_j in B(X_a, NND_1(X_a))]` with `X_a` the nearest
      real sample to `Y_j`: the share of generated samples closer to a real (training)
      sample than that sample's nearest other real sample, the negation of the
      authenticity of Alaa et al., 2022 (arXiv:2102.08921). Fresh samples of the real
      distribution have a share well above 0 too (compare with held-out real data);
      a generator that copies its training images approaches 1.

    Identical sets give precision = recall = density = coverage = 1 (each ball holds
    its centre and the k - 1 nearer neighbours, not the k-th on its boundary), and
    memorization 1. Duplicated samples (ties) count as `neighbour_balls` says: a
    ball of radius 0 holds the copies of its centre, and samples on a boundary count
    for density with the boundary's weight, so that identical sets score 1 with
    duplicates too.

    Args:
        real: real features, `(n, d)`, n > `density_k`.
        generated: generated features, `(m, d)`, m > `k`.
        k: neighbour of the precision and recall radii. Defaults to `3`.
        density_k: neighbour of the density and coverage radii. Defaults to `5`.
        real_balls: `neighbour_balls(real, (1, k, density_k))` when computed
            beforehand (a reference set compared many times). Defaults to `None`.

    Returns:
        A dict of floats with keys `"precision"`, `"recall"`, `"density"`,
        `"coverage"` and `"memorization"`.

    Example:
    ```python
    scores = keras_gan.metrics.manifold_scores(real_features, generated_features)
    ```
    """
    k = checks.check_positive_int(k, "k")
    density_k = checks.check_positive_int(density_k, "density_k")
    real = np.asarray(real, "float64")
    generated = np.asarray(generated, "float64")
    if real.ndim != 2 or generated.ndim != 2 or real.shape[1] != generated.shape[1]:
        raise ValueError(
            "Expected real and generated features of shapes (n, d) and (m, d). "
            f"Received: shapes {real.shape} and {generated.shape}"
        )
    if real_balls is None:
        real_balls = neighbour_balls(real, (1, k, density_k))
    nearest_reach, precision_reach, density_reach = _reach(*real_balls).T
    density_radii, density_weights = real_balls.radii[:, 2], real_balls.boundary_weights[:, 2]
    generated_reach = _reach(*neighbour_balls(generated, (k,)))[:, 0]

    inside_real = np.zeros(len(generated), bool)
    density_counts = np.zeros(len(generated))
    memorized = np.zeros(len(generated), bool)
    for start, distances in pairwise_distances(generated, real):
        rows = slice(start, start + len(distances))
        inside_real[rows] = (distances < precision_reach).any(axis=1)
        density_counts[rows] = _counts_in(distances, density_radii, density_weights)
        nearest = distances.argmin(axis=1)
        nearest_distance = distances[np.arange(len(distances)), nearest]
        memorized[rows] = nearest_distance < nearest_reach[nearest]
    inside_generated = np.zeros(len(real), bool)
    covered = np.zeros(len(real), bool)
    for start, distances in pairwise_distances(real, generated):
        rows = slice(start, start + len(distances))
        inside_generated[rows] = (distances < generated_reach).any(axis=1)
        covered[rows] = distances.min(axis=1) < density_reach[rows]
    return {
        "precision": float(inside_real.mean()),
        "recall": float(inside_generated.mean()),
        "density": float(density_counts.sum() / (density_k * len(generated))),
        "coverage": float(covered.mean()),
        "memorization": float(memorized.mean()),
    }
