"""Streamlit pieces of the Explore page: its session state, the callbacks that load a garment
into the latent pad, the live fragment (pad, history, what it looks like, neighbours, mini-map,
badge, export), the pinned garments and the big latent map.

State. The current z lives in the non-widget key ``explore.z`` (a tuple of floats, rounded to
three decimals so a link reproduces it exactly) and the slider range in ``explore.range``. The
sliders are the latent pad (``ui.common.pad``): the browser decodes the garment on every
animation frame while a slider moves and reports z (throttled during a drag, at once on
release); each report reruns only the fragment. The server moves the pad with :func:`load_z`
(a new ``seq`` the browser applies once); code that must also redraw the big map queues the
garment (:func:`request_load`) and reruns the app. Streamlit deletes the state of widgets that
are not drawn, so the values that must survive a page switch are kept in ``explore._saved``.

History. Every released change and every loaded garment is a step (``ui/explore/history.py``):
Undo, Redo, the strip's thumbnails and Ctrl+Z move through the steps. Each step also changes the
link, and Streamlit makes each link change a browser history entry, so Back and Forward land on a
link this page wrote earlier: a full run whose address is not the one the page last wrote
(``explore._url``) shows the step with that z (:func:`follow_browser`).

Words. Sliders are named by what they do (``ui/explore/sliders.py``: their ends, from the current
garment, on release) and by the names users give them (``ui/explore/saved.py``); nats, KL and log
q only appear with the "Expert details" switch.

Speed. A report reruns only :func:`explore_fragment`: one exact ranking (reused by the typicality
badge and the map position), the mini-map's "you are here" and the neighbour gallery as one
element (about 20 ms of server work); the pad's element and the mini-map's picture are
byte-identical from rerun to rerun (``ui/explore/live_map.py`` draws "you are here" over the
picture in the browser). The slider guides are computed on release only, after everything else
has been sent. The mini-map and thumbnails travel inline as ``data:`` URIs. The 60,000-point Plotly
map is outside the fragment and is redrawn on full reruns only; the fragment says when it is
behind. What used to dominate a step was not this page but Streamlit's full garbage collection
after every run (see ``ui.common.loader.freeze_startup_objects``) and torch's per-thread start-up
(``ModelPackage.torch_threads``).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ui.board import lineage
from ui.board.save import save_popover
from ui.common.figures import MAP_NAMES, PALETTE, map_figure, selected_indices
from ui.common.gallery import Tile, gallery, tile_uri
from ui.common.loader import (
    base_map,
    decoder_for_browser,
    item_images,
    minimap_raster,
    package_path,
    track_index,
)
from ui.common.map_layer import map_layer, take_point
from ui.common.pad.component import PadReport, PadSlider, dims_map, latent_pad, set_pad, take_report
from ui.common.picker import keep_package
from ui.common.scroll import request_scroll, scroller
from ui.common.state import take_explore_request
from ui.common.text import md, plain
from ui.common.upload import picture
from ui.explore import compare, saved
from ui.explore.history import STRIP, History, Step, describe_change
from ui.explore.live_map import live_map
from ui.explore.sliders import end_points, name_ends, slider_label, slider_name
from ui.explore.state import (
    DEFAULT_RANGE,
    K_EDITS,
    K_EUCLID,
    K_EXPERT,
    K_FULL_RUN,
    K_HISTORY,
    K_ITEM,
    K_K,
    K_MAP,
    K_MAP_STATE,
    K_MAX,
    K_METHOD,
    K_MIN,
    K_NOTICES,
    K_ORIGIN,
    K_PENDING,
    K_RANGE,
    K_SAVED,
    K_SOURCE,
    K_STRIP,
    K_UPLOAD,
    K_UPLOAD_ID,
    K_UPLOAD_SHOW,
    K_URL,
    K_Z,
    METHODS,
    SLIDER_RANGES,
    ExploreState,
    format_range,
    parse_query,
    range_for,
    round_z,
    slider_specs,
    to_query,
    z_json,
)
from ui.explore.step import (
    StepResult,
    encode_garment,
    explore_step,
    looks_like_text,
    typicality_text,
    upload_hint,
)
from ui.explore.strip import StripStep, history_strip, read_action
from vae_core import InputError, ModelPackage
from vae_core.images import png_bytes, upscale
from vae_core.latent.guides import direction_tracks, likelihood_tracks, track_percentiles, track_positions
from vae_core.latent.metrics import ACTIVE_KL
from vae_core.upload import PreparedImage

GARMENT_SCALE = 12  # 28 px -> 336 px, pixel-exact
MINIMAP_SIZE = 300
K_PAD = "explore.pad"  # the latent pad's widget key
K_GUIDES = "explore._guides"  # (what they were computed for, tracks in slider order) of the guides shown
K_ENDS = "explore._ends"  # (what they were computed for, the ends of every slider, their dims) shown
K_THUMBS = "explore._thumbs"  # {(package, z): data URI} of the history strip's pictures
THUMBS_KEPT = 64
PAD_SELECTOR = ".st-key-explore-pad"  # (the garment is in the pad's shadow root, at its top)


# ------------------------------------------------------------------------------ state
def _saved() -> dict:
    return st.session_state.setdefault(K_SAVED, {})


def _remember(*keys: str) -> None:
    """Copy widget values into the non-widget store that survives page switches."""
    saved = _saved()
    for key in keys:
        if key in st.session_state:
            saved[key] = st.session_state[key]


def _current(key: str):
    """A widget's value as its default too. Under load the browser can remount a widget without
    the value it holds (about 1 session in 10 with ten busy sessions: the "How many (k)" box fell
    back to its default of 1 at the first slider step); the default it then falls back to is the
    value it had. The saved store keeps it even when the widget's own state is gone."""
    return st.session_state[key] if key in st.session_state else _saved()[key]


