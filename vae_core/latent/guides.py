"""Slider guides: where along each latent slider the training garments live.

For slider j moved to position t while the other coordinates of z stay put, every training item
scores a parabola in t (``vae_core.latent.likelihood``: log q(z|x) = sum_d a_d z_d^2 + b_d z_d + c with
a_d = -1 / (2 sigma_d^2) < 0)::

    log q(z + (t - z_j) e_j | x_i) = s_i + a_ij (t^2 - z_j^2) + b_ij (t - z_j),   s_i = log q(z | x_i)

The slider's **likelihood track** is the upper envelope of these N parabolas, max_i of the above,
at T positions: the best match any real garment offers there. It is computed exactly (every item,
no sampling) as one small matrix product per block of items followed by a running maximum, for all
sliders at once. ``track_percentiles`` turns the envelope into the typicality percentile the page's
badge uses (the share of real garments' codes whose best match scores lower), which is what the
pad draws: dark where the garment would be typical, pale where no training garment is close.
"""

from __future__ import annotations

import numpy as np

TRACK_POSITIONS = 61  # positions per slider: every 0.1 on a +-3 slider
_SEEDS = 256  # items whose envelope is the starting lower bound
_SEGMENT = 8  # positions per run when pruning items
_MARGIN = 1e-9  # nats: rounding slack so a tie can never prune the best item


def track_positions(limit: float, n: int = TRACK_POSITIONS) -> np.ndarray:
    """``n`` evenly spaced positions from ``-limit`` to ``limit``, (n,)."""
    return np.linspace(-float(limit), float(limit), int(n))


class TrackIndex:
    """The parts of :func:`likelihood_tracks` that depend only on the catalogue, laid out once:
    the quadratic and linear coefficients per slider, (d, N) each. Pass it instead of ``rows``
    when computing tracks for many z (the Explore page does, on every release)."""

    def __init__(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] % 2 != 1:
            raise ValueError(f"rows must be (N, 2d + 1); got {rows.shape}")
        d = rows.shape[1] // 2
        self.rows = rows
        self.a = np.ascontiguousarray(rows[:, :d].T)  # (d, N), all < 0
        self.b = np.ascontiguousarray(rows[:, d : 2 * d].T)  # (d, N)
        self.half_inv_a = -0.5 / self.a  # the vertex of a u^2 + g u is at g * half_inv_a

    @property
    def latent_dim(self) -> int:
        return self.a.shape[0]


def likelihood_tracks(rows: np.ndarray | TrackIndex, z: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Best log q over the items for every slider at every position, (d, T).

    Exact, without scoring all N items at all d * T places. Write item i's parabola for slider j
    as p(u) = s_i + a_ij u^2 + g_ij u with u = t - z_j and g_ij = b_ij + 2 a_ij z_j. The envelope of
    a few hundred items (the best at z and the best peaks of each slider) is a lower bound L of the
    true envelope at every position; an item can raise the envelope at a position only if its
    parabola reaches L there, so only if its peak over a run of positions (``_SEGMENT`` of them;
    a concave parabola peaks at its vertex clamped to the run) reaches the lowest L in that run.
    Only the items that pass are scored exactly, typically a few percent of N * d * T.

    Parameters
    ----------
    rows
        (N, 2d + 1) rows ``[a, b, c]`` of a :class:`vae_core.latent.likelihood.LikelihoodIndex`
        (``index.rows_``), float64, or a :class:`TrackIndex` of them.
    z
        (d,) the current latent vector; slider j's track holds the others at z.
    positions
        (T,) slider positions t, ascending.

    Returns
    -------
    (d, T) float64: ``out[j, k] = max_i log q(z with z_j = positions[k] | x_i)``.
    """
    index = rows if isinstance(rows, TrackIndex) else TrackIndex(rows)
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    t = np.asarray(positions, dtype=np.float64).reshape(-1)
    d, n_t = z.shape[0], t.shape[0]
    if index.latent_dim != d:
        raise ValueError(f"rows must be (N, {2 * d + 1}) for a {d}-dimensional z; got {index.rows.shape}")
    if np.any(np.diff(t) < 0):
        raise ValueError("positions must be ascending")
    a = index.a
    s = index.rows @ np.concatenate([z * z, z, [1.0]])  # (N,) log q(z | x_i)
    g = a * (2.0 * z[:, None])
    g += index.b  # (d, N)
    u = t[None, :] - z[:, None]  # (d, T)
    vertex = g * index.half_inv_a  # (d, N)
    peak = _peak(s, a, g, vertex, u[:, :1], u[:, -1:])  # (d, N): best over the whole slider
    seeds = np.unique(np.concatenate([_top(s, _SEEDS), *(_top(peak[j], _SEEDS // 8) for j in range(d))]))
    out = np.max(s[None, seeds, None] + a[:, seeds, None] * u[:, None] ** 2 + g[:, seeds, None] * u[:, None], axis=1)
    for j in range(d):
        first = np.flatnonzero(peak[j] >= out[j].min() - _MARGIN)  # can reach the envelope somewhere
        sj, aj, gj, vj = s[first], a[j, first], g[j, first], vertex[j, first]
        for lo in range(0, n_t, _SEGMENT):
            uk = u[j, lo : lo + _SEGMENT]
            floor = out[j, lo : lo + _SEGMENT].min() - _MARGIN
            c = np.flatnonzero(_peak(sj, aj, gj, vj, uk[0], uk[-1]) >= floor)
            if c.size:
                scores = sj[c, None] + aj[c, None] * uk**2 + gj[c, None] * uk  # (n, run)
                np.maximum(out[j, lo : lo + _SEGMENT], scores.max(axis=0), out=out[j, lo : lo + _SEGMENT])
    return out


def _peak(s: np.ndarray, a: np.ndarray, g: np.ndarray, vertex: np.ndarray, u_lo, u_hi) -> np.ndarray:
    """Maximum of the concave s + a u^2 + g u over u in [u_lo, u_hi] (at the clamped vertex)."""
    uc = np.clip(vertex, u_lo, u_hi)
    return s + a * uc**2 + g * uc


def _top(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest values (any order)."""
    k = min(k, values.shape[0])
    return np.argpartition(values, values.shape[0] - k)[values.shape[0] - k :]


def track_percentiles(tracks: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Typicality percentile (0-100) of every envelope value among sorted ``reference`` scores
    (``ModelPackage.typicality_ref``), as ``ModelPackage.typicality`` computes it for one z."""
    ref = np.asarray(reference, dtype=np.float64)
    if ref.size == 0:
        return np.zeros_like(np.asarray(tracks, dtype=np.float64))
    return 100.0 * np.searchsorted(ref, np.asarray(tracks, dtype=np.float64)) / ref.size
