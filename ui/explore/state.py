"""The Explore page's state: its session keys, slider ranges and labels, the shareable URL state
and the z export.

No streamlit here, so every rule is unit-tested directly (``tests/test_explore_state.py``).

Slider range. The prior is N(0, I): +-3 covers 99.7 % of it per dimension, so a +-3 slider spends
its whole travel on codes the decoder was trained to render, and a 0.05 step is a fine enough
grain for a designer. Wider ranges (+-4, +-5 as in the seed, +-8 for extremes) stay one click
away, and a garment whose code lies outside the current range (some training means of the
shipped model reach +-5.7) widens it automatically instead of being clipped.
"""

from __future__ import annotations

import json
import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import numpy as np

from ui.common.dims import dim_name
from ui.common.figures import MAP_NAMES
from vae_core.latent.metrics import ACTIVE_KL

SLIDER_RANGES = (2.0, 3.0, 4.0, 5.0, 8.0)  # the +-a choices offered to the user
DEFAULT_RANGE = 3.0  # covers 99.7 % of the prior N(0, 1) in every dimension
Z_LIMIT = max(SLIDER_RANGES)  # no slider can hold a value beyond this
SLIDER_STEP = 0.05
Z_DECIMALS = 3  # z is kept (and put in links) with this many decimals, so a link is exact
K_MIN, K_MAX, K_DEFAULT = 1, 60, 12
METHODS = tuple(MAP_NAMES)
DEFAULT_METHOD = "tsne"
MAX_QUERY_CHARS = 2000  # longer z parameters are not parsed at all

# Session keys, all namespaced by the page ("explore."; a leading "_" marks non-widget state).
K_Z = "explore.z"
K_RANGE = "explore.range"
K_K = "explore.k"
K_METHOD = "explore.method"
K_EUCLID = "explore.euclid"
K_ITEM = "explore.item"
K_MAP = "explore.map"
K_SAVED = "explore._saved"
K_PENDING = "explore._pending"
K_NOTICES = "explore._notices"
K_SOURCE = "explore._source"
K_MAP_STATE = "explore._map_state"
K_FULL_RUN = "explore._full_run"
K_UPLOAD = "explore.upload"
K_UPLOAD_ID = "explore._upload_id"
K_UPLOAD_SHOW = "explore._upload_show"
K_ORIGIN = "explore._origin"  # where the garment was loaded from (ui/board/lineage.py)
K_EDITS = "explore._edits"  # its released slider changes since
K_EXPERT = "explore.expert"  # the "Expert details" switch
K_HISTORY = "explore._history"  # the steps to undo and redo (ui/explore/history.py)
K_URL = "explore._url"  # the query this page last wrote into the address bar
K_STRIP = "explore.history"  # the history strip's widget key


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
    return f"explore.{dim_name(dim)}"


def slider_specs(kl_per_dim: Sequence[float] | np.ndarray) -> list[SliderSpec]:
    """Sliders ordered by information: highest average KL first, inactive dimensions last.

    Each label names the dimension (1-based), its rank and its KL in nats, or "inactive" when
    the dimension's KL is at most :data:`~vae_core.latent.metrics.ACTIVE_KL` (moving it barely
    changes the garment).
    """
    kl = np.asarray(kl_per_dim, dtype=np.float64).reshape(-1)
    kl = np.where(np.isfinite(kl), kl, 0.0)
    order = sorted(range(len(kl)), key=lambda i: (-kl[i], i))
    specs = []
    for rank, i in enumerate(order, start=1):
        active = bool(kl[i] > ACTIVE_KL)
        if active:
            label = f"{dim_name(i)} · {kl[i]:.2f} nats"
            help_ = (
                f"Latent dimension {dim_name(i)}: on average it carries {kl[i]:.2f} nats of information "
                f"about a garment (rank {rank} of {len(kl)}). Higher = the slider changes more."
            )
        else:
            label = f"{dim_name(i)} · inactive"
            help_ = (
                f"Latent dimension {dim_name(i)} carries {kl[i]:.3f} nats (at most {ACTIVE_KL}): the model "
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


# ---------------------------------------------------------------------------------- export
def z_json(
    z: Sequence[float] | np.ndarray,
    *,
    k: int = K_DEFAULT,
    method: str = DEFAULT_METHOD,
    package: str = "",
    data_fingerprint: str = "",
    package_fingerprint: str = "",
) -> str:
    """The current garment as a JSON document: z plus what is needed to reproduce the view:
    the package's name and content fingerprint (sha256 of its checksums file), the link and the
    command line (both naming the package)."""
    values = [float(v) for v in np.asarray(z, dtype=np.float64).reshape(-1)]
    query = {**({"package": package} if package else {}), **to_query(ExploreState(tuple(values), k, method))}
    option = f" --package {shlex.quote(package)}" if package else ""
    doc = {
        "format": "latent-atelier-z",
        "latent_dim": len(values),
        "z": values,
        "k": int(k),
        "map": method,
        "package": package,
        "package_fingerprint": package_fingerprint,
        "data_fingerprint": data_fingerprint,
        "query": "?" + urlencode(query, safe=",-.", quote_via=quote),
        "cli": f"python -m vae_core decode{option} --z={format_z(values)} --out garment.png",
    }
    return json.dumps(doc, indent=1) + "\n"