def _notify(message: str) -> None:
    notices = st.session_state.setdefault(K_NOTICES, [])
    if message not in notices:
        notices.append(message)


def init_state(pkg: ModelPackage) -> None:
    """On a session's first visit, take the state from the link; later, follow the browser's Back
    and Forward; always re-seed the widgets and read the package's slider names and directions."""
    ss = st.session_state
    ss[K_FULL_RUN] = True
    params = st.query_params.to_dict()
    if K_Z not in ss or len(ss[K_Z]) != pkg.latent_dim:
        ss[K_HISTORY] = History()
        state = parse_query(params, pkg.latent_dim)
        ss[K_Z] = state.z
        ss[K_SAVED] = {
            K_K: min(state.k, len(pkg)),
            K_METHOD: state.method,
            K_RANGE: range_for(state.z, DEFAULT_RANGE),
            K_EUCLID: False,
            K_ITEM: 0,
        }
        ss[K_SOURCE] = ("the shared link" if "z" in params else "the centre of the space (z = 0)", state.z)
        lineage.start(ss, lineage.origin("link" if "z" in params else "zero", state.z))
        push_step(plain(ss[K_SOURCE][0]))
        if state.notices:
            ss[K_NOTICES] = [
                "**This link was malformed, so the nearest valid garment is shown.**\n"
                + "\n".join(f"- {md(note, limit=300)}" for note in state.notices)
            ]
    else:
        follow_browser(params, pkg.latent_dim)
    if ss.get("explore._history_for") != pkg.identity:  # another catalogue: its own history
        ss[K_HISTORY] = History()
        push_step(plain(ss.get(K_SOURCE, ("the garment shown", None))[0]))
        ss["explore._history_for"] = pkg.identity
    for key, value in _saved().items():
        if key not in ss:
            ss[key] = value
    saved.load(pkg)


def history() -> History:
    return st.session_state.setdefault(K_HISTORY, History())


def _lineage_now() -> dict:
    ss = st.session_state
    edits = ss.get(K_EDITS) or {"total": 0, "recent": []}
    return {"origin": ss.get(K_ORIGIN), "edits": {"total": edits["total"], "recent": list(edits["recent"])}}


def push_step(label: str) -> None:
    """The garment now shown is a new step of the history (``label``: what made it)."""
    ss = st.session_state
    history().push(Step(tuple(ss[K_Z]), label, tuple(ss.get(K_SOURCE) or ("", None)), _lineage_now()))


def show_step(step: Step) -> None:
    """Show a step again exactly: its z, caption and lineage (undo, redo, Back)."""
    ss = st.session_state
    ss[K_Z] = step.z
    a = range_for(step.z, float(ss.get(K_RANGE, _saved().get(K_RANGE, DEFAULT_RANGE))))
    ss[K_RANGE] = _saved()[K_RANGE] = a
    ss[K_SOURCE] = step.source
    if step.lineage.get("origin") is not None:
        ss[K_ORIGIN] = step.lineage["origin"]
        ss[K_EDITS] = {"total": step.lineage["edits"]["total"], "recent": list(step.lineage["edits"]["recent"])}
    set_pad(K_PAD)


def follow_browser(params: dict[str, str], dim: int) -> None:
    """Back or Forward brought an address this page did not just write: show its garment, the
    step of the history with that z when there is one."""
    ss = st.session_state
    if "z" not in params or params == ss.get(K_URL):
        return
    ss[K_URL] = params
    state = parse_query(params, dim)
    for key, value in ((K_K, state.k), (K_METHOD, state.method)):
        ss[key] = _saved()[key] = value
    if state.z == tuple(ss[K_Z]):
        return
    step = history().follow(state.z)
    if step is not None:
        show_step(step)
    else:
        load_z(state.z, "an earlier address (the browser's Back or Forward)", lineage.origin("link", state.z))


def on_history_action() -> None:
    """The history strip's Undo, Redo, a thumbnail or a key (its callback, before the rerun)."""
    action = read_action(K_STRIP)
    if action is None:
        return
    h = history()
    step = {"undo": h.undo, "redo": h.redo}.get(action["do"], lambda: h.go(int(action.get("step") or 0)))()
    if step is not None:
        show_step(step)


def expert() -> bool:
    return bool(st.session_state.get(K_EXPERT, _saved().get(K_EXPERT, False)))


