"""Streamlit pieces of the Explore page: its session state, the callbacks that load a garment
into the latent pad, the live fragment (pad, neighbours, mini-map, badge, export) and the big
latent map.

State. The current z lives in the non-widget key ``explore.z`` (a tuple of floats, rounded to
three decimals so a link reproduces it exactly) and the slider range in ``explore.range``. The
sliders are the latent pad (``ui.common.pad``): the browser decodes the garment on every
animation frame while a slider moves and reports z (throttled during a drag, at once on
release); each report reruns only the fragment. The server moves the pad with :func:`load_z`
(a new ``seq`` the browser applies once); code that must also redraw the big map queues the
garment (:func:`request_load`) and reruns the app. Streamlit deletes the state of widgets that
are not drawn, so the values that must survive a page switch are kept in ``explore._saved``.

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
from ui.common.dims import dim_name
from ui.common.figures import MAP_NAMES, map_figure, selected_indices
from ui.common.gallery import Tile, gallery
from ui.common.loader import (
    base_map,
    decoder_for_browser,
    item_images,
    minimap_raster,
    package_path,
    track_index,
)
from ui.common.pad.component import PadReport, PadSlider, latent_pad, set_pad, take_report
from ui.common.picker import keep_package
from ui.common.scroll import request_scroll, scroller
from ui.common.state import take_explore_request
from ui.common.text import md, plain
from ui.common.upload import picture
from ui.explore.live_map import live_map
from ui.explore.state import (
    DEFAULT_RANGE,
    K_EUCLID,
    K_FULL_RUN,
    K_ITEM,
    K_K,
    K_MAP,
    K_MAP_STATE,
    K_MAX,
    K_METHOD,
    K_MIN,
    K_NOTICES,
    K_PENDING,
    K_RANGE,
    K_SAVED,
    K_SOURCE,
    K_UPLOAD,
    K_UPLOAD_ID,
    K_UPLOAD_SHOW,
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
from ui.explore.step import StepResult, encode_garment, explore_step, typicality_text, upload_hint
from vae_core import InputError, ModelPackage
from vae_core.images import png_bytes, upscale
from vae_core.latent.guides import likelihood_tracks, track_percentiles, track_positions
from vae_core.latent.metrics import ACTIVE_KL
from vae_core.upload import PreparedImage

GARMENT_SCALE = 12  # 28 px -> 336 px, pixel-exact
MINIMAP_SIZE = 300
K_PAD = "explore.pad"  # the latent pad's widget key
K_GUIDES = "explore._guides"  # (z, range, tracks in slider order) of the guides shown
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
    """On a session's first visit, take the state from the link; always re-seed the widgets."""
    ss = st.session_state
    ss[K_FULL_RUN] = True
    if K_Z not in ss or len(ss[K_Z]) != pkg.latent_dim:
        params = st.query_params.to_dict()
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
        if state.notices:
            ss[K_NOTICES] = [
                "**This link was malformed, so the nearest valid garment is shown.**\n"
                + "\n".join(f"- {md(note, limit=300)}" for note in state.notices)
            ]
    for key, value in _saved().items():
        if key not in ss:
            ss[key] = value


def pad_sliders(pkg: ModelPackage) -> list[PadSlider]:
    """The pad's sliders: one per latent dimension, most informative first."""
    return [
        PadSlider(name=dim_name(s.dim), label=s.label, help=s.help, dim=s.dim, active=s.active)
        for s in slider_specs(pkg.kl_per_dim)
    ]


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


def apply_report(report: PadReport) -> None:
    """Take the pad's report as the current z and range (a narrower range clamps, and says so)."""
    ss = st.session_state
    a = float(report.range) if report.range in SLIDER_RANGES else float(ss[K_RANGE])
    clamped = a < float(ss[K_RANGE]) and np.any(np.abs(np.asarray(ss[K_Z])) > a + 1e-9)
    ss[K_Z] = round_z(np.clip(report.z, -a, a))[0]
    ss[K_RANGE] = _saved()[K_RANGE] = a
    if report.final:
        lineage.record_edit(ss, ss[K_Z])
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


