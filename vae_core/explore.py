"""Pure logic of the Explore page: slider ranges and labels, the shareable URL state, the
typicality badge, the z export and the live mini-map raster.

No streamlit here, so every rule is unit-tested directly (``tests/test_explore_logic.py``).

Slider range. The prior is N(0, I): +-3 covers 99.7 % of it per dimension, so a +-3 slider spends
its whole travel on codes the decoder was trained to render, and a 0.05 step is a fine enough
grain for a designer. Wider ranges (+-4, +-5 as in the seed, +-8 for extremes) stay one click
away, and a garment whose code lies outside the current range (some training means of the
shipped model reach +-5.7) widens it automatically instead of being clipped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .mapfig import PALETTE

if TYPE_CHECKING:
    from .package import ModelPackage

SLIDER_RANGES = (2.0, 3.0, 4.0, 5.0, 8.0)  # the +-a choices offered to the user
DEFAULT_RANGE = 3.0  # covers 99.7 % of the prior N(0, 1) in every dimension
Z_LIMIT = max(SLIDER_RANGES)  # no slider can hold a value beyond this
SLIDER_STEP = 0.05
Z_DECIMALS = 3  # z is kept (and put in links) with this many decimals, so a link is exact
INACTIVE_KL = 0.01  # nats: a dimension whose average KL is below this carries no information
K_MIN, K_MAX, K_DEFAULT = 1, 60, 12
METHODS = ("tsne", "pca")
METHOD_NAMES = {"tsne": "t-SNE", "pca": "PCA"}
DEFAULT_METHOD = "tsne"
MAX_QUERY_CHARS = 2000  # longer z parameters are not parsed at all


# ---------------------------------------------------------------------------------- sliders
@dataclass(frozen=True)
class SliderSpec:
    """One latent slider: its 0-based ``dim``, the ``label`` shown and a ``help`` tooltip."""

    dim: int
    label: str
    help: str
    kl: float
    active: bool

    @property
    def key(self) -> str:
        """The widget key: ``explore.z1`` ... ``explore.z10`` (1-based, like the label)."""
        return slider_key(self.dim)


def slider_key(dim: int) -> str:
    """Widget key of the slider of 0-based dimension ``dim``."""
    return f"explore.z{dim + 1}"


def slider_specs(kl_per_dim: Sequence[float] | np.ndarray) -> list[SliderSpec]:
    """Sliders ordered by information: highest average KL first, inactive dimensions last.

    Each label names the dimension (1-based), its rank and its KL in nats, or "inactive" when
    the dimension's KL is below :data:`INACTIVE_KL` (moving it barely changes the garment).
    """
    kl = np.asarray(kl_per_dim, dtype=np.float64).reshape(-1)
    kl = np.where(np.isfinite(kl), kl, 0.0)
    order = sorted(range(len(kl)), key=lambda i: (-kl[i], i))
    specs = []
    for rank, i in enumerate(order, start=1):
        active = bool(kl[i] >= INACTIVE_KL)
        if active:
            label = f"z{i + 1} · {kl[i]:.2f} nats"
            help_ = (
                f"Latent dimension {i + 1}: on average it carries {kl[i]:.2f} nats of information "
                f"about a garment (rank {rank} of {len(kl)}). Higher = the slider changes more."
            )
        else:
            label = f"z{i + 1} · inactive"
            help_ = (
                f"Latent dimension {i + 1} carries {kl[i]:.3f} nats (< {INACTIVE_KL}): the model "
                "ignores it, so moving it barely changes the garment."
            )
        specs.append(SliderSpec(dim=i, label=label, help=help_, kl=float(kl[i]), active=active))
    return specs


def round_z(z: Sequence[float] | np.ndarray, limit: float = Z_LIMIT) -> tuple[tuple[float, ...], bool]:
    """``z`` clipped to +-``limit`` and rounded to :data:`Z_DECIMALS`; and whether it was clipped.

    Non-finite values become 0 (NaN) or +-limit (inf).
    """
    arr = np.asarray(z, dtype=np.float64).reshape(-1)
    arr = np.where(np.isnan(arr), 0.0, arr)
    clipped = bool(np.any(np.abs(arr) > limit))
    arr = np.round(np.clip(arr, -limit, limit), Z_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    return tuple(float(v) for v in arr), clipped


def range_for(z: Sequence[float] | np.ndarray, current: float) -> float:
    """The slider range to use for ``z``: ``current`` if it holds z, else the smallest that does."""
    need = float(np.max(np.abs(np.asarray(z, dtype=np.float64)), initial=0.0))
    if need <= current + 1e-12:
        return current
    for a in SLIDER_RANGES:
        if need <= a + 1e-12:
            return a
    return Z_LIMIT


def format_range(a: float) -> str:
    return f"±{a:g}"


# ---------------------------------------------------------------------------------- URL state
@dataclass(frozen=True)
class ExploreState:
    """What a link carries: the latent vector ``z``, the neighbour count ``k`` and the map."""

    z: tuple[float, ...]
    k: int = K_DEFAULT
    method: str = DEFAULT_METHOD
    notices: tuple[str, ...] = field(default=(), compare=False)


def format_number(v: float) -> str:
    """Shortest text of a rounded z value: ``1.25``, ``-0.5``, ``0``."""
    text = f"{round(float(v), Z_DECIMALS):.{Z_DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_z(z: Sequence[float] | np.ndarray) -> str:
    """``z`` as the comma-separated text used in links and the command line."""
    return ",".join(format_number(v) for v in np.asarray(z, dtype=np.float64).reshape(-1))


def to_query(state: ExploreState) -> dict[str, str]:
    """The query parameters of a state (``?z=...&k=...&map=...``)."""
    return {"z": format_z(state.z), "k": str(int(state.k)), "map": state.method}


def _first(value: str | Sequence[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value[-1]) if len(value) else None


def _parse_z(text: str, dim: int, notes: list[str]) -> tuple[float, ...]:
    if len(text) > MAX_QUERY_CHARS:
        notes.append(f"The z in the link is {len(text):,} characters long; it was ignored (all zeros).")
        return (0.0,) * dim
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    if len(parts) == 1 and parts[0] == "":
        parts = []
    values: list[float] = []
    bad, non_finite, huge = [], [], []
    for pos, part in enumerate(parts[:dim], start=1):
        try:
            v = float(part)
        except ValueError:
            bad.append(f"{pos} ({part[:12]!r})")
            values.append(0.0)
            continue
        if math.isnan(v):
            non_finite.append(f"{pos} (NaN)")
            values.append(0.0)
        elif math.isinf(v):
            non_finite.append(f"{pos} ({'+' if v > 0 else '-'}inf)")
            values.append(math.copysign(Z_LIMIT, v))
        elif abs(v) > Z_LIMIT:
            huge.append(f"{pos} ({part[:12]})")
            values.append(math.copysign(Z_LIMIT, v))
        else:
            values.append(v)
    if bad:
        notes.append(f"Value {', '.join(bad)} of z is not a number; set to 0.")
    if non_finite:
        notes.append(f"Value {', '.join(non_finite)} of z is not finite; NaN set to 0, inf to ±{Z_LIMIT:g}.")
    if huge:
        notes.append(f"Value {', '.join(huge)} of z is outside ±{Z_LIMIT:g}; clamped to the edge.")
    if len(parts) < dim:
        notes.append(
            f"The link gives {len(parts)} z value{'s' if len(parts) != 1 else ''}; this model has {dim} "
            f"dimensions, so the missing {dim - len(parts)} were set to 0."
        )
    elif len(parts) > dim:
        notes.append(f"The link gives {len(parts)} z values; this model has {dim}, so the extra ones were dropped.")
    values += [0.0] * (dim - len(values))
    return round_z(values)[0]


def parse_query(params: Mapping[str, str | Sequence[str]], dim: int) -> ExploreState:
    """The state a link asks for, made valid: never raises, lists every repair in ``notices``.

    Parameters
    ----------
    params
        The query parameters (``st.query_params.to_dict()``); a list value uses its last item.
    dim
        The model's latent dimension.

    Rules: a missing ``z`` means all zeros; text, NaN become 0; +-inf and values beyond
    +-:data:`Z_LIMIT` are clamped; too few values are padded with zeros and too many dropped.
    ``k`` must be an integer in [:data:`K_MIN`, :data:`K_MAX`] (clamped; else the default).
    ``map`` must be ``tsne`` or ``pca`` (else the default).
    """
    notes: list[str] = []
    z_text = _first(params.get("z"))
    z = (0.0,) * dim if z_text is None else _parse_z(z_text, dim, notes)

    k = K_DEFAULT
    k_text = _first(params.get("k"))
    if k_text is not None:
        try:
            k_val = float(k_text.strip())
        except ValueError:
            k_val = math.nan
        if not math.isfinite(k_val) or k_val != int(k_val):
            notes.append(f"k={k_text[:12]!r} in the link is not a whole number; using {K_DEFAULT}.")
        elif not K_MIN <= k_val <= K_MAX:
            k = int(min(max(k_val, K_MIN), K_MAX))
            notes.append(f"k={int(k_val)} in the link is outside {K_MIN}-{K_MAX}; using {k}.")
        else:
            k = int(k_val)

    method = DEFAULT_METHOD
    m_text = _first(params.get("map"))
    if m_text is not None:
        m = m_text.strip().lower().replace("-", "")
        if m in METHODS:
            method = m
        else:
            notes.append(f"map={m_text[:12]!r} in the link is unknown (use tsne or pca); showing t-SNE.")
    return ExploreState(z=z, k=k, method=method, notices=tuple(notes))


# ---------------------------------------------------------------------------------- typicality
@dataclass(frozen=True)
class Typicality:
    """The badge for a z: ``label``, a Streamlit badge ``color`` and ``icon``, and a ``detail`` line."""

    label: str
    color: str
    icon: str
    detail: str


NEAR_COPY_PERCENTILE = 90.0
UNUSUAL_PERCENTILE = 10.0
NOVEL_PERCENTILE = 1.0


def typicality_text(percentile: float, best_log_q: float, best_index: int | None = None) -> Typicality:
    """Describe ``pkg.typicality(z)`` (percentile of z's best log q among real garments' codes).

    >= 90: near-copy of a training garment; 10-90: typical; 1-10: unusual; < 1: novel.
    """
    p = float(np.clip(percentile, 0.0, 100.0))
    who = f" (item #{best_index})" if best_index is not None else ""
    detail = (
        f"Best log q(z|x) = {best_log_q:.1f} nats{who}: closer to its nearest training garment than "
        f"{p:.0f} % of new real garments' codes (garments the model was not trained on) are to theirs."
    )
    if p >= NEAR_COPY_PERCENTILE:
        return Typicality("near-copy of a training garment", "blue", ":material/content_copy:", detail)
    if p >= UNUSUAL_PERCENTILE:
        return Typicality("typical", "green", ":material/check_circle:", detail)
    if p >= NOVEL_PERCENTILE:
        return Typicality("unusual: between training garments", "orange", ":material/explore:", detail)
    return Typicality("novel: far from every training garment", "red", ":material/auto_awesome:", detail)


# ---------------------------------------------------------------------------------- export
def z_json(
    z: Sequence[float] | np.ndarray,
    *,
    k: int = K_DEFAULT,
    method: str = DEFAULT_METHOD,
    package: str = "",
    data_fingerprint: str = "",
) -> str:
    """The current garment as a JSON document: z plus what is needed to reproduce the view."""
    values = [float(v) for v in np.asarray(z, dtype=np.float64).reshape(-1)]
    query = to_query(ExploreState(tuple(values), k, method))
    doc = {
        "format": "latent-atelier-z",
        "latent_dim": len(values),
        "z": values,
        "k": int(k),
        "map": method,
        "package": package,
        "data_fingerprint": data_fingerprint,
        "query": "?" + "&".join(f"{a}={b}" for a, b in query.items()),
        "cli": f"python -m vae_core decode --z={format_z(values)} --out garment.png",
    }
    return json.dumps(doc, indent=1) + "\n"


# ---------------------------------------------------------------------------------- mini-map
@dataclass(frozen=True)
class Raster:
    """A small picture of a 2-D map: ``rgb`` (H, W, 3) uint8 and the data bounds it spans."""

    rgb: np.ndarray
    x0: float
    x1: float
    y0: float
    y1: float

    def to_pixel(self, xy: np.ndarray) -> np.ndarray:
        """(..., 2) map coordinates -> (..., 2) float (column, row) pixel positions (row 0 on top)."""
        xy = np.asarray(xy, dtype=np.float64)
        h, w = self.rgb.shape[:2]
        col = (xy[..., 0] - self.x0) / (self.x1 - self.x0) * (w - 1)
        row = (self.y1 - xy[..., 1]) / (self.y1 - self.y0) * (h - 1)
        return np.stack([col, row], axis=-1)


def _hex_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def map_raster(xy: np.ndarray, groups: np.ndarray, size: int = 300, pad: float = 0.04) -> Raster:
    """Rasterise a map's points, coloured by group (same palette as the big map), on white.

    Points are binned on a grid of about sqrt(N) cells a side (so a small catalogue is not
    lost in white space), each cell taking the count-weighted mean colour of its points with an
    opacity rising with the count; the grid is then enlarged by pixel repetition to about
    ``size`` pixels. About 20 ms for 60,000 points.
    """
    xy = np.asarray(xy, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.int64)
    res = int(np.clip(round(np.sqrt(len(xy)) * 1.1), 64, size))
    rep = max(1, size // res)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    lo, hi = lo - pad * span, hi + pad * span
    bounds = (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))
    grid = Raster(np.zeros((res, res, 3), np.uint8), *bounds)
    px = np.clip(np.rint(grid.to_pixel(xy)).astype(np.int64), 0, res - 1)
    palette = np.array([_hex_rgb(c) for c in PALETTE], dtype=np.float64)
    n_groups = len(palette)
    counts = np.zeros((res * res, n_groups), dtype=np.float64)
    np.add.at(counts, (px[:, 1] * res + px[:, 0], groups % n_groups), 1.0)
    total = counts.sum(axis=1, keepdims=True)
    colour = counts @ palette / np.maximum(total, 1.0)
    alpha = 0.85 * (1.0 - np.exp(-total / 0.8))
    rgb = (255.0 * (1.0 - alpha) + colour * alpha).reshape(res, res, 3).astype(np.uint8)
    if rep > 1:
        rgb = np.repeat(np.repeat(rgb, rep, axis=0), rep, axis=1)
    return Raster(rgb, *bounds)


def _disc(rgb: np.ndarray, cx: float, cy: float, radius: float, color: tuple[int, int, int]) -> None:
    """Paint a filled disc in place (only the pixels of its bounding box are visited)."""
    h, w = rgb.shape[:2]
    r0, r1 = max(0, int(cy - radius)), min(h, int(cy + radius) + 2)
    c0, c1 = max(0, int(cx - radius)), min(w, int(cx + radius) + 2)
    if r0 >= r1 or c0 >= c1:
        return
    rows, cols = np.ogrid[r0:r1, c0:c1]
    rgb[r0:r1, c0:c1][(cols - cx) ** 2 + (rows - cy) ** 2 <= radius**2] = color


def mark_raster(raster: Raster, here: np.ndarray, neighbours: np.ndarray | None = None) -> np.ndarray:
    """A copy of the raster with the neighbours as small dark dots and "you are here" as a
    yellow disc with a black ring on a thin crosshair. Positions off the raster are clamped to
    its edge. Returns (H, W, 3) uint8."""
    rgb = raster.rgb.copy()
    h, w = rgb.shape[:2]
    if neighbours is not None and len(neighbours):
        for cx, cy in raster.to_pixel(np.asarray(neighbours).reshape(-1, 2)):
            _disc(rgb, cx, cy, 2.5, (20, 20, 20))
    cx, cy = raster.to_pixel(np.asarray(here, dtype=np.float64).reshape(2))
    cx, cy = float(np.clip(cx, 0, w - 1)), float(np.clip(cy, 0, h - 1))
    ci, ri = int(round(cx)), int(round(cy))
    rgb[ri, :] = (rgb[ri, :] * 0.4 + 0.6 * 40).astype(np.uint8)
    rgb[:, ci] = (rgb[:, ci] * 0.4 + 0.6 * 40).astype(np.uint8)
    _disc(rgb, cx, cy, 8.5, (17, 17, 17))
    _disc(rgb, cx, cy, 6.0, (255, 212, 0))
    return rgb


# ---------------------------------------------------------------------------------- upload
def encode_garment(pkg: ModelPackage, image: np.ndarray) -> tuple[tuple[float, ...], np.ndarray, bool]:
    """Encode one (28, 28) [0, 1] image: its mean code (rounded, clipped to +-Z_LIMIT), the
    reconstruction (28, 28) decoded from that code, and whether the code had to be clipped."""
    mu, _ = pkg.encode(np.asarray(image, dtype=np.float32))
    z, clipped = round_z(mu[0])
    return z, pkg.decode(np.asarray(z)), clipped
