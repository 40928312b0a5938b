"""Quality measures of a trained VAE's latent space: kNN class accuracy and retrieval agreement."""

from __future__ import annotations

import numpy as np

from .likelihood import LikelihoodIndex, top_k


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
    ref_sq = np.einsum("nd,nd->n", ref, ref)
    n_classes = int(max(ref_labels.max(), query_labels.max())) + 1
    correct = 0
    for s in _chunks(len(query_mu), chunk):
        q = np.asarray(query_mu[s : s + chunk], dtype=np.float64)
        d2 = ref_sq[None, :] - 2.0 * q @ ref.T  # (B, N) up to a per-row constant
        nn = np.argpartition(d2, k, axis=1)[:, :k]
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
