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
A slider that moves z along a direction (z + t v) gets its track from ``direction_tracks``: the
scores are parabolas in t there too.
"""

from __future__ import annotations

import queue

import numpy as np

TRACK_POSITIONS = 61  # positions per slider: every 0.1 on a +-3 slider
_SEEDS = 256  # items whose envelope is the starting lower bound
_SEGMENT = 8  # positions per run when pruning items
_MARGIN = 1e-9  # nats: rounding slack so a tie can never prune the best item
_DIRECT = 256  # a slider with at most this many candidates scores them all without the per-run test
_SPARE = 2  # scratch sets kept for calls in progress at once (19 MB each for 60,000 items; more are made, then dropped)


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
        # (d, N) work arrays, reused: fresh ones cost more in page faults than the arithmetic
        # (5.4 ms against 1.3 ms for the whole-slider peaks of 60,000 items). One set per call in
        # progress, so concurrent calls (one per browser session) never share one.
        self._scratch: queue.SimpleQueue[tuple[np.ndarray, ...]] = queue.SimpleQueue()

    def _take(self) -> tuple[np.ndarray, ...]:
        try:
            return self._scratch.get_nowait()
        except queue.Empty:
            return tuple(np.empty(self.a.shape) for _ in range(4))

    def _give(self, scratch: tuple[np.ndarray, ...]) -> None:
        if self._scratch.qsize() < _SPARE:
            self._scratch.put(scratch)

    @property
    def latent_dim(self) -> int:
        return self.a.shape[0]


def likelihood_tracks(rows: np.ndarray | TrackIndex, z: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Best log q over the items for every slider at every position, (d, T).

    Exact, without scoring all N items at all d * T places. Write item i's parabola for slider j
    as p(u) = s_i + a_ij u^2 + g_ij u with u = t - z_j and g_ij = b_ij + 2 a_ij z_j. The envelope of
    a few hundred items (the best at z and the best peaks of each slider) is a lower bound L of the
    true envelope at every position; an item can raise the envelope at a position only if its
    parabola reaches L there: only if its peak over the slider (a concave parabola peaks at its
    vertex clamped to the range) reaches the lowest L. A slider where over ``_DIRECT`` items pass
    (an inactive dimension: every item's parabola alike) narrows them by runs of ``_SEGMENT``
    positions: the peak over a run must reach the lowest L in that run. Only the items that pass
    are scored exactly, typically a few hundred of the N per slider.

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
    t = _positions(positions)
    d = z.shape[0]
    if index.latent_dim != d:
        raise ValueError(f"rows must be (N, {2 * d + 1}) for a {d}-dimensional z; got {index.rows.shape}")
    a = index.a
    s = index.rows @ np.concatenate([z * z, z, [1.0]])  # (N,) log q(z | x_i)
    u = t[None, :] - z[:, None]  # (d, T)
    scratch = index._take()
    try:
        g, vertex, peak, work = scratch
        np.multiply(a, (2.0 * z)[:, None], out=g)
        g += index.b  # (d, N)
        np.multiply(g, index.half_inv_a, out=vertex)
        return _envelope(s, a, g, vertex, u, peak, work)
    finally:
        index._give(scratch)


def direction_tracks(
    rows: np.ndarray | TrackIndex, z: np.ndarray, directions: np.ndarray, positions: np.ndarray
) -> np.ndarray:
    """Best log q over the items along each direction through z, (m, T).

    A slider that moves z along a unit vector v (z + t v) scores item i as a parabola in t too:
    with A_d = a_id and B_d = b_id,

        log q(z + t v | x_i) = s_i + t sum_d (2 A_d z_d + B_d) v_d + t^2 sum_d A_d v_d^2,

    so the envelope is found exactly as in :func:`likelihood_tracks`, with u = t.

    Parameters
    ----------
    rows
        As for :func:`likelihood_tracks`.
    z
        (d,) the current latent vector (t = 0).
    directions
        (m, d) directions; each is scaled to unit length (t is in units of z).
    positions
        (T,) positions t along every direction, ascending.

    Returns
    -------
    (m, T) float64: ``out[j, k] = max_i log q(z + positions[k] v_j | x_i)``, v_j = directions[j] / |directions[j]|.
    """
    index = rows if isinstance(rows, TrackIndex) else TrackIndex(rows)
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    t = _positions(positions)
    dirs = np.atleast_2d(np.asarray(directions, dtype=np.float64))
    if dirs.shape[1] != z.shape[0] or index.latent_dim != z.shape[0]:
        d = index.latent_dim
        raise ValueError(f"directions must be (m, {d}) and z ({d},); got {dirs.shape}, {z.shape}")
    norms = np.linalg.norm(dirs, axis=1, keepdims=True)
    if np.any(norms == 0) or not np.all(np.isfinite(dirs)):
        raise ValueError("every direction must be a finite, non-zero vector")
    v = dirs / norms  # (m, d)
    s = index.rows @ np.concatenate([z * z, z, [1.0]])  # (N,)
    a = (v * v) @ index.a  # (m, N), all < 0
    g = v @ (index.a * (2.0 * z)[:, None] + index.b)  # (m, N)
    vertex = g * (-0.5 / a)
    u = np.repeat(t[None, :], len(v), axis=0)  # (m, T)
    return _envelope(s, a, g, vertex, u, np.empty_like(a), np.empty_like(a))


def _positions(positions: np.ndarray) -> np.ndarray:
    t = np.asarray(positions, dtype=np.float64).reshape(-1)
    if np.any(np.diff(t) < 0):
        raise ValueError("positions must be ascending")
    return t


def _envelope(s, a, g, vertex, u, peak, work) -> np.ndarray:
    """The exact upper envelope max_i (s_i + a_ji u^2 + g_ji u) at the offsets ``u`` (m, T) of each
    of m sliders, from the items' scores s (N,), coefficients a, g (m, N) (a < 0) and vertices
    (m, N); ``peak`` and ``work`` are (m, N) scratch arrays. See :func:`likelihood_tracks`."""
    n_t = u.shape[1]
    _peak(s, a, g, vertex, u[:, :1], u[:, -1:], peak, work)  # (m, N): best over the whole slider
    seeds = np.unique(np.concatenate([_top(s, _SEEDS), _top(peak, _SEEDS // 8).ravel()]))
    us = u[:, None]  # (m, 1, T)
    out = np.max(s[None, seeds, None] + a[:, seeds, None] * us**2 + g[:, seeds, None] * us, axis=1)
    runs = np.arange(0, n_t, _SEGMENT)  # first position of each run
    ends = np.minimum(runs + _SEGMENT, n_t)
    for j in range(u.shape[0]):
        c = np.flatnonzero(peak[j] >= out[j].min() - _MARGIN)  # can reach the envelope somewhere
        if c.size <= _DIRECT:
            _raise(out[j], s[c], a[j, c], g[j, c], u[j])
            continue
        # many: per run, only those whose peak over the run reaches the run's lowest L
        sc, ac, gc = s[c], a[j, c], g[j, c]
        reach = _peak(sc[:, None], ac[:, None], gc[:, None], vertex[j, c, None], u[j, runs], u[j, ends - 1])
        passed = reach >= np.minimum.reduceat(out[j], runs) - _MARGIN  # (n, runs)
        for r in np.flatnonzero(passed.any(axis=0)):
            m = passed[:, r]
            _raise(out[j, runs[r] : ends[r]], sc[m], ac[m], gc[m], u[j, runs[r] : ends[r]])
    return out


def _peak(s, a, g, vertex, u_lo, u_hi, out: np.ndarray | None = None, work: np.ndarray | None = None) -> np.ndarray:
    """Maximum of the concave s + a u^2 + g u over u in [u_lo, u_hi] (at the clamped vertex),
    as (a u + g) u + s; into ``out``, with ``work`` for the clamped vertex, if given (then no
    temporary of their size is made)."""
    uc = np.maximum(vertex, u_lo, out=work)
    np.minimum(uc, u_hi, out=uc)
    val = np.multiply(a, uc, out=out)
    val += g
    val *= uc
    val += s
    return val


def _raise(out: np.ndarray, s: np.ndarray, a: np.ndarray, g: np.ndarray, u: np.ndarray) -> None:
    """Raise ``out`` (T,) to the exact scores s + a u^2 + g u of the given items where higher."""
    if s.size:
        np.maximum(out, (s[:, None] + a[:, None] * u**2 + g[:, None] * u).max(axis=0), out=out)


def _top(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest values along the last axis (any order), (..., k)."""
    n = values.shape[-1]
    k = min(k, n)
    return np.argpartition(values, n - k, axis=-1)[..., n - k :]


def track_percentiles(tracks: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Typicality percentile (0-100) of every envelope value among sorted ``reference`` scores
    (``ModelPackage.typicality_ref``), as ``ModelPackage.typicality`` computes it for one z."""
    ref = np.asarray(reference, dtype=np.float64)
    if ref.size == 0:
        return np.zeros_like(np.asarray(tracks, dtype=np.float64))
    return 100.0 * np.searchsorted(ref, np.asarray(tracks, dtype=np.float64)) / ref.size