def pad_sliders(pkg: ModelPackage) -> list[PadSlider]:
    """The pad's sliders: one per latent dimension, most informative first, named by the user or
    z1..zd (nats in the expert view), then one per saved direction."""
    given, pro = saved.names(), expert()
    sliders = []
    for s in slider_specs(pkg.kl_per_dim):
        label, help_ = slider_label(s, given, pro)
        sliders.append(PadSlider(name=slider_name(s.dim, given), label=label, help=help_, dim=s.dim, active=s.active))
    for j, d in enumerate(saved.directions()):
        where = "the whole catalogue" if d.from_indices is None else f"{len(d.from_indices):,} garments"
        help_ = (
            f"Moves the garment along ‘{d.name}’: from the look of {where} (left) toward the look of "
            f"{len(d.to_indices):,} garments (right). Let go and the move is written into the other sliders."
        )
        if pro:
            length = np.linalg.norm(d.vector)
            help_ += f" Direction #{d.id}: the difference of the two groups' mean codes, |v| = {length:.2f}."
        sliders.append(PadSlider(name=d.name, label=f"⇄ {d.name}", help=help_, dim=-1, dir=j))
    return sliders


def slider_values(sliders: list[PadSlider], z: tuple[float, ...]) -> list[float]:
    """The sliders' values for z: its coordinates, and 0 (the middle) for every direction."""
    return [float(z[s.dim]) if s.dim >= 0 else 0.0 for s in sliders]


def load_z(z: np.ndarray | tuple[float, ...], source: str, origin: dict | None = None) -> None:
    """Put z into the pad (widening its range if needed); the browser shows it on the next draw.
    ``origin`` is the garment's lineage record (``ui.board.lineage``; default: "sent", ``source``)."""
    ss = st.session_state
    zz, clipped = round_z(z)
    if clipped:
        _notify(f"{source} has latent values beyond ±{SLIDER_RANGES[-1]:g}; they were clamped to the edge.")
    ss[K_Z] = zz
    a = range_for(zz, float(ss.get(K_RANGE, _saved().get(K_RANGE, DEFAULT_RANGE))))
    ss[K_RANGE] = a
    _saved()[K_RANGE] = a
    ss[K_SOURCE] = (source, zz)
    lineage.start(ss, {**(origin or lineage.origin("sent", zz, plain(source))), "z": list(zz)})
    push_step(plain(source))
    set_pad(K_PAD)  # the pad's next draw moves its sliders to explore.z


def request_load(z: np.ndarray | tuple[float, ...], source: str, origin: dict | None = None) -> None:
    """Load z on a fresh full run (from code that runs after the sliders are drawn)."""
    st.session_state[K_PENDING] = (tuple(float(v) for v in z), source, origin)
    st.rerun(scope="app")


def item_source(pkg: ModelPackage, index: int) -> str:
    """Where a garment came from, as Markdown (sources are shown in captions and notices)."""
    return f"item #{index} ({md(pkg.class_names[int(pkg.labels[index])])})"


def item_origin(pkg: ModelPackage, index: int) -> dict:
    """The lineage record of catalogue item ``index``'s posterior mean."""
    return lineage.item_origin(index, pkg.class_names[int(pkg.labels[index])], pkg.mu[index])


def load_item(pkg: ModelPackage, index: int) -> None:
    """Load catalogue item ``index``'s posterior mean."""
    load_z(pkg.mu[index], item_source(pkg, index), item_origin(pkg, index))


def apply_requests(pkg: ModelPackage) -> None:
    """Apply a garment sent from another page or queued by this one (before the sliders)."""
    garment = take_explore_request()
    if garment is not None:
        try:
            z = pkg.check_z(garment.z)
        except InputError as exc:
            _notify(f"The garment sent to Explore could not be loaded: {exc}")
        else:
            if garment.index is not None:
                source = item_source(pkg, garment.index)
                origin = garment.origin or {**item_origin(pkg, garment.index), "z": list(z)}
            else:
                source = md(garment.label) if garment.label else "another page"
                origin = garment.origin
            load_z(z, source, origin)
            request_scroll()  # the sender may have been scrolled far down: land at the top
    pending = st.session_state.pop(K_PENDING, None)
    if pending is not None:
        load_z(*pending)
    scroller("explore")


def current_z() -> np.ndarray:
    return np.asarray(st.session_state[K_Z], dtype=np.float64)


# ------------------------------------------------------------------------------ callbacks
def on_reset() -> None:
    z = np.zeros(len(st.session_state[K_Z]))
    load_z(z, "the centre of the space (z = 0)", lineage.origin("zero", z))


def on_sample() -> None:
    z = np.random.default_rng().standard_normal(len(st.session_state[K_Z]))
    load_z(z, "a random draw from the prior N(0, I)", lineage.origin("prior", z))


def on_start_item(pkg: ModelPackage) -> None:
    index = int(st.session_state[K_ITEM])
    _remember(K_ITEM)
    load_item(pkg, index)


def apply_report(report: PadReport, pkg: ModelPackage) -> None:
    """Take the pad's report as the current z and range: a narrower range clamps, and says so; a
    direction that carried z past the range widens it on release. A release is a step."""
    ss = st.session_state
    a = float(report.range) if report.range in SLIDER_RANGES else float(ss[K_RANGE])
    narrower = a < float(ss[K_RANGE])
    clamped = narrower and np.any(np.abs(np.asarray(ss[K_Z])) > a + 1e-9)
    z = np.clip(report.z, -a, a) if narrower else np.asarray(report.z, dtype=np.float64)
    before = history().current
    ss[K_Z] = round_z(z)[0]
    wider = report.final and range_for(ss[K_Z], a) > a
    ss[K_RANGE] = _saved()[K_RANGE] = range_for(ss[K_Z], a) if report.final else a
    if wider:
        set_pad(K_PAD)  # the browser takes the wider range
    if report.final:
        lineage.record_edit(ss, ss[K_Z])
        given = saved.names()
        names = [slider_name(d, given) for d in range(pkg.latent_dim)]
        dirs = dict(zip([d.name for d in saved.directions()], saved.unit_vectors(saved.directions(), pkg.latent_dim)))
        push_step(describe_change(None if before is None else before.z, ss[K_Z], names, dirs))
    if clamped:  # the notices are drawn above the fragment: a full run shows this one
        _notify(f"Values beyond {format_range(a)} were clamped to the new slider range.")
        st.rerun(scope="app")


