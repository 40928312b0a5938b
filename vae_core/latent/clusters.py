"""k-means clustering of the latent means (Lloyd's algorithm with k-means++ seeding)."""

from __future__ import annotations

import numpy as np

from ..errors import InputError


def kmeans_labels(x: np.ndarray, k: int, seed: int = 0, iterations: int = 50) -> np.ndarray:
    """Cluster (N, d) points into ``k`` groups; returns (N,) labels in 0..k-1.

    Lloyd's algorithm (assign each point to its nearest centroid, move each centroid to the mean
    of its points) from a k-means++ start (Arthur & Vassilvitskii 2007), until no label changes
    or ``iterations`` passes. Clusters are numbered by decreasing size, so the result does not
    depend on the seeding order.
    """
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if not 1 <= k <= n:
        raise InputError(f"k must be between 1 and {n}; got {k}.")
    rng = np.random.default_rng(seed)
    sq = np.einsum("nd,nd->n", x, x)
    centroids = [x[rng.integers(n)]]
    d2 = np.maximum(sq - 2 * x @ centroids[0] + centroids[0] @ centroids[0], 0)
    for _ in range(1, k):
        centroids.append(x[rng.choice(n, p=d2 / d2.sum())] if d2.sum() > 0 else x[rng.integers(n)])
        d2 = np.minimum(d2, np.maximum(sq - 2 * x @ centroids[-1] + centroids[-1] @ centroids[-1], 0))
    c = np.array(centroids)
    labels = np.full(n, -1)
    for _ in range(iterations):
        new = np.argmin(sq[:, None] - 2 * x @ c.T + np.einsum("kd,kd->k", c, c)[None, :], axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = x[labels == j]
            if len(members):
                c[j] = members.mean(axis=0)
    sizes = np.bincount(labels, minlength=k)
    rename = np.empty(k, dtype=np.int64)
    rename[np.argsort(-sizes, kind="stable")] = np.arange(k)
    return rename[labels]
