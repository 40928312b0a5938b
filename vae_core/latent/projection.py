"""2-D maps of the latent means: PCA (exact, invertible placement) and t-SNE (openTSNE).

PCA places any z exactly: ``(z - mean) @ components[[i, j]].T``. t-SNE has no closed-form map
for a new point, so :func:`place_by_neighbours` uses a documented approximation: the mean of the
top-k likelihood neighbours' t-SNE positions, weighted by their posterior probabilities
softmax(log q(z|x_i)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PCA:
    """Principal components of the means: ``mean_`` (d,), ``components_`` (d, d) as rows,
    sorted by decreasing ``explained_variance_`` (d,)."""

    mean_: np.ndarray
    components_: np.ndarray
    explained_variance_: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> PCA:
        """Fit on (N, d) data by an eigendecomposition of its covariance matrix.

        Component signs are fixed so each component's largest-magnitude loading is positive,
        which makes the map's orientation reproducible.
        """
        x = np.asarray(x, dtype=np.float64)
        mean = x.mean(axis=0)
        cov = np.cov(x - mean, rowvar=False)
        vals, vecs = np.linalg.eigh(cov)
        order = np.argsort(vals)[::-1]
        comps = vecs[:, order].T  # (d, d), one component per row
        signs = np.sign(comps[np.arange(len(comps)), np.abs(comps).argmax(axis=1)])
        comps = comps * signs[:, None]
        return cls(mean, comps, np.maximum(vals[order], 0.0))

    @property
    def explained_ratio_(self) -> np.ndarray:
        """Fraction of the total variance each component explains, (d,)."""
        return self.explained_variance_ / self.explained_variance_.sum()

    def transform(self, x: np.ndarray, components: tuple[int, int] = (0, 1)) -> np.ndarray:
        """Coordinates of (N, d) or (d,) points on two chosen components, (N, 2) or (2,)."""
        x = np.asarray(x, dtype=np.float64)
        return (x - self.mean_) @ self.components_[list(components)].T

    def with_coordinates(self, z: np.ndarray, xy: np.ndarray, components: tuple[int, int] = (0, 1)) -> np.ndarray:
        """The code nearest to ``z`` (d,) whose coordinates on the two ``components`` are ``xy``:
        ``z + C.T (xy - C (z - mean))`` for C the two components' rows. The components are
        orthonormal (eigenvectors of a symmetric matrix), so this sets those two coordinates and
        keeps every other coordinate of z. This is how a click on a PCA map becomes a garment."""
        z = np.asarray(z, dtype=np.float64).reshape(-1)
        c = self.components_[list(components)]  # (2, d)
        return z + c.T @ (np.asarray(xy, dtype=np.float64).reshape(2) - c @ (z - self.mean_))


def tsne(
    x: np.ndarray,
    seed: int = 0,
    perplexity: float = 30.0,
    n_jobs: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """A 2-D t-SNE embedding of (N, d) points with openTSNE (FFT-accelerated, Annoy neighbours).

    Parameters
    ----------
    x
        (N, d) points, e.g. the latent means.
    seed
        Seeds the PCA initialisation and the neighbour search.
    perplexity
        openTSNE's default, 30 (van der Maaten & Hinton 2008 suggest 5 to 50).
    progress
        Called as ``progress(iteration, total_iterations)`` every 50 iterations.

    Returns
    -------
    (N, 2) float32 embedding.
    """
    from openTSNE import TSNE

    total = 750  # openTSNE's defaults: 250 early-exaggeration + 500 normal iterations

    class _Report:
        """openTSNE restarts its iteration count in the second phase; keep a running total."""

        def __init__(self) -> None:
            self.offset, self.last = 0, 0

        def __call__(self, iteration: int, error: float, embedding: np.ndarray) -> bool:
            if iteration < self.last:
                self.offset += self.last
            self.last = iteration
            if progress is not None:
                progress(min(self.offset + iteration, total), total)
            return False

    est = TSNE(
        n_components=2,
        perplexity=perplexity,
        n_jobs=n_jobs,
        random_state=seed,
        initialization="pca",
        callbacks=None if progress is None else [_Report()],
        callbacks_every_iters=50,
        verbose=False,
    )
    emb = est.fit(np.asarray(x, dtype=np.float64))
    if progress is not None:
        progress(total, total)
    return np.asarray(emb, dtype=np.float32)


def place_by_neighbours(coords: np.ndarray, indices: np.ndarray, log_q: np.ndarray) -> np.ndarray:
    """Approximate 2-D position of z: neighbours' positions weighted by softmax(log q).

    Parameters
    ----------
    coords
        (N, 2) map coordinates of the catalogue.
    indices, log_q
        (k,) the top-k neighbours of z and their log q(z|x) scores.
    """
    w = np.exp(np.asarray(log_q, dtype=np.float64) - np.max(log_q))
    w /= w.sum()
    return (w[:, None] * coords[np.asarray(indices)]).sum(axis=0)