def on_map_select(pkg: ModelPackage) -> None:
    indices = selected_indices(st.session_state.get(K_MAP))
    if indices:
        load_item(pkg, indices[0])
        request_scroll(PAD_SELECTOR)  # the map is below the fold: show the garment


def on_dismiss() -> None:
    st.session_state.pop(K_NOTICES, None)


# ------------------------------------------------------------------------------ page parts
def render_notices() -> None:
    """Repairs made to a link or a loaded garment, shown until dismissed."""
    notices = st.session_state.get(K_NOTICES)
    if not notices:
        return
    with st.container(key="explore.notices"):
        st.warning("\n\n".join(notices), icon=":material/link_off:")
        st.button("Dismiss", key="explore.dismiss", icon=":material/close:", type="tertiary", on_click=on_dismiss)


def on_pin(pkg: ModelPackage) -> None:
    """Pin the garment shown, labelled by its number and what it looks like ("Pin 3: Sneaker")."""
    ss = st.session_state
    n = ss["explore._pinned"] = ss.get("explore._pinned", 0) + 1
    looks = pkg.class_names[int(np.argmax(pkg.class_probabilities(ss[K_Z])))] if len(pkg.class_names) > 1 else ""
    compare.pin(ss[K_Z], f"Pin {n}: {looks}" if looks else f"Pin {n}")


def on_open_pin(z: tuple[float, ...], label: str) -> None:
    load_z(z, f"the pinned garment “{md(label, 80)}”", lineage.origin("sent", z, f"the pinned garment “{label}”"))


def render_toolbar(pkg: ModelPackage) -> None:
    """Reset / sample / start-from-item / save / pin / name the sliders / expert details (full
    reruns, so the big map and the comparison follow)."""
    with st.container(horizontal=True, vertical_alignment="center", key="explore.toolbar"):  # one row on a laptop
        st.button(
            "Reset", key="explore.reset", icon=":material/restart_alt:", on_click=on_reset, help="All sliders to 0."
        )
        st.button(
            "Sample",
            key="explore.sample",
            icon=":material/casino:",
            on_click=on_sample,
            help="Draw z from the prior N(0, I): a garment the model considers plausible.",
        )
        with st.popover("Start from item", icon=":material/input:"):
            st.number_input(
                f"Training item (0 to {len(pkg) - 1:,})",
                min_value=0,
                max_value=len(pkg) - 1,
                step=1,
                key=K_ITEM,
                width=190,
            )
            _remember(K_ITEM)
            st.button(
                "Start from it",
                key="explore.start_item",
                icon=":material/input:",
                on_click=on_start_item,
                args=(pkg,),
                help="Load this training item's posterior mean into the sliders.",
            )
        save_popover(pkg)
        st.button(
            "Pin",
            key="explore.pin",
            icon=":material/push_pin:",
            on_click=on_pin,
            args=(pkg,),
            help=f"Keep this garment side by side with others to compare (up to {compare.MAX_PINS}), below.",
        )
        saved.sliders_popover(pkg, slider_specs(pkg.kl_per_dim), _ends_by_dim())
        st.toggle(
            "Expert details",
            value=expert(),
            key=K_EXPERT,
            help="Show the numbers behind the words: how much information each slider carries, the "
            "likelihood score of every neighbour, the exact realism percentile, and a ranking by distance.",
        )
        _remember(K_EXPERT)


def handle_upload(pkg: ModelPackage, prepared: PreparedImage | None) -> None:
    """Encode a newly uploaded garment once (identity = file id + background choice), load its
    code into the sliders, and show the upload beside its reconstruction."""
    ss = st.session_state
    file = ss.get(f"{K_UPLOAD}.file")
    if file is None:
        ss.pop(K_UPLOAD_ID, None)
        ss.pop(K_UPLOAD_SHOW, None)
        return
    if prepared is None:  # the file was refused; upload_garment has said why
        ss.pop(K_UPLOAD_SHOW, None)
        return
    identity = (file.file_id, ss.get(f"{K_UPLOAD}.invert"))
    if identity != ss.get(K_UPLOAD_ID):
        z, recon, _ = encode_garment(pkg, prepared.image)
        origin = lineage.origin("upload", z, f"the upload {file.name}", file=file.name)
        load_z(z, f"your upload {md(file.name)}", origin)
        ss[K_UPLOAD_ID] = identity
        ss[K_UPLOAD_SHOW] = (prepared.image, recon, file.name, prepared.inverted)
        st.rerun()  # the pad, drawn above this, shows the upload's code
    shown = ss.get(K_UPLOAD_SHOW)
    if shown is None:
        return
    image, recon, name, inverted = shown
    image = picture(image)  # as the model sees it: (S, S) grey or (S, S, 3) colour
    c1, c2, c3 = st.columns([1, 1, 3])
    c1.image(upscale(image, 6), caption="your garment, as the model sees it", output_format="PNG")
    c2.image(upscale(recon, 6), caption="the model's reconstruction", output_format="PNG")
    c3.markdown(
        f"**{md(name)}** is now in the sliders: its code is the encoder's mean, so moving a slider "
        f"edits your garment.{' (Inverted: light background detected.)' if inverted else ''}"
    )
    c3.caption(f"Blurry or generic? The model knows {upload_hint(pkg)}.")


