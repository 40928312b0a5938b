"""What each latent dimension does, and what the prior generates.

* :func:`traversal_z` lays out a traversal grid: one row per latent dimension, that dimension
  swept from -a to a while the others stay at a base z (zeros, or the Explore page's z);
  :func:`traversal_sheet` decodes it into one picture.
* :func:`prior_samples` draws seeded samples from the prior N(0, I) and pairs each with its
  nearest training garment by exact log q(z|x), so a designer can check the seed's two rules:
  new garments should look real, and should not be copies of a training item.
* :func:`training_curves` reshapes a package's per-epoch history for plotting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..images import grid_rows


def traversal_values(a: float, steps: int) -> np.ndarray:
    """The ``steps`` values of a traversal column, evenly spaced from -a to a."""
    if not (np.isfinite(a) and a > 0):
        raise InputError(f"The traversal range a must be a positive number; got {a}.")
    if steps < 2:
        raise InputError(f"A traversal needs at least 2 steps; got {steps}.")
    return np.linspace(-float(a), float(a), int(steps))


def traversal_z(
    base: Sequence[float] | np.ndarray, a: float, steps: int, dims: Sequence[int] | None = None
) -> np.ndarray:
    """(len(dims), steps, d) latent vectors: row r sets dimension ``dims[r]`` to each value in
    -a..a (see :func:`traversal_values`) and keeps every other dimension at ``base``."""
    base = np.asarray(base, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(base)):
        raise InputError("The base z contains NaN or infinite values.")
    d = base.shape[0]
    dims = list(range(d)) if dims is None else [int(i) for i in dims]
    if any(not 0 <= i < d for i in dims):
        raise InputError(f"Latent dimensions must be between 0 and {d - 1}; got {dims}.")
    values = traversal_values(a, steps)
    z = np.broadcast_to(base, (len(dims), len(values), d)).copy()
    for r, i in enumerate(dims):
        z[r, :, i] = values
    return z


def traversal_sheet(decoded: np.ndarray, pad: int = 2, fill: int = 255) -> np.ndarray:
    """Tile decoded traversal images (rows, steps, H, W) into one uint8 sheet, rows kept as rows."""
    return grid_rows(list(np.asarray(decoded)), pad, fill)


def kl_order(kl_per_dim: np.ndarray) -> list[int]:
    """Latent dimensions ordered by decreasing KL (most informative first; ties by index)."""
    kl = np.asarray(kl_per_dim, dtype=np.float64)
    return [int(i) for i in np.lexsort((np.arange(len(kl)), -kl))]


def prior_samples(latent_dim: int, n: int, seed: int) -> np.ndarray:
    """(n, latent_dim) float64 samples from N(0, I); the same seed gives the same samples."""
    if n < 1:
        raise InputError(f"Ask for at least one sample; got {n}.")
    return np.random.default_rng(int(seed)).standard_normal((int(n), int(latent_dim)))


@dataclass(frozen=True)
class PriorSample:
    """One prior sample ``z`` and its nearest training item by log q: ``nearest`` (index),
    ``log_q`` (its score), ``label`` (its class) and ``typicality`` (percentile, see
    :meth:`ModelPackage.typicality`: low means far from every training garment)."""

    z: np.ndarray
    nearest: int
    log_q: float
    label: int
    typicality: float


def samples_with_neighbours(pkg: Any, n: int, seed: int) -> list[PriorSample]:
    """Seeded prior samples, each with its nearest training garment by exact log q(z|x)."""
    out = []
    for z in prior_samples(pkg.latent_dim, n, seed):
        ranking = pkg.rank(z, 1)
        out.append(
            PriorSample(
                z=z,
                nearest=int(ranking.indices[0]),
                log_q=float(ranking.scores[0]),
                label=int(ranking.labels[0]),
                typicality=float(pkg.typicality(z)),
            )
        )
    return out


CURVES = (
    ("neg_elbo", "Negative ELBO"),
    ("recon", "Reconstruction"),
    ("kl", "KL"),
)


def training_curves(history: Sequence[dict[str, float]]) -> dict[str, dict[str, np.ndarray]]:
    """Per-epoch series from a package history: ``{"epoch": ..., "neg_elbo": {"train": ...,
    "test": ...}, "recon": {...}, "kl": {...}}``; a value missing from an epoch is NaN."""
    epochs = np.array([float(h.get("epoch", i + 1)) for i, h in enumerate(history)])
    curves: dict[str, Any] = {"epoch": epochs}
    for key, _ in CURVES:
        curves[key] = {
            split: np.array([float(h.get(f"{split}_{key}", np.nan)) for h in history]) for split in ("train", "test")
        }
    return curves
