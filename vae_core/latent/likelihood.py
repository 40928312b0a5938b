"""Ranking training items by the encoder's exact Gaussian log-likelihood log q(z|x).

For a latent vector z and a training item x with posterior N(mu(x), diag(sigma(x)^2)):

    log q(z|x) = sum_d [ -(z_d - mu_d)^2 / (2 sigma_d^2) - log(sqrt(2 pi) sigma_d) ]

(no sampling of epsilon; see the seed Q&A). Expanding the square,

    log q(z|x) = sum_d z_d^2 a_d + z_d b_d + c,
    a_d = -1 / (2 sigma_d^2),  b_d = mu_d / sigma_d^2,
    c   = sum_d [ -mu_d^2 / (2 sigma_d^2) - log sigma_d ] - d/2 log(2 pi),

so with one row ``[a, b, c]`` per item, precomputed once, scoring the whole catalogue is a single
matrix-vector product with ``[z^2, z, 1]`` followed by a selection of the top k (:func:`top_k`).
Rows are kept in float64: the three terms can be thousands of nats each and cancel, and float64
keeps the result within 1e-9 relative of the direct formula.

The same scores answer "what does z look like": under a uniform prior over the catalogue,
p(x_i | z) is proportional to q(z | x_i), and summing it per class gives the class probabilities
(:func:`class_probabilities`).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

import numpy as np

from ..errors import InputError

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
PARALLEL_MIN_ITEMS = 200_000  # below this, one thread scores the catalogue faster than several


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="log-q")


def _scores(rows: np.ndarray, features: np.ndarray) -> np.ndarray:
    """``rows @ features`` streamed by ``einsum`` (about twice BLAS gemv's speed on rows this narrow),
    split across cores for large catalogues (numpy releases the GIL inside ``einsum``)."""
    n = rows.shape[0]
    workers = min(4, os.cpu_count() or 1)
    if n < PARALLEL_MIN_ITEMS or workers < 2:
        return np.einsum("nd,d->n", rows, features)
    out = np.empty(n, dtype=np.float64)
    bounds = np.linspace(0, n, workers + 1).astype(int)
    chunks = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
    list(_pool().map(lambda c: np.einsum("nd,d->n", rows[c], features, out=out[c]), chunks))
    return out


def log_q(z: np.ndarray, mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """Direct formula for log q(z|x_i) of every item, shape (N,) (the reference implementation).

    Parameters
    ----------
    z
        (d,) latent vector.
    mu, logvar
        (N, d) posterior means and log-variances of the items.
    """
    z = np.asarray(z, dtype=np.float64)
    mu = np.asarray(mu, dtype=np.float64)
    logvar = np.asarray(logvar, dtype=np.float64)
    var = np.exp(logvar)
    return np.sum(-((z - mu) ** 2) / (2.0 * var) - 0.5 * logvar - LOG_SQRT_2PI, axis=-1)


def top_k(scores: np.ndarray, k: int, sample: int = 16_384) -> np.ndarray:
    """Indices of the k highest scores, highest first, ties broken by the lower index.

    Exact, without sorting or partitioning all N scores: the k-th best score of an evenly strided
    sample of about ``sample`` scores is a lower bound of the true k-th best (a subset's k-th best
    cannot beat the whole set's), so every true top-k item scores at least that much. One
    comparison pass keeps those candidates (a few hundred of a million, ties included), which are
    then ordered exactly, so the result equals a full stable sort.
    """
    n = scores.shape[0]
    k = min(int(k), n)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    probe = scores[:: max(n // max(sample, k), 1)]
    if probe.shape[0] > k:
        threshold = np.partition(probe, probe.shape[0] - k)[probe.shape[0] - k]
        candidates = np.flatnonzero(scores >= threshold)
    else:
        candidates = np.arange(n)
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order[:k]].astype(np.int64)


NEGLIGIBLE_NATS = 50.0  # a term this far below the best one is below float64's resolution of the sum


def class_probabilities(log_q: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Class probabilities given z under a uniform prior over the catalogue's items.

    With p(x_i) = 1/N, Bayes gives p(x_i | z) = q(z | x_i) / sum_j q(z | x_j), so

        p(c | z) = sum_{i: y_i = c} q(z | x_i) / sum_j q(z | x_j)
                 = exp( logsumexp_{i: y_i = c} log q(z|x_i) - logsumexp_j log q(z|x_j) ).

    Computed with the log-sum-exp shift by the best score m = max_i log q(z|x_i), over every item's
    exact score. Terms more than :data:`NEGLIGIBLE_NATS` below m are skipped: each is below
    e^-50 = 2e-22 of the best term, which alone contributes 1 to the shifted total, so all of them
    together (N e^-50, under 2e-16 for a million items) change no probability by more than
    float64's rounding of the sum.

    Parameters
    ----------
    log_q
        (N,) exact log q(z|x_i) of every item for one z, or (M, N) for M vectors z.
    labels
        (N,) class of every item, integers in [0, n_classes).
    n_classes
        Number of classes C.

    Returns
    -------
    (C,) or (M, C) float64 probabilities, each row summing to 1.
    """
    scores = np.asarray(log_q, dtype=np.float64)
    rows = np.atleast_2d(scores)  # (M, N)
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    if rows.shape[1] != labels.shape[0]:
        raise InputError(f"log_q has {rows.shape[1]} items per row but there are {labels.shape[0]} labels.")
    best = rows.max(axis=1, keepdims=True)  # (M, 1)
    flat = np.flatnonzero(rows >= best - NEGLIGIBLE_NATS)  # the terms that count (2-D nonzero is 50x slower)
    r, i = np.divmod(flat, rows.shape[1])  # their row and item
    weights = np.exp(rows.ravel()[flat] - best[r, 0])  # (terms,) in (e^-50, 1]
    sums = np.bincount(r * n_classes + labels[i], weights=weights, minlength=rows.shape[0] * n_classes)
    sums = sums.reshape(rows.shape[0], n_classes)  # (M, C)
    probs = sums / sums.sum(axis=1, keepdims=True)
    return probs[0] if scores.ndim == 1 else probs


@dataclass(frozen=True)
class Ranking:
    """A ranked list: item ``indices`` (k,), their ``scores`` (k,) and class ``labels`` (k,)."""

    indices: np.ndarray
    scores: np.ndarray
    labels: np.ndarray


class LikelihoodIndex:
    """Exact top-k retrieval by log q(z|x) (and by Euclidean distance to mu) over a catalogue.

    Parameters
    ----------
    mu, logvar
        (N, d) posterior parameters of the catalogue (float32 or float64).
    labels
        (N,) class labels, returned alongside each ranking.
    """

    def __init__(self, mu: np.ndarray, logvar: np.ndarray, labels: np.ndarray) -> None:
        mu64 = np.asarray(mu, dtype=np.float64)
        logvar64 = np.asarray(logvar, dtype=np.float64)
        if mu64.ndim != 2 or mu64.shape != logvar64.shape:
            raise InputError(f"mu and logvar must both be (N, d); got {mu64.shape}, {logvar64.shape}")
        n, d = mu64.shape
        inv_var = np.exp(-logvar64)
        rows = np.empty((n, 2 * d + 1), dtype=np.float64)
        rows[:, :d] = -0.5 * inv_var
        rows[:, d : 2 * d] = mu64 * inv_var
        rows[:, 2 * d] = np.sum(-0.5 * mu64**2 * inv_var - 0.5 * logvar64, axis=1) - d * LOG_SQRT_2PI
        rows.setflags(write=False)
        self.rows_ = rows  # (N, 2d + 1): [a, b, c] per item
        self.mu_ = np.ascontiguousarray(mu64)
        self.mu_sq_ = np.einsum("nd,nd->n", mu64, mu64)  # (N,) squared norms of the means
        self.labels_ = np.asarray(labels)
        self.dim = d

    def __len__(self) -> int:
        return int(self.rows_.shape[0])

    def check_z(self, z: np.ndarray | list[float]) -> np.ndarray:
        """``z`` as a float64 (d,) vector, or :class:`InputError` saying what is wrong with it."""
        arr = np.asarray(z, dtype=np.float64).reshape(-1)
        if arr.shape[0] != self.dim:
            raise InputError(f"z has {arr.shape[0]} values; this model needs {self.dim}.")
        if not np.all(np.isfinite(arr)):
            raise InputError("z contains NaN or infinite values.")
        return arr

    def log_q(self, z: np.ndarray | list[float]) -> np.ndarray:
        """log q(z|x_i) for every item, (N,), by the inner-product form."""
        z = self.check_z(z)
        features = np.concatenate([z * z, z, [1.0]])  # (2d + 1,)
        return _scores(self.rows_, features)

    def log_q_many(self, zs: np.ndarray) -> np.ndarray:
        """log q(z_m|x_i) of every item for M vectors at once, (M, N) (one matrix product)."""
        zs = np.atleast_2d(np.asarray(zs, dtype=np.float64))
        if zs.shape[1] != self.dim or not np.all(np.isfinite(zs)):
            raise InputError(f"zs must be finite and (M, {self.dim}); got shape {zs.shape}.")
        features = np.concatenate([zs * zs, zs, np.ones((len(zs), 1))], axis=1)  # (M, 2d + 1)
        return features @ self.rows_.T

    def sq_distances(self, z: np.ndarray | list[float]) -> np.ndarray:
        """Squared Euclidean distances ||z - mu_i||^2 for every item, (N,)."""
        z = self.check_z(z)
        return np.maximum(self.mu_sq_ - 2.0 * (self.mu_ @ z) + z @ z, 0.0)

    def _ranking(self, order: np.ndarray, scores: np.ndarray) -> Ranking:
        return Ranking(indices=order, scores=scores[order], labels=self.labels_[order])

    def rank(self, z: np.ndarray | list[float], k: int = 10) -> Ranking:
        """The k items with the highest log q(z|x), highest first, with their log q scores."""
        return self.rank_scores(self.log_q(z), k)

    def rank_scores(self, scores: np.ndarray, k: int = 10) -> Ranking:
        """The top-k :class:`Ranking` of scores already computed by :meth:`log_q` (so one pass over
        the catalogue can serve a ranking and :func:`class_probabilities`)."""
        return self._ranking(top_k(scores, k), scores)

    def rank_euclidean(self, z: np.ndarray | list[float], k: int = 10) -> Ranking:
        """The k items whose mean mu is closest to z; ``scores`` are the distances (ascending)."""
        dist = np.sqrt(self.sq_distances(z))
        order = top_k(-dist, k)
        return Ranking(indices=order, scores=dist[order], labels=self.labels_[order])