def package_identity(pkg: ModelPackage) -> dict[str, str]:
    """The z JSON's record of the package a z belongs to: its name (never a server path), its
    content fingerprint and its data fingerprint."""
    return {
        "package": pkg.path.name if pkg.path is not None else "",
        "package_fingerprint": pkg.content_fingerprint,
        "data_fingerprint": pkg.data_fingerprint,
    }


def thumbnails(pkg: ModelPackage, images: np.ndarray | None, indices: np.ndarray) -> np.ndarray:
    """Originals when the training images are available, else the items' decoded means
    (``ui.common.loader.item_images``; the page has already shown the notice about missing images)."""
    if images is not None:
        return images[np.asarray(indices, dtype=np.int64)]
    return item_images(pkg, indices, notify=False)


def _neighbour_tiles(pkg, images, ranking, unit: str | None, fmt: str, other: set[int]) -> list[Tile]:
    """One tile per ranked item; its score (``unit``, e.g. "log q") only in the expert view."""
    thumbs = thumbnails(pkg, images, ranking.indices)
    tiles = []
    rows = zip(ranking.indices, ranking.scores, ranking.labels, strict=True)
    for i, (idx, score, label) in enumerate(rows):
        mark = "" if int(idx) in other else " ◆"
        line2 = f"  \n{unit} {score:{fmt}}{mark}" if unit else ""
        tiles.append(Tile(thumbs[i], f"#{idx} {pkg.class_names[int(label)]}{line2}", str(int(idx))))
    return tiles


def _slider_signature() -> tuple:
    """What the guides and ends depend on besides z and the range: the directions and the names."""
    return (tuple(d.id for d in saved.directions()), tuple(sorted(saved.names().items())))


def _on_release(key: str, report: PadReport | None) -> tuple | None:
    """The cache entry ``key`` holds (what it was computed for, value): reused while it is for the
    current z, range and sliders, and during a drag (recomputed on release only). None: compute."""
    ss = st.session_state
    now = (ss[K_Z], float(ss[K_RANGE]), _slider_signature())
    held = ss.get(key)
    if held is not None and (held[0] == now or (report is not None and not report.final)):
        return held
    return None


def _guides(pkg: ModelPackage, report: PadReport | None) -> np.ndarray | None:
    """The slider guides for the current z and range (slider order: dimensions, then directions),
    recomputed only when no slider is moving (on release, or a change from the server)."""
    ss = st.session_state
    held = _on_release(K_GUIDES, report)
    if held is not None:
        return held[1]
    z, a = np.asarray(ss[K_Z]), float(ss[K_RANGE])
    index = track_index(package_path())
    tracks = likelihood_tracks(index, z, track_positions(a))[[s.dim for s in slider_specs(pkg.kl_per_dim)]]
    dirs = saved.unit_vectors(saved.directions(), pkg.latent_dim)
    if len(dirs):
        tracks = np.concatenate([tracks, direction_tracks(index, z, dirs, track_positions(a))])
    pct = track_percentiles(tracks, pkg.typicality_ref)
    ss[K_GUIDES] = ((ss[K_Z], a, _slider_signature()), pct)
    return pct


def _ends(pkg: ModelPackage, report: PadReport | None, sliders: list[PadSlider]) -> list[dict]:
    """The names of every slider's two ends for the current garment (``ui/explore/sliders.py``),
    recomputed on release only, like the guides."""
    ss = st.session_state
    held = _on_release(K_ENDS, report)
    if held is not None:
        return held[1]
    z, a = np.asarray(ss[K_Z]), float(ss[K_RANGE])
    dims = [s.dim for s in sliders if s.dim >= 0]
    low, high = end_points(z, dims, saved.unit_vectors(saved.directions(), pkg.latent_dim), a)
    decode = pkg.decode if pkg.latent_dim else None
    ends = [e.to_json() for e in name_ends(pkg.index, pkg.class_names, low, high, decode, [s.name for s in sliders], a)]
    ss[K_ENDS] = ((ss[K_Z], a, _slider_signature()), ends, [s.dim for s in sliders])
    return ends


def _ends_by_dim() -> dict[int, tuple[str, str]]:
    """The names of the ends last shown, by latent dimension (empty before the first)."""
    held = st.session_state.get(K_ENDS)
    if held is None:
        return {}
    return {d: (e["lo"], e["hi"]) for d, e in zip(held[2], held[1], strict=False) if d >= 0}


GUIDES_HELP_PLAIN = (
    "Shading behind a slider: how realistic the garment would be at each position of that slider, "
    "the others held. Dark: real garments live there; pale: the model has to guess. ▸▸ shows a "
    "filmstrip of what the slider does from here, drawn in your browser; click a frame to go there. "
    "The shading and the words under each slider follow when you let go."
)


