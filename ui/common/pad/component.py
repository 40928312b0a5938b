"""The latent pad as a Streamlit v2 component: sliders whose garment the browser decodes live.

One element (inline JS and CSS read from ``pad.js`` and ``pad.css``, no iframe) holds the sliders,
the optional range choice and the garment. While a slider moves the browser redraws the garment on
every animation frame and reports its values at most every 150 ms, and at once on release; each
report reruns the enclosing fragment, and :func:`latent_pad` returns it on that run (None on runs
with no new report; :func:`take_report` takes it earlier in the run). The server changes the sliders
with :func:`set_pad` (a new ``seq``, applied once by the browser, never in the middle of a drag).
Those values and the slider guides travel in a second, tiny element (the "feed"), so that the pad's
own element, 30 kB of JS, CSS and layer list, is byte-identical from rerun to rerun and Streamlit
sends it as a 75-byte reference.

Weights travel once per browser session: they are in the element's data only until the browser
reports holding them (its ``have`` state value equals the decoder's hash); that acknowledgement is
kept in a plain session key (:data:`K_ACKED`), which survives page switches where widget state does
not, and afterwards the data is identical from rerun to rerun. A browser that lost them says
``"missing"`` and gets them again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from ui.common.feed import feed
from vae_core.images import data_uri

from .decoder_spec import DecoderSpec, Unsupported

_HERE = Path(__file__).resolve().parent
_COMPONENT = st.components.v2.component(
    "latent_atelier.pad",
    js=(_HERE / "pad.js").read_text(encoding="utf-8"),
    css=(_HERE / "pad.css").read_text(encoding="utf-8"),
)

K_ACKED = "pad._acked"  # hash of the decoder whose weights this browser session holds
STEP = 0.05  # the arrow keys' step; the pointer moves in fifths of it (FINE)
FINE = STEP / 5
GUIDES_HELP = (
    "Shading behind a slider: how typical the garment would be at each position of that slider, "
    "the others held (the best log q(z|x) over the training garments, as a percentile of real "
    "garments' codes). Dark: real garments live there. ▸▸ shows a filmstrip of what the slider "
    "does from here, decoded in your browser; click a frame to go there. Both follow on release."
)


@dataclass(frozen=True)
class PadSlider:
    """One slider: ``name`` (e.g. "z3"), the ``label`` shown and its ``help`` tooltip.

    ``dim`` is the latent dimension it moves (Explore's one-slider-per-dimension pads), or ``dir``
    the direction of :func:`dims_map` it moves z along (then ``dim`` is -1); ``lo``, ``hi`` and
    ``step`` (the arrow keys' step) its bounds where the pad has no range choice. The pointer moves
    in fifths of ``step``, so a slow drag still changes the garment on every move.
    """

    name: str
    label: str
    help: str = ""
    dim: int = -1
    active: bool = True
    lo: float = -3.0
    hi: float = 3.0
    step: float = STEP
    dir: int = -1

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "label": self.label, "help": self.help, "aria": self.label,
            "dim": self.dim, "dir": self.dir, "active": self.active, "min": self.lo, "max": self.hi,
            "step": self.step, "fine": self.step / 5,
        }  # fmt: skip


@dataclass(frozen=True)
class PadReport:
    """What the browser reported: slider ``values`` (in slider order), the latent ``z`` they make,
    the slider ``range`` (pads with a range choice) and whether the slider was released (``final``)."""

    values: tuple[float, ...]
    z: tuple[float, ...]
    range: float | None
    final: bool


def dims_map(dirs: np.ndarray | None = None) -> dict[str, Any]:
    """One slider per latent dimension (``PadSlider.dim``), and sliders that move z along the unit
    vectors ``dirs`` (m, d) (``PadSlider.dir``): z = the dimension sliders' values + sum_j t_j dirs[j].

    A direction slider rests at 0: when it is let go the browser writes its move into the
    dimension sliders and returns it to 0, so the reported z is always the dimension sliders' values.
    """
    if dirs is None or len(dirs) == 0:
        return {"kind": "dims"}
    rows = np.asarray(dirs, dtype=np.float64).reshape(len(dirs), -1)
    return {"kind": "dims", "dirs": [[float(v) for v in row] for row in rows]}


def affine_map(base: np.ndarray, dirs: np.ndarray) -> dict[str, Any]:
    """z = base + sum_j t_j dirs[j] for slider values t."""
    return {
        "kind": "affine",
        "base": [float(v) for v in np.asarray(base, dtype=np.float64).reshape(-1)],
        "dirs": [[float(v) for v in row] for row in np.asarray(dirs, dtype=np.float64).reshape(len(dirs), -1)],
    }


def paths_map(*paths: np.ndarray) -> dict[str, Any]:
    """One garment per path, all moved by one slider: z along each piecewise-linear path (M, d) at
    slider value t in [0, M - 1] (integers are the path's points; between them the browser
    interpolates linearly). Every path has the same number of points."""
    rows = [np.asarray(p, dtype=np.float64) for p in paths]
    if not rows or len({len(p) for p in rows}) != 1 or len(rows[0]) < 2:
        raise ValueError("paths_map needs paths of one length, at least 2 points each")
    return {"kind": "paths", "paths": [[[float(v) for v in z] for z in p] for p in rows]}


def _state_keys(key: str) -> tuple[str, str, str]:
    return f"{key}._set", f"{key}._report", f"{key}._have"


def _take(key: str) -> PadReport | None:
    """Pop the browser's new report, remembering its number: the feed sends that number back,
    so the browser knows the server has taken its last report (and resends one it has not)."""
    raw = st.session_state.pop(_state_keys(key)[1], None)
    if raw is None:
        return None
    try:
        st.session_state[f"{key}._taken"] = int(raw["n"])
    except (KeyError, TypeError, ValueError):
        pass
    return _parse_report(raw)


def set_pad(key: str, values: Sequence[float] | None = None, range_: float | None = None) -> None:
    """Move the pad's sliders from the server (a loaded garment, a link, a map click): the browser
    applies it once, unless the user is dragging at that moment (the user wins). Without
    ``values``, the pad's next draw takes the ``values`` and ``range_`` given to :func:`latent_pad`."""
    set_key, _, _ = _state_keys(key)
    st.session_state[set_key] = {
        "seq": uuid.uuid4().hex[:12],  # unique, so a reconnected page can never mistake an old one
        "values": None if values is None else [float(v) for v in values],
        "range": None if range_ is None else float(range_),
    }


def pad_values(key: str) -> tuple[list[float], float | None] | None:
    """The values and range last set by :func:`set_pad` (None before the first)."""
    got = st.session_state.get(_state_keys(key)[0])
    return None if got is None else (list(got["values"]), got["range"])


def _on_report(key: str, name: str) -> None:
    """State callbacks: keep the new value in a plain key for :func:`latent_pad` to take."""
    state = st.session_state.get(key) or {}
    value = state.get(name) if hasattr(state, "get") else None
    _, report_key, have_key = _state_keys(key)
    st.session_state[report_key if name == "z" else have_key] = value


def _parse_report(value: Any) -> PadReport | None:
    try:
        values = tuple(float(v) for v in value["values"])
        z = tuple(float(v) for v in value["z"])
        range_ = value.get("range")
        if not all(np.isfinite(values)) or not all(np.isfinite(z)):
            return None
        return PadReport(values, z, None if range_ is None else float(range_), bool(value.get("final")))
    except (KeyError, TypeError, ValueError):
        return None


def pad_data(
    key: str,
    decoder: DecoderSpec | Unsupported,
    sliders: Sequence[PadSlider],
    mapping: dict[str, Any],
    latent_dim: int,
    *,
    acked: bool,
    ranges: Sequence[float] | None = None,
    guides: bool = False,
    server_image: np.ndarray | None = None,
    film: bool = True,
    garment_labels: Sequence[str] | None = None,
    snap: bool = False,
    player: bool = False,
    stage: bool = False,
    frame_labels: Sequence[Sequence[str]] | None = None,
    frame_t: Sequence[float] | None = None,
    guides_help: str | None = None,
) -> dict[str, Any]:
    """The pad element's data: plain JSON that changes only with the package, the walk or the
    acknowledgement, and the weights array while not ``acked``."""
    supported = isinstance(decoder, DecoderSpec)
    data: dict[str, Any] = {
        "pad_key": key,
        "latent_dim": int(latent_dim),
        "map": mapping,
        "sliders": [s.to_json() for s in sliders],
        "ranges": None if ranges is None else [float(a) for a in ranges],
        "range_help": "±3 covers 99.7 % of the prior N(0, 1), where the decoder draws real-looking "
        "garments; widen it to push past the training distribution.",
        "step": STEP,
        "fine": FINE,
        "film": bool(film and supported),
        "guides_help": (guides_help or GUIDES_HELP) if guides else None,
        "garment_label": "Decoded garment",
        "garment_labels": None if garment_labels is None else [str(g) for g in garment_labels],
        "snap": bool(snap),
        "player": bool(player),
        "stage": bool(stage),
        "frame_labels": None if frame_labels is None else [[str(x) for x in row] for row in frame_labels],
        "frame_t": None if frame_t is None else [round(float(t), 6) for t in frame_t],
        "spec": decoder.to_json() if supported else None,
        "hash": decoder.hash if supported else None,
        "out": list(decoder.out_shape) if supported else [1, 28, 28],
        "acked": bool(acked),
        "fallback": None,
    }
    if supported and not acked:
        data["weights"] = decoder.weights.view(np.uint16)  # float16 bits, sent as an Arrow column
    if not supported:
        image = data_uri(server_image) if server_image is not None else None
        data["fallback"] = {
            "note": f"Decoded on the server, after each report (not live): {decoder.message}",
            "image": image,
        }
        if image is not None and np.asarray(server_image).ndim == 2:
            data["out"] = [1, *np.asarray(server_image).shape]
    return data


def feed_data(
    key: str,
    current: dict[str, Any],
    guides: np.ndarray | None = None,
    guides_range: float | None = None,
    taken: int = 0,
    ends: Sequence[dict[str, str] | None] | None = None,
) -> dict[str, Any]:
    """The feed element's data: the server-set values ``{seq, values, range}``, the guides, the
    names of each slider's ends (``{lo, hi, title}`` or None per slider) and the number of the
    last report the server has taken (``taken``)."""
    data: dict[str, Any] = {"key": key, "set": current, "guides": None, "taken": int(taken), "ends": ends}
    if guides is not None:
        data["guides"] = {
            "range": None if guides_range is None else float(guides_range),
            "tracks": np.rint(np.asarray(guides, dtype=np.float64)).astype(int).tolist(),
        }
    return data


def latent_pad(
    decoder: DecoderSpec | Unsupported,
    sliders: Sequence[PadSlider],
    *,
    key: str,
    values: Sequence[float],
    latent_dim: int,
    mapping: dict[str, Any] | None = None,
    ranges: Sequence[float] | None = None,
    range_: float | None = None,
    guides: np.ndarray | None = None,
    guides_range: float | None = None,
    server_image: np.ndarray | None = None,
    film: bool = True,
    garment_labels: Sequence[str] | None = None,
    snap: bool = False,
    player: bool = False,
    stage: bool = False,
    frame_labels: Sequence[Sequence[str]] | None = None,
    frame_t: Sequence[float] | None = None,
    ends: Sequence[dict[str, str] | None] | None = None,
    guides_help: str | None = None,
) -> PadReport | None:
    """Draw the pad; return the browser's new report of this run, or None.

    Parameters
    ----------
    decoder
        ``decoder_spec(model.decoder)``; an :class:`Unsupported` one decodes on the server
        (``server_image``, the current garment) and says so under the garment.
    sliders
        In display order.
    key
        Widget key, unique on the page (the CSS class is ``st-key-<key>``).
    values, range_
        The sliders' values and range on the pad's first draw, and after :func:`set_pad` without
        values; the pad ignores them otherwise (the browser holds the user's values).
    mapping
        How slider values make z: :func:`dims_map` (default), :func:`affine_map`, :func:`paths_map`.
    ranges
        The range choice (±a), or None for fixed ``PadSlider.lo``/``hi`` bounds.
    guides
        (sliders, T) typicality percentiles along each slider (``vae_core.latent.guides``), for
        positions spread evenly over ±``guides_range``.
    garment_labels
        One caption per garment where the mapping draws several (:func:`paths_map`).
    snap
        On release, the sliders come to rest on their nearest step (discrete stops: walk frames).
    player
        A walk's player (one slider over :func:`paths_map`): the garments large above the slider,
        and a bar to play the walk in the browser (every animation frame drawn; speed, loop or
        ping-pong) and to show it full screen.
    stage
        A full-screen button under the garment (the player has one anyway).
    frame_labels, frame_t
        For the player: per garment, a caption for each point of its path (its nearest training
        garment), and the t of each point; the caption under each garment follows the slider.
    ends
        Per slider, the names of its two ends ``{lo, hi, title}`` (or None), shown under it; they
        travel in the feed, so new ones leave the pad's element unchanged.
    guides_help
        The note under the sliders explaining the guides (default :data:`GUIDES_HELP`).
    """
    ss = st.session_state
    set_key, report_key, have_key = _state_keys(key)
    if set_key not in ss:
        set_pad(key, values, range_)
    elif ss[set_key]["values"] is None:
        ss[set_key] = {**ss[set_key], "values": [float(v) for v in values], "range": range_}
    have = ss.pop(have_key, None)
    supported = isinstance(decoder, DecoderSpec)
    if supported and have == decoder.hash:
        ss[K_ACKED] = decoder.hash
    elif have == "missing":
        ss.pop(K_ACKED, None)
    acked = supported and ss.get(K_ACKED) == decoder.hash
    data = pad_data(
        key, decoder, sliders, mapping or dims_map(), latent_dim,
        acked=acked, ranges=ranges, guides=guides is not None, server_image=server_image, film=film,
        garment_labels=garment_labels, snap=snap, player=player, stage=stage,
        frame_labels=frame_labels, frame_t=frame_t, guides_help=guides_help,
    )  # fmt: skip
    _COMPONENT(
        key=key,
        data=data,
        on_z_change=lambda: _on_report(key, "z"),
        on_have_change=lambda: _on_report(key, "have"),
    )
    report = _take(key)
    feed(f"{key}.feed", feed_data(key, ss[set_key], guides, guides_range, ss.get(f"{key}._taken", 0), ends))
    return report


def take_report(key: str) -> PadReport | None:
    """The browser's new report for pad ``key`` before the pad is drawn in this run (or None);
    :func:`latent_pad` then returns None for it."""
    return _take(key)
