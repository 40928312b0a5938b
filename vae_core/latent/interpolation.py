"""Walks between two latent codes and latent arithmetic: pure numpy, no streamlit.

Interpolation
-------------
Two paths from ``a`` to ``b`` (both (d,) vectors, usually posterior means mu_A and mu_B):

* :func:`lerp`, the straight line  ``z(t) = (1 - t) a + t b``.
* :func:`slerp`, the *norm-interpolating* spherical path. With unit directions
  ``u = a / |a|``, ``v = b / |b|`` and the angle ``omega = angle(u, v)``::

      w    = (v - (u . v) u) / |v - (u . v) u|        (unit vector in the plane of a and b, orthogonal to u)
      dir  = cos(t omega) u + sin(t omega) w          (Shoemake's slerp of the directions)
      z(t) = ((1 - t) |a| + t |b|) dir                (the norm moves linearly from |a| to |b|)

  ``cos(t omega) u + sin(t omega) w`` equals the textbook ``sin((1-t) omega)/sin(omega) u +
  sin(t omega)/sin(omega) v`` but never divides by ``sin(omega)``. Because the prior is N(0, I),
  a code's norm says how typical it is; the straight line between two typical codes dips towards
  the origin (|z(0.5)| = |a| cos(omega/2) for |a| = |b|), the spherical path does not.

  Edge cases, all finite (no NaN):

  - ``a`` or ``b`` (nearly) zero, or ``omega`` below :data:`PARALLEL_EPS` (nearly parallel):
    the direction is (nearly) constant and the formula above *is* the straight line, so
    :func:`lerp` is returned (exact for parallel vectors, error O(omega^2) otherwise).
  - ``pi - omega`` below :data:`PARALLEL_EPS` (opposite vectors): every great circle joins u and
    v, so one is chosen deterministically: the one through :func:`orthogonal_direction` ``(u)``
    (the coordinate axis least aligned with u, made orthogonal to it), i.e. ``w`` is that vector
    and ``omega = pi``. The midpoint direction is then exactly that orthogonal vector.

  Both functions return ``a`` and ``b`` exactly at t = 0 and t = 1.

Frames and the midpoint
-----------------------
A walk of ``n`` frames uses t = i / (n - 1). The midpoint t = 1/2 (for the straight line exactly
mu_c = (a + b) / 2) lies on that grid only when ``n`` is odd; :func:`frame_times` with
``include_midpoint=True`` inserts it for even ``n`` (giving n + 1 frames) and reports its position.

Latent arithmetic
-----------------
``result = a + s (c - b)`` (:func:`arithmetic`): "a, moved the way b becomes c", with the
direction either between two items or between two class centroids (:func:`class_centroids`,
the mean mu of each class).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError

MIN_FRAMES = 2
MAX_FRAMES = 32
DEFAULT_FRAMES = 10
METHODS = ("linear", "slerp")
PARALLEL_EPS = 1e-6  # radians: below this angle from 0 or pi, directions count as (anti)parallel
ZERO_NORM = 1e-12  # a vector shorter than this has no direction
MIN_STRENGTH, MAX_STRENGTH = -2.0, 2.0


# ---------------------------------------------------------------------------------------- inputs
def _vector(x: Any, name: str, d: int | None = None) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise InputError(f"{name} must be a non-empty 1-D vector; got shape {arr.shape}.")
    if d is not None and arr.shape[0] != d:
        raise InputError(f"{name} has {arr.shape[0]} values; expected {d}.")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} contains NaN or infinite values.")
    return arr


def _times(t: Any) -> tuple[np.ndarray, bool]:
    arr = np.asarray(t, dtype=np.float64)
    scalar = arr.ndim == 0
    arr = arr.reshape(-1)
    if not np.all(np.isfinite(arr)):
        raise InputError("t contains NaN or infinite values.")
    return arr, scalar


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}... ({len(text):,} characters)"


def _whole_number(value: Any, what: str) -> int:
    """``value`` as an int if it is a whole number, else :class:`InputError` naming ``what``
    (a long value, e.g. a 100 kB link parameter, is echoed shortened)."""
    if isinstance(value, str) and len(value.strip()) > 30:  # no index or frame count is that long
        raise InputError(f"{what} must be a whole number of reasonable size; got {_short(value)}.")
    try:
        out = int(value)
        exact = float(value) == out
    except (TypeError, ValueError, OverflowError):
        exact = False
    if not exact:
        raise InputError(f"{what} must be a whole number; got {_short(value)}.")
    return out


def check_frames(n: Any) -> int:
    """``n`` as an int in [MIN_FRAMES, MAX_FRAMES], or :class:`InputError` saying what is allowed."""
    value = _whole_number(n, "The number of frames")
    if not MIN_FRAMES <= value <= MAX_FRAMES:
        raise InputError(f"The number of frames must be between {MIN_FRAMES} and {MAX_FRAMES}; got {_short(value)}.")
    return value


def check_index(index: Any, n_items: int) -> int:
    """A training index as an int in [0, n_items), or :class:`InputError` naming the valid range."""
    value = _whole_number(index, "A training index")
    if not 0 <= value < n_items:
        raise InputError(f"Index {_short(value)} is outside the training data: use a number from 0 to {n_items - 1:,}.")
    return value


# ---------------------------------------------------------------------------------- interpolation
def lerp(a: Any, b: Any, t: Any) -> np.ndarray:
    """Straight line ``z(t) = (1 - t) a + t b``.

    Parameters
    ----------
    a, b
        (d,) end points.
    t
        A scalar (returns (d,)) or a sequence of M values (returns (M, d)); values outside [0, 1]
        extrapolate.
    """
    a = _vector(a, "a")
    b = _vector(b, "b", a.shape[0])
    ts, scalar = _times(t)
    out = (1.0 - ts)[:, None] * a + ts[:, None] * b
    out[ts == 0.0] = a
    out[ts == 1.0] = b
    return out[0] if scalar else out


def orthogonal_direction(u: Any) -> np.ndarray:
    """A unit vector orthogonal to ``u`` (d >= 2), chosen deterministically.

    The coordinate axis e_k with the smallest |u_k| (the first such k on ties), with its component
    along u removed (one Gram-Schmidt step) and normalised.
    """
    u = _vector(u, "u")
    if u.shape[0] < 2:
        raise InputError("An orthogonal direction needs at least 2 dimensions.")
    norm = np.linalg.norm(u)
    if norm < ZERO_NORM:
        raise InputError("u is (nearly) zero, so it has no direction.")
    u = u / norm
    k = int(np.argmin(np.abs(u)))
    e = np.zeros_like(u)
    e[k] = 1.0
    w = e - u[k] * u
    return w / np.linalg.norm(w)


def slerp(a: Any, b: Any, t: Any) -> np.ndarray:
    """Norm-interpolating spherical interpolation (see the module docstring for the formula).

    ``z(t) = ((1 - t)|a| + t|b|) (cos(t omega) u + sin(t omega) w)``, u = a/|a|, w the unit
    vector orthogonal to u towards b, omega the angle between a and b. Falls back to :func:`lerp`
    for (nearly) zero or parallel vectors and goes through :func:`orthogonal_direction` for
    opposite ones. Returns (d,) for a scalar ``t`` and (M, d) for M values.
    """
    a = _vector(a, "a")
    b = _vector(b, "b", a.shape[0])
    ts, scalar = _times(t)
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na < ZERO_NORM or nb < ZERO_NORM:
        return lerp(a, b, t)
    u, v = a / na, b / nb
    cos = float(np.clip(u @ v, -1.0, 1.0))
    perp = v - cos * u
    sin = float(np.linalg.norm(perp))
    omega = float(np.arctan2(sin, cos))  # accurate near 0 and pi, unlike arccos
    if omega < PARALLEL_EPS:
        return lerp(a, b, t)
    if np.pi - omega < PARALLEL_EPS:
        if a.shape[0] < 2:  # on a line, "opposite" has no way round: go straight through 0
            return lerp(a, b, t)
        w, omega = orthogonal_direction(u), np.pi
    else:
        w = perp / sin
    angles = ts * omega
    directions = np.cos(angles)[:, None] * u + np.sin(angles)[:, None] * w
    norms = (1.0 - ts) * na + ts * nb
    out = norms[:, None] * directions
    out[ts == 0.0] = a
    out[ts == 1.0] = b
    return out[0] if scalar else out


def interpolate(a: Any, b: Any, t: Any, method: str = "linear") -> np.ndarray:
    """:func:`lerp` for ``method="linear"``, :func:`slerp` for ``"slerp"``."""
    if method == "linear":
        return lerp(a, b, t)
    if method == "slerp":
        return slerp(a, b, t)
    raise InputError(f"Unknown interpolation {method!r}; use one of {', '.join(METHODS)}.")


def frame_times(n: int, include_midpoint: bool = True) -> tuple[np.ndarray, int | None]:
    """The t values of an ``n``-frame walk, and the position of t = 1/2 among them (or None).

    ``t = i / (n - 1)`` for i = 0 .. n - 1. For odd n the midpoint is frame (n - 1) / 2. For even
    n it is not on that grid: with ``include_midpoint`` it is inserted between frames n/2 - 1 and
    n/2 (so the walk has n + 1 frames), otherwise the position is None.
    """
    n = check_frames(n)
    t = np.linspace(0.0, 1.0, n)
    if n % 2 == 1:
        mid = (n - 1) // 2
        t[mid] = 0.5  # exactly, not 0.49999999999999994
        return t, mid
    if not include_midpoint:
        return t, None
    mid = n // 2
    return np.insert(t, mid, 0.5), mid


@dataclass(frozen=True)
class Walk:
    """A decoded-ready walk: ``t`` (M,), ``z`` (M, d), the ``method`` and ``mid`` (index of t=1/2)."""

    t: np.ndarray
    z: np.ndarray
    method: str
    mid: int | None

    def __len__(self) -> int:
        return int(self.t.shape[0])


def walk(a: Any, b: Any, n: int = DEFAULT_FRAMES, method: str = "linear", include_midpoint: bool = True) -> Walk:
    """``n`` frames (plus the midpoint for even n, see :func:`frame_times`) from ``a`` to ``b``."""
    t, mid = frame_times(n, include_midpoint)
    z = interpolate(a, b, t, method)
    return Walk(t=t, z=z, method=method, mid=mid)


# ------------------------------------------------------------------------------------- arithmetic
def arithmetic(a: Any, b: Any, c: Any, strength: float = 1.0) -> np.ndarray:
    """``a + strength (c - b)``: move ``a`` by the difference that turns ``b`` into ``c``.

    With strength 1 this is the classic analogy "a is to ? as b is to c"; 0 returns ``a``;
    negative values move the other way.
    """
    a = _vector(a, "a")
    b = _vector(b, "b", a.shape[0])
    c = _vector(c, "c", a.shape[0])
    s = float(strength)
    if not np.isfinite(s):
        raise InputError(f"strength must be a finite number; got {strength!r}.")
    return a + s * (c - b)


def class_centroids(mu: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_classes, d) mean of ``mu`` over the items of each class; a class with no items is NaN."""
    mu = np.asarray(mu, dtype=np.float64)
    labels = np.asarray(labels).astype(np.int64)
    if mu.ndim != 2 or labels.shape != (mu.shape[0],):
        raise InputError(f"mu must be (N, d) and labels (N,); got {mu.shape} and {labels.shape}.")
    sums = np.zeros((n_classes, mu.shape[1]))
    np.add.at(sums, labels, mu)
    counts = np.bincount(labels, minlength=n_classes)[:n_classes].astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[:, None]