def _render_pad(pkg: ModelPackage, report: PadReport | None, step: StepResult) -> None:
    """The latent pad: range choice, sliders with their guides and ends, and the garment
    (browser-decoded)."""
    ss = st.session_state
    decoder = decoder_for_browser(package_path())
    sliders = pad_sliders(pkg)
    dirs = saved.unit_vectors(saved.directions(), pkg.latent_dim)
    latent_pad(
        decoder,
        sliders,
        key=K_PAD,
        values=slider_values(sliders, ss[K_Z]),
        latent_dim=pkg.latent_dim,
        mapping=dims_map(dirs),
        ranges=SLIDER_RANGES,
        range_=float(ss[K_RANGE]),
        guides=_guides(pkg, report),
        guides_range=float(ss[K_RANGE]),
        server_image=step.garment if not hasattr(decoder, "hash") else None,
        ends=_ends(pkg, report, sliders),
        guides_help=None if expert() else GUIDES_HELP_PLAIN,
        stage=True,
    )
    if expert():
        st.caption(
            "Sliders are ordered by how much each dimension matters: its average KL in nats "
            f"(information about the garment). Inactive dimensions (at most {ACTIVE_KL} nats) come last. "
            "The garment is decoded in your browser as you drag; everything else follows from the server."
        )
    else:
        st.caption(
            "Sliders are ordered by how much each one changes the garment; the words under a slider say "
            "what the garment becomes at each end. **Name the sliders** to call them what they do for you. "
            "The garment is drawn in your browser as you drag; everything else follows when you let go."
        )


def _sync_url(z: tuple[float, ...], k: int, method: str) -> None:
    """Keep the address bar's link equal to what is shown once a slider is let go (Streamlit
    pushes a history entry per change: during a drag that would be several a second for the
    Back button to wade through, and a page update each). What was written is remembered, so a
    later run can tell the browser's Back and Forward from its own links."""
    query = keep_package(to_query(ExploreState(z, k, method)))
    st.session_state[K_URL] = query
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def _thumbs(pkg: ModelPackage, zs: list[tuple[float, ...]]) -> list[str]:
    """The history strip's pictures (data URIs), decoded once per package and z."""
    ss = st.session_state
    cache = ss.setdefault(K_THUMBS, {})
    path = package_path()
    missing = [z for z in dict.fromkeys(zs) if (path, z) not in cache]
    if missing:
        images = pkg.decode(np.asarray(missing, dtype=np.float64))
        for z, image in zip(missing, images, strict=True):
            cache[(path, z)] = tile_uri((np.clip(image, 0.0, 1.0) * 255 + 0.5).astype(np.uint8))
        for old in list(cache)[: max(0, len(cache) - THUMBS_KEPT)]:
            del cache[old]
    return [cache[(path, z)] for z in zs]


def _render_history(pkg: ModelPackage) -> None:
    """Undo, Redo and the last steps as thumbnails (Ctrl+Z and Ctrl+Shift+Z work on the page)."""
    h = history()
    recent = h.recent(STRIP)
    uris = _thumbs(pkg, [step.z for _, step in recent])
    steps = [StripStep(i, uri, step.label, i == h.at) for (i, step), uri in zip(recent, uris, strict=True)]
    history_strip(K_STRIP, steps, h.can_undo, h.can_redo, on_history_action)


def _closest_html(pkg: ModelPackage, images: np.ndarray | None, index: int) -> str:
    """The closest real piece: its thumbnail (inline) and name."""
    thumb = tile_uri(np.asarray(thumbnails(pkg, images, np.array([index]))[0]))
    name = f"#{index} {pkg.class_names[int(pkg.labels[index])]}"
    # the text between the tags is still Markdown: escaped as such (a class name renders literally)
    return (
        f'<img src="{thumb}" alt="the closest real piece" width="48" height="48" '
        'style="image-rendering: pixelated; vertical-align: middle; border-radius: 4px; background: #000; '
        f'margin-right: 0.5rem">Closest real piece: {md(name)}'
    )


def _render_looks(pkg: ModelPackage, images: np.ndarray | None, step: StepResult) -> None:
    """What the garment looks like, its closest real piece and how realistic it is."""
    looks = looks_like_text(step.probs, pkg.class_names)
    with st.container(key="explore.looks"):
        if looks:
            st.markdown(f"**Looks like:** {md(looks)}")
        st.markdown(_closest_html(pkg, images, int(step.ranking.indices[0])), unsafe_allow_html=True)
        badge = typicality_text(step.percentile, float(step.ranking.scores[0]), int(step.ranking.indices[0]))
        st.badge(badge.label, icon=badge.icon, color=badge.color)
        st.caption(badge.expert if expert() else badge.detail)


