"""Directions in latent space made from groups of garments ("adding features").

The seed's "face + (face with glasses - face)": the difference between the mean code of the
garments that have a feature and the mean code of those that do not is a direction that adds the
feature. With selection A (or the whole catalogue) and selection B of catalogue items,

    v = mean_{i in B} mu_i - mean_{i in A} mu_i        (d,)

and a slider moves a garment along it in units of z: z(t) = z_base + t v / |v|. Plain numpy; the
Explore page's direction sliders and the Latent map's "Make a direction" use these.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import InputError


def mean_code(mu: np.ndarray, indices: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
    """The mean of the posterior means ``mu`` (N, d) over ``indices`` (None: every item), (d,)."""
    mu = np.asarray(mu, dtype=np.float64)
    if indices is None:
        return mu.mean(axis=0)
    idx = np.asarray(indices, dtype=np.int64).reshape(-1)
    if idx.size == 0:
        raise InputError("The selection is empty: select some garments first.")
    if idx.min() < 0 or idx.max() >= len(mu):
        raise InputError(f"The selection names items outside the catalogue (0 to {len(mu) - 1:,}).")
    return mu[idx].mean(axis=0)


def direction_between(
    mu: np.ndarray, to_indices: Sequence[int] | np.ndarray, from_indices: Sequence[int] | np.ndarray | None = None
) -> np.ndarray:
    """v = mean code of ``to_indices`` (selection B) - mean code of ``from_indices`` (selection
    A; None: the whole catalogue), (d,). Raises :class:`InputError` when v is zero (same means)."""
    v = mean_code(mu, to_indices) - mean_code(mu, from_indices)
    if not np.any(v):
        raise InputError("The two selections have the same mean code, so they make no direction.")
    return v


def unit(v: np.ndarray) -> np.ndarray:
    """``v`` scaled to length 1, (d,); :class:`InputError` for a zero or non-finite vector."""
    v = np.asarray(v, dtype=np.float64).reshape(-1)
    norm = float(np.linalg.norm(v))
    if not np.isfinite(norm) or norm == 0.0:
        raise InputError("A direction must be a finite, non-zero vector.")
    return v / norm


def along(z: np.ndarray, v: np.ndarray, t: float) -> np.ndarray:
    """z + t v / |v|: ``z`` (d,) moved by ``t`` (in units of z) along direction ``v``, (d,)."""
    return np.asarray(z, dtype=np.float64).reshape(-1) + float(t) * unit(v)
