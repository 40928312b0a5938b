"""Quality measures of a trained VAE's latent space: per-dimension KL and active units, kNN
class accuracy and retrieval agreement."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from .likelihood import LikelihoodIndex, top_k

#: nats: a latent dimension whose average KL is above this is "active" (carries information
#: about the garment); at or below it the model ignores the dimension.
ACTIVE_KL = 0.01


def kl_per_dimension(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """Average KL(q(z_d|x) || N(0, 1)) of each dimension over items, (d,):
    -1/2 mean_i (1 + logvar_id - mu_id^2 - exp(logvar_id))."""
    mu = np.asarray(mu, dtype=np.float64)
    logvar = np.asarray(logvar, dtype=np.float64)
    return (-0.5 * (1.0 + logvar - mu**2 - np.exp(logvar))).mean(axis=0)


def active_dims(kl_per_dim: np.ndarray, threshold: float = ACTIVE_KL) -> np.ndarray:
    """Boolean mask of active latent dimensions: average KL above ``threshold`` nats."""
    return np.asarray(kl_per_dim, dtype=np.float64) > threshold


def _chunks(n: int, size: int) -> range:
    return range(0, n, size)


def knn_accuracy(
    query_mu: np.ndarray,
    query_labels: np.ndarray,
    ref_mu: np.ndarray,
    ref_labels: np.ndarray,
    k: int = 5,
    chunk: int = 512,
) -> float:
    """Fraction of queries whose k nearest reference means (Euclidean) vote for their class.

    Majority vote; a tie between classes goes to the class of the nearest neighbour among them.
    """
    ref = np.asarray(ref_mu, dtype=np.float64)
    if not 1 <= k <= len(ref):
        raise InputError(f"k must be between 1 and the {len(ref)} reference items; got {k}.")
    ref_sq = np.einsum("nd,nd->n", ref, ref)
    n_classes = int(max(ref_labels.max(), query_labels.max())) + 1
    correct = 0
    for s in _chunks(len(query_mu), chunk):
        q = np.asarray(query_mu[s : s + chunk], dtype=np.float64)
        d2 = ref_sq[None, :] - 2.0 * q @ ref.T  # (B, N) up to a per-row constant
        nn = np.argpartition(d2, k - 1, axis=1)[:, :k]  # kth = k - 1: also valid when k == N
        nn = np.take_along_axis(nn, np.argsort(np.take_along_axis(d2, nn, 1), axis=1), 1)
        votes = ref_labels[nn]  # (B, k), nearest first
        for row, truth in zip(votes, query_labels[s : s + chunk]):
            counts = np.bincount(row, minlength=n_classes)
            best = np.flatnonzero(counts == counts.max())
            winner = next(c for c in row if c in best)
            correct += int(winner == truth)
    return correct / len(query_mu)


def retrieval_agreement(
    index: LikelihoodIndex, queries: np.ndarray, query_labels: np.ndarray, k: int = 10
) -> dict[str, float]:
    """Mean fraction of the top-k retrieved training items that share the query's class.

    Each query z (here: a test item's mean) is ranked against the catalogue by exact log q(z|x)
    and by Euclidean distance to mu.

    Returns
    -------
    ``{"log_q": ..., "euclidean": ...}``, each in [0, 1].
    """
    agree = {"log_q": 0.0, "euclidean": 0.0}
    for z, truth in zip(np.asarray(queries, dtype=np.float64), query_labels):
        by_q = top_k(index.log_q(z), k)
        by_e = top_k(-index.sq_distances(z), k)
        agree["log_q"] += float(np.mean(index.labels_[by_q] == truth))
        agree["euclidean"] += float(np.mean(index.labels_[by_e] == truth))
    return {name: value / len(queries) for name, value in agree.items()}