def _render_garment(pkg: ModelPackage, step: StepResult, k: int, method: str) -> None:
    """Where the garment came from and the downloads (the garment itself is in the pad)."""
    ss = st.session_state
    source, source_z = ss.get(K_SOURCE, ("the centre of the space (z = 0)", None))
    edited = ", then edited with the sliders" if source_z is not None and tuple(source_z) != ss[K_Z] else ""
    with st.container(key="explore.garment"):
        st.caption(f"Started from {source}{edited}.")
    with st.container(horizontal=True):
        st.download_button(
            "PNG",
            lambda: png_bytes(step.garment, scale=GARMENT_SCALE),  # made on click, not on every step
            file_name="latent-atelier-garment.png",
            mime="image/png",
            icon=":material/download:",
            help="The garment as a PNG (336 x 336, pixel-exact).",
            on_click="ignore",
            key="explore.png",
        )
        # the package's identity is read now: the callable runs later, on the click, outside this
        # script run, where the link's ?package= cannot be read (it named the shipped package)
        identity = package_identity(pkg)
        st.download_button(
            "z JSON",
            lambda: z_json(step.z, k=k, method=method, **identity),
            file_name="latent-atelier-z.json",
            mime="application/json",
            icon=":material/download:",
            help="z, k, the map and the package, as JSON (with the link and the command line).",
            on_click="ignore",
            key="explore.json",
        )