def render_toolbar(pkg: ModelPackage) -> None:
    """Reset / sample / start-from-item (full reruns, so the big map follows)."""
    with st.container(horizontal=True, vertical_alignment="bottom", key="explore.toolbar"):
        st.button("Reset to 0", key="explore.reset", icon=":material/restart_alt:", on_click=on_reset)
        st.button(
            "Sample from prior",
            key="explore.sample",
            icon=":material/casino:",
            on_click=on_sample,
            help="Draw z from the prior N(0, I): a garment the model considers plausible.",
        )
        st.space("medium")
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
            "Start from item",
            key="explore.start_item",
            icon=":material/input:",
            on_click=on_start_item,
            args=(pkg,),
            help="Load this training item's posterior mean into the sliders.",
        )
        st.space("medium")
        save_popover(pkg)


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


def _neighbour_tiles(pkg, images, ranking, unit: str, fmt: str, other: set[int]) -> list[Tile]:
    thumbs = thumbnails(pkg, images, ranking.indices)
    tiles = []
    rows = zip(ranking.indices, ranking.scores, ranking.labels, strict=True)
    for i, (idx, score, label) in enumerate(rows):
        mark = "" if int(idx) in other else " ◆"
        caption = f"#{idx} {pkg.class_names[int(label)]}  \n{unit} {score:{fmt}}{mark}"
        tiles.append(Tile(thumbs[i], caption, str(int(idx))))
    return tiles


def _guides(pkg: ModelPackage, report: PadReport | None) -> np.ndarray | None:
    """The slider guides for the current z and range (slider order), recomputed only when no
    slider is moving (on release, or a change from the server); during a drag the last ones stay."""
    ss = st.session_state
    z, a = ss[K_Z], float(ss[K_RANGE])
    held = ss.get(K_GUIDES)
    if held is not None and ((held[0], held[1]) == (z, a) or (report is not None and not report.final)):
        return held[2]
    tracks = likelihood_tracks(track_index(package_path()), np.asarray(z), track_positions(a))
    pct = track_percentiles(tracks, pkg.typicality_ref)[[s.dim for s in slider_specs(pkg.kl_per_dim)]]
    ss[K_GUIDES] = (z, a, pct)
    return pct


def _render_pad(pkg: ModelPackage, report: PadReport | None, step: StepResult) -> None:
    """The latent pad: range choice, sliders with their guides, and the garment (browser-decoded)."""
    ss = st.session_state
    decoder = decoder_for_browser(package_path())
    sliders = pad_sliders(pkg)
    latent_pad(
        decoder,
        sliders,
        key=K_PAD,
        values=[ss[K_Z][s.dim] for s in sliders],
        latent_dim=pkg.latent_dim,
        ranges=SLIDER_RANGES,
        range_=float(ss[K_RANGE]),
        guides=_guides(pkg, report),
        guides_range=float(ss[K_RANGE]),
        server_image=step.garment if not hasattr(decoder, "hash") else None,
        stage=True,
    )
    st.caption(
        "Sliders are ordered by how much each dimension matters: its average KL in nats "
        f"(information about the garment). Inactive dimensions (at most {ACTIVE_KL} nats) come last. "
        "The garment is decoded in your browser as you drag; everything else follows from the server."
    )


def _sync_url(z: tuple[float, ...], k: int, method: str) -> None:
    """Keep the address bar's link equal to what is shown once a slider is let go (Streamlit
    pushes a history entry per change: during a drag that would be several a second for the
    Back button to wade through, and a page update each)."""
    query = keep_package(to_query(ExploreState(z, k, method)))
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def _render_garment(pkg: ModelPackage, step: StepResult, k: int, method: str) -> None:
    """Where the garment came from, its typicality badge and the downloads (the garment itself
    is in the pad)."""
    ss = st.session_state
    source, source_z = ss.get(K_SOURCE, ("the centre of the space (z = 0)", None))
    edited = ", then edited with the sliders" if source_z is not None and tuple(source_z) != ss[K_Z] else ""
    with st.container(key="explore.garment"):
        st.caption(f"Started from {source}{edited}.")
    badge = typicality_text(step.percentile, float(step.ranking.scores[0]), int(step.ranking.indices[0]))
    st.badge(badge.label, icon=badge.icon, color=badge.color)
    st.caption(badge.detail)
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
        live_map("explore.live_map", raster, step.z, step.here, pkg.map_xy(method)[step.ranking.indices], alt)
    where = "exact projection" if method == "pca" else f"weighted by its top-{k} neighbours"
    st.caption(
        f"**You are here** (live) on the {MAP_NAMES[method]} map: yellow disc at "
        f"({step.here[0]:.2f}, {step.here[1]:.2f}), {where}; dark dots are the top-{k} neighbours."
    )
    if ss.get(K_MAP_STATE) == (ss[K_Z], k, method):
        st.caption(":material/check: The interactive map below shows this garment.")
    else:
        st.caption(":material/history: The interactive map below still shows an earlier garment.")
        if st.button("Update the map", key="explore.refresh_map", icon=":material/refresh:"):
            st.rerun(scope="app")