def analogy_grid(rows: Any, direction: Any, strengths: Sequence[float]) -> np.ndarray:
    """(R, S, d) codes ``rows[r] + strengths[s] * direction`` for an analogy table."""
    rows = np.asarray(rows, dtype=np.float64)
    if rows.ndim != 2:
        raise InputError(f"rows must be (R, d); got shape {rows.shape}.")
    direction = _vector(direction, "direction", rows.shape[1])
    s = np.asarray(strengths, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(s)):
        raise InputError("strengths contain NaN or infinite values.")
    return rows[:, None, :] + s[None, :, None] * direction[None, None, :]


# ----------------------------------------------------------------------------------------- export
def walk_json(walks: Sequence[Walk], meta: dict[str, Any] | None = None) -> str:
    """The frames' t and z of each walk as pretty JSON (``meta`` is copied to the top level)."""
    doc: dict[str, Any] = {"format": "latent-atelier-walk", "version": 1, **(meta or {})}
    doc["walks"] = [
        {
            "method": w.method,
            "midpoint_frame": w.mid,
            "frames": [
                {"frame": i, "t": round(float(t), 10), "z": [float(v) for v in z]}
                for i, (t, z) in enumerate(zip(w.t, w.z, strict=True))
            ],
        }
        for w in walks
    ]
    return json.dumps(doc, indent=1)