def _render_minimap(pkg: ModelPackage, step: StepResult, k: int, method: str) -> None:
    """The live mini-map with "you are here", and whether the big map below is up to date."""
    ss = st.session_state
    raster = minimap_raster(package_path(), method, MINIMAP_SIZE)
    with st.container(key="explore.minimap"):
        alt = f"The {MAP_NAMES[method]} map of the catalogue with this garment's place on it"
        legend = [(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(pkg.class_names)]
        xy = pkg.map_xy(method)
        clicked = live_map("explore.live_map", raster, step.z, step.here, xy[step.ranking.indices], alt, legend)
    if clicked is not None:  # PCA: that point, the other components kept; t-SNE: the garment there
        if method == "pca":
            z = pkg.pca.with_coordinates(step.z, clicked)
            request_load(z, f"the point ({clicked[0]:.2f}, {clicked[1]:.2f}) on the PCA mini-map")
        index = int(np.argmin(np.sum((xy - np.asarray(clicked)) ** 2, axis=1)))
        load_item(pkg, index)
        st.rerun(scope="app")
    where = "exact projection" if method == "pca" else f"weighted by its top-{k} neighbours"
    click = "that point (the other components kept)" if method == "pca" else "the garment nearest that place"
    st.caption(
        f"**You are here** (live) on the {MAP_NAMES[method]} map: yellow disc at "
        f"({step.here[0]:.2f}, {step.here[1]:.2f}), {where}; dark dots are the top-{k} neighbours. "
        f"Click the map to load {click}."
    )
    if ss.get(K_MAP_STATE) == (ss[K_Z], k, method):
        st.caption(":material/check: The interactive map below shows this garment.")
    else:
        st.caption(":material/history: The interactive map below still shows an earlier garment.")
        if st.button("Update the map", key="explore.refresh_map", icon=":material/refresh:"):
            st.rerun(scope="app")


def _render_neighbour_controls(pkg: ModelPackage, has_images: bool) -> None:
    st.subheader("Likeliest catalogue pieces")
    pro = expert()
    c1, c2, _ = st.columns([1.2, 3, 4], vertical_alignment="bottom")
    c1.number_input(
        "How many (k)",
        min_value=K_MIN,
        max_value=min(K_MAX, len(pkg)),
        step=1,
        value=int(_current(K_K)),
        key=K_K,
        help="How many of the likeliest catalogue pieces to show, also ringed on the map.",
    )
    if pro:
        c2.toggle(
            "Compare with Euclidean distance to μ",
            value=bool(_current(K_EUCLID)),
            key=K_EUCLID,
            help="Side by side: the ranking by distance to each item's mean ignores how certain the "
            "encoder is (σ), so it differs from the exact likelihood ranking.",
        )
    else:
        st.session_state[K_EUCLID] = bool(_current(K_EUCLID))  # kept (and shown again) for the expert view
    _remember(K_K, K_EUCLID)
    if pro:
        st.caption(
            "Ranked by the exact log q(z|x): how likely the encoder is to give this z for each training "
            "garment (higher is closer). Press **use** to load a garment's code into the sliders."
        )
    else:
        st.caption(
            "The pieces of the catalogue most likely to have become this garment, likeliest first. "
            "Press **use** to start from one of them."
        )
    if not has_images:
        st.caption(
            ":material/info: Thumbnails show each item's decoded mean, not the original photo: "
            "point LATENT_ATELIER_DATA_DIR at the Fashion-MNIST files this package was built from."
        )


def _render_neighbours(pkg: ModelPackage, images: np.ndarray | None, step: StepResult) -> int | None:
    """The neighbour galleries (the exact ranking alone, or beside the Euclidean one in the expert
    view); the item whose "use" button was pressed, if any."""
    ranking, euclid = step.ranking, step.euclidean
    pro = expert()
    if euclid is None or not pro:
        tiles = _neighbour_tiles(pkg, images, ranking, "log q" if pro else None, ".1f", set(ranking.indices.tolist()))
        return gallery(tiles, columns=6, action="use", key="explore.logq")
    k = len(ranking.indices)
    lq_set, eu_set = set(ranking.indices.tolist()), set(euclid.indices.tolist())
    st.caption(f"{len(lq_set & eu_set)} of {k} garments appear in both rankings; ◆ marks those found by only one.")
    g1, g2 = st.columns(2, gap="large")
    with g1:
        st.markdown("**By log q(z|x)** (exact likelihood)")
        tiles = _neighbour_tiles(pkg, images, ranking, "log q", ".1f", eu_set)
        clicked = gallery(tiles, columns=4, action="use", key="explore.logq")
    with g2:
        st.markdown("**By Euclidean distance to μ**")
        tiles = _neighbour_tiles(pkg, images, euclid, "dist", ".2f", lq_set)
        return gallery(tiles, columns=4, action="use", key="explore.eu") or clicked


@st.fragment
def explore_fragment(pkg: ModelPackage, images: np.ndarray | None) -> None:
    """Pad, history, what it looks like, typicality, export, mini-map and neighbours: a report
    from the pad (or an undo) reruns only this. Takes the report, computes one
    :func:`~ui.explore.step.explore_step`, draws it."""
    ss = st.session_state
    full_run = ss.pop(K_FULL_RUN, False)
    report = take_report(K_PAD)
    if report is not None:
        apply_report(report, pkg)
    z = ss[K_Z]
    left, right = st.columns([8.2, 3.8], gap="medium")
    k, method = int(ss[K_K]), ss[K_METHOD]
    if report is None or report.final:  # not mid-drag: each link change is a browser history entry
        _sync_url(z, k, method)
    if full_run:
        ss[K_MAP_STATE] = (z, k, method)
    step = explore_step(pkg, np.asarray(z), k, method, euclidean=bool(ss[K_EUCLID]) and expert())
    with right:  # what it looks like (a few lines), then the mini-map, above the fold beside the sliders
        _render_looks(pkg, images, step)
        _render_minimap(pkg, step, k, method)
        _render_garment(pkg, step, k, method)
    _render_neighbour_controls(pkg, images is not None)
    with st.container(key="explore.neighbours"):
        clicked = _render_neighbours(pkg, images, step)
    with left:  # the pad last: the neighbours are on their way while the guides and ends are computed
        with st.container(key="explore.history_strip"):
            _render_history(pkg)
        _render_pad(pkg, report, step)
    if clicked is not None:
        request_load(pkg.mu[int(clicked)], item_source(pkg, int(clicked)), item_origin(pkg, int(clicked)))


def render_compare(pkg: ModelPackage, images: np.ndarray | None) -> None:
    """The pinned garments side by side (outside the fragment: pins change on full runs)."""
    compare.render_compare(pkg, lambda idx: thumbnails(pkg, images, idx), expert(), on_open_pin)


def render_map(pkg: ModelPackage) -> None:
    """The big interactive map (outside the fragment: redrawn on full reruns only)."""
    ss = st.session_state
    st.subheader("Where it sits on the latent map")
    c1, c2 = st.columns([1.4, 6], vertical_alignment="center")
    c1.radio(
        "Map",
        METHODS,
        index=METHODS.index(_current(K_METHOD)),
        format_func=MAP_NAMES.get,
        horizontal=True,
        key=K_METHOD,
        help="t-SNE keeps neighbours together; PCA is a faithful linear view (first two components).",
    )
    _remember(K_METHOD)
    method = ss[K_METHOD]
    z = current_z()
    k = int(ss[K_K])
    ss[K_MAP_STATE] = (tuple(ss[K_Z]), k, method)
    if method == "pca":
        how = "PCA places z exactly: its projection onto the first two principal components of the means."
    elif expert():
        how = (
            "t-SNE has no formula for a new point, so z is placed at the mean of its top-k likelihood "
            "neighbours' positions, weighted by softmax(log q(z|x)) (an approximation)."
        )
    else:
        how = "t-SNE has no formula for a new garment, so it is placed among its likeliest pieces (an approximation)."
    c2.caption(
        f"Every training garment's posterior mean, coloured by class (click the legend to filter). "
        f"The star is the current garment; rings are its top-{k} neighbours. {how} Hover a point to "
        "see the garment, click it to load it into the sliders"
        + ("; click empty ground to decode that point (the other components kept)." if method == "pca" else ".")
    )
    ranking = pkg.rank(z, k)
    here = pkg.place(z, method, k)
    base = base_map(package_path(), method)
    xy = pkg.map_xy(method)
    overlay = map_figure(xy, np.full(len(xy), -1), [], highlight=ranking.indices, here=here)
    fig = go.Figure(data=[*base.data, *overlay.data], layout=base.layout)
    st.plotly_chart(
        fig,
        key=K_MAP,
        on_select=lambda: on_map_select(pkg),
        selection_mode="points",
        config={"scrollZoom": True, "displaylogo": False},
    )
    map_garments(pkg, method)


K_MAP_LAYER = "explore.map_layer"


@st.fragment
def map_garments(pkg: ModelPackage, method: str) -> None:
    """Thumbnails on hover over the big map; on the PCA map a click on empty ground decodes that
    point: its two components set, the others kept from the current z."""
    map_layer(K_MAP_LAYER, K_MAP, pkg, pkg.map_xy(method), click=method == "pca")
    point = take_point(K_MAP_LAYER)
    if point is not None and method == "pca":
        z = pkg.pca.with_coordinates(current_z(), (point.x, point.y))
        request_scroll(PAD_SELECTOR)
        request_load(z, f"the point ({point.x:.2f}, {point.y:.2f}) on the PCA map")