def _render_neighbour_controls(pkg: ModelPackage, has_images: bool) -> None:
    st.subheader("Likeliest training garments")
    c1, c2, _ = st.columns([1.2, 3, 4], vertical_alignment="bottom")
    c1.number_input(
        "How many (k)",
        min_value=K_MIN,
        max_value=min(K_MAX, len(pkg)),
        step=1,
        value=int(_current(K_K)),
        key=K_K,
        help="The top-k training garments, also ringed on the map.",
    )
    c2.toggle(
        "Compare with Euclidean distance to μ",
        value=bool(_current(K_EUCLID)),
        key=K_EUCLID,
        help="Side by side: the ranking by distance to each item's mean ignores how certain the "
        "encoder is (σ), so it differs from the exact likelihood ranking.",
    )
    _remember(K_K, K_EUCLID)
    st.caption(
        "Ranked by the exact log q(z|x): how likely the encoder is to give this z for each training "
        "garment (higher is closer). Press **use** to load a garment's code into the sliders."
    )
    if not has_images:
        st.caption(
            ":material/info: Thumbnails show each item's decoded mean, not the original photo: "
            "point LATENT_ATELIER_DATA_DIR at the Fashion-MNIST files this package was built from."
        )


def _render_neighbours(pkg: ModelPackage, images: np.ndarray | None, step: StepResult) -> int | None:
    """The neighbour galleries (log q alone, or beside the Euclidean ranking); the item whose
    "use" button was pressed, if any."""
    ranking, euclid = step.ranking, step.euclidean
    if euclid is None:
        tiles = _neighbour_tiles(pkg, images, ranking, "log q", ".1f", set(ranking.indices.tolist()))
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
    """Pad, typicality, export, mini-map and neighbours: a report from the pad reruns only this.
    Takes the report, computes one :func:`~ui.explore.step.explore_step`, draws it."""
    ss = st.session_state
    full_run = ss.pop(K_FULL_RUN, False)
    report = take_report(K_PAD)
    if report is not None:
        apply_report(report)
    z = ss[K_Z]
    left, right = st.columns([8.2, 3.8], gap="medium")
    k, method = int(ss[K_K]), ss[K_METHOD]
    if report is None or report.final:  # not mid-drag: each link change is a browser history entry
        _sync_url(z, k, method)
    if full_run:
        ss[K_MAP_STATE] = (z, k, method)
    step = explore_step(pkg, np.asarray(z), k, method, euclidean=bool(ss[K_EUCLID]))
    with right:  # the mini-map first: at 1366 x 768 it then fits above the fold beside the sliders
        _render_minimap(pkg, step, k, method)
        _render_garment(pkg, step, k, method)
    _render_neighbour_controls(pkg, images is not None)
    with st.container(key="explore.neighbours"):
        clicked = _render_neighbours(pkg, images, step)
    with left:  # last: the neighbours are on their way while the guides are computed
        _render_pad(pkg, report, step)
    if clicked is not None:
        request_load(pkg.mu[int(clicked)], item_source(pkg, int(clicked)), item_origin(pkg, int(clicked)))


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
    else:
        how = (
            "t-SNE has no formula for a new point, so z is placed at the mean of its top-k likelihood "
            "neighbours' positions, weighted by softmax(log q(z|x)) (an approximation)."
        )
    c2.caption(
        f"Every training garment's posterior mean, coloured by class (click the legend to filter). "
        f"The star is the current garment; rings are its top-{k} neighbours. {how} Click a point "
        "to load that garment into the sliders."
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
