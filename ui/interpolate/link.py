"""The Interpolate page's link: what the address bar carries so that opening it shows the same walk.

``?a=12&b=345&frames=10&method=both&midpoint=1&map=pca``. A garment that is not a training item
(an upload, a code sent from another page, a point clicked on the PCA map) has no index: its code
travels instead, as ``za=`` / ``zb=`` with three decimals (the page rounds such codes to three
decimals when it takes them, so the link reproduces the walk exactly). An uploaded picture itself
never travels: the link reopens its code, decoded.

No streamlit here (``tests/test_interpolate_link.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ui.common.figures import MAP_NAMES
from ui.common.text import shorten
from ui.explore.state import Z_DECIMALS, Z_LIMIT, format_z
from vae_core import InputError
from vae_core.latent.interpolation import check_frames, check_index

METHOD_CHOICES = {"linear": "Linear", "slerp": "Spherical", "both": "Both"}
MAX_Z_CHARS = 4000  # a longer za/zb is not parsed at all

Garment = int | tuple[float, ...]  # a training index, or a code


def round_code(z: Sequence[float] | np.ndarray) -> tuple[float, ...]:
    """A code as a link carries it: three decimals (``-0.0`` written as ``0.0``)."""
    arr = np.round(np.asarray(z, dtype=np.float64).reshape(-1), Z_DECIMALS) + 0.0
    return tuple(float(v) for v in arr)


@dataclass(frozen=True)
class WalkLink:
    """What a link asks for; None where it says nothing (or said something unusable, see ``notes``)."""

    a: Garment | None = None
    b: Garment | None = None
    frames: int | None = None
    method: str | None = None
    midpoint: bool | None = None
    map_method: str | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)


def to_query(
    a: Garment | None, b: Garment | None, frames: int, method: str, midpoint: bool, map_method: str
) -> dict[str, str]:
    """The query parameters of a walk; a garment given as a code goes in ``za``/``zb``."""
    query: dict[str, str] = {}
    for name, g in (("a", a), ("b", b)):
        if isinstance(g, (int, np.integer)):
            query[name] = str(int(g))
        elif g is not None:
            query[f"z{name}"] = format_z(g)
    query.update(frames=str(int(frames)), method=method, midpoint="1" if midpoint else "0", map=map_method)
    return query


def _first(value: str | Sequence[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value[-1]) if len(value) else None


def _ignored(name: str, value: str, why: object) -> str:
    """The note for an unusable parameter (plain text: the page escapes it for Markdown)."""
    return f"Link parameter {name}='{shorten(value, 40)}' ignored: {shorten(why, 200)}"


def _parse_code(text: str, dim: int) -> tuple[float, ...]:
    """``dim`` comma-separated finite numbers within ±:data:`Z_LIMIT`, or :class:`InputError`."""
    if len(text) > MAX_Z_CHARS:
        raise InputError(f"it is {len(text):,} characters long")
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != dim:
        raise InputError(f"it has {len(parts)} values; this model's codes have {dim}")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError("it holds something that is not a number") from None
    if not all(math.isfinite(v) and abs(v) <= Z_LIMIT for v in values):
        raise InputError(f"its values must be finite numbers within ±{Z_LIMIT:g}")
    return round_code(values)


def parse_query(params: Mapping[str, str | Sequence[str]], n_items: int, dim: int) -> WalkLink:
    """The walk a link asks for: never raises; each unusable parameter is left out with a note.

    ``a``/``b`` must be training indices in [0, n_items); ``za``/``zb`` codes of ``dim`` values
    (an index wins over a code for the same garment); ``frames`` a whole number in the page's
    range; ``method`` one of :data:`METHOD_CHOICES`; ``midpoint`` 1 or 0; ``map`` tsne or pca.
    """
    notes: list[str] = []
    got: dict[str, object] = {}
    for slot in ("a", "b"):
        index, code = _first(params.get(slot)), _first(params.get(f"z{slot}"))
        if index is not None:
            try:
                got[slot] = check_index(index, n_items)
                continue
            except InputError as exc:
                notes.append(_ignored(slot, index, exc))
        if code is not None:
            try:
                got[slot] = _parse_code(code, dim)
            except InputError as exc:
                notes.append(_ignored(f"z{slot}", code, f"{exc}."))
    frames = _first(params.get("frames"))
    if frames is not None:
        try:
            got["frames"] = check_frames(frames)
        except InputError as exc:
            notes.append(_ignored("frames", frames, exc))
    method = _first(params.get("method"))
    if method is not None:
        if method in METHOD_CHOICES:
            got["method"] = method
        else:
            notes.append(_ignored("method", method, f"use one of {', '.join(METHOD_CHOICES)}."))
    midpoint = _first(params.get("midpoint"))
    if midpoint is not None:
        if midpoint in ("0", "1"):
            got["midpoint"] = midpoint == "1"
        else:
            notes.append(_ignored("midpoint", midpoint, "use 1 or 0."))
    map_method = _first(params.get("map"))
    if map_method is not None:
        if map_method in MAP_NAMES:
            got["map_method"] = map_method
        else:
            notes.append(_ignored("map", map_method, f"use one of {', '.join(MAP_NAMES)}."))
    return WalkLink(**got, notes=tuple(notes))  # type: ignore[arg-type]
