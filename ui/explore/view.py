"""Streamlit pieces of the Explore page: its session state, the callbacks that load a garment
into the sliders, the live fragment (sliders, garment, neighbours, mini-map, export) and the big
latent map.

State. The current z lives in the non-widget key ``explore.z`` (a tuple of floats, rounded to
three decimals so a link reproduces it exactly). Streamlit deletes the state of widgets that
are not drawn, so every widget value that must survive a page switch is also kept in
``explore._saved`` and the widgets are re-seeded from it. A garment is loaded into the sliders
only where that is allowed: in a widget callback or before the sliders are drawn
(:func:`load_z`); code that runs after them queues it (:func:`request_load`) and reruns.

Speed. A slider step reruns only :func:`explore_fragment`: decode, one exact ranking (reused by
the typicality badge and the map position), a small raster mini-map with "you are here" and the
neighbour gallery as one element (about 20 ms of server work). The garment, mini-map and
thumbnails travel inline as ``data:`` URIs. The 60,000-point Plotly map is outside the fragment
and is redrawn on full reruns only; the fragment says when it is behind. What used to dominate a
step was not this page but Streamlit's full garbage collection after every run (see
``ui.common.loader.freeze_startup_objects``) and torch's per-thread start-up (``ModelPackage.torch_threads``).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ui.common.figures import MAP_NAMES, map_figure, selected_indices
from ui.common.gallery import Tile, gallery
from ui.common.loader import base_map, item_images, minimap_raster, package_path
from ui.common.minimap import mark_raster
from ui.common.state import take_explore_request
from ui.common.text import md
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
    SLIDER_STEP,
    ExploreState,
    format_range,
    parse_query,
    range_for,
    round_z,
    slider_key,
    slider_specs,
    to_query,
    z_json,
)
from ui.explore.step import StepResult, encode_garment, explore_step, typicality_text
from vae_core import InputError, ModelPackage
from vae_core.errors import display_path
from vae_core.images import data_uri, png_bytes, upscale
from vae_core.latent.metrics import ACTIVE_KL
from vae_core.upload import PreparedImage

GARMENT_SCALE = 12  # 28 px -> 336 px, pixel-exact
MINIMAP_SIZE = 300


# ------------------------------------------------------------------------------ state
def _saved() -> dict:
    return st.session_state.setdefault(K_SAVED, {})


def _remember(*keys: str) -> None:
    """Copy widget values into the non-widget store that survives page switches."""
    saved = _saved()
    for key in keys:
        if key in st.session_state:
            saved[key] = st.session_state[key]


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
        if state.notices:
            ss[K_NOTICES] = [
                "**This link was malformed, so the nearest valid garment is shown.**\n"
                + "\n".join(f"- {md(note, limit=300)}" for note in state.notices)
            ]
    for key, value in _saved().items():
        if key not in ss:
            ss[key] = value
    for i, v in enumerate(ss[K_Z]):
        if slider_key(i) not in ss:
            ss[slider_key(i)] = v


def load_z(z: np.ndarray | tuple[float, ...], source: str) -> None:
    """Put z into the sliders (widening their range if needed). Only in a callback or before
    the sliders are drawn in this run."""
    ss = st.session_state
    zz, clipped = round_z(z)
    if clipped:
        _notify(f"{source} has latent values beyond ±{SLIDER_RANGES[-1]:g}; they were clamped to the edge.")
    ss[K_Z] = zz
    for i, v in enumerate(zz):
        ss[slider_key(i)] = v
    a = range_for(zz, float(ss.get(K_RANGE, _saved().get(K_RANGE, DEFAULT_RANGE))))
    ss[K_RANGE] = a
    _saved()[K_RANGE] = a
    ss[K_SOURCE] = (source, zz)


def request_load(z: np.ndarray | tuple[float, ...], source: str) -> None:
    """Load z on a fresh full run (from code that runs after the sliders are drawn)."""
    st.session_state[K_PENDING] = (tuple(float(v) for v in z), source)
    st.rerun(scope="app")


def item_source(pkg: ModelPackage, index: int) -> str:
    """Where a garment came from, as Markdown (sources are shown in captions and notices)."""
    return f"item #{index} ({md(pkg.class_names[int(pkg.labels[index])])})"


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
            else:
                source = md(garment.label) if garment.label else "another page"
            load_z(z, source)
    pending = st.session_state.pop(K_PENDING, None)
    if pending is not None:
        load_z(*pending)


def current_z() -> np.ndarray:
    return np.asarray(st.session_state[K_Z], dtype=np.float64)


# ------------------------------------------------------------------------------ callbacks
def on_reset() -> None:
    load_z(np.zeros(len(st.session_state[K_Z])), "the centre of the space (z = 0)")


def on_sample() -> None:
    z = np.random.default_rng().standard_normal(len(st.session_state[K_Z]))
    load_z(z, "a random draw from the prior N(0, I)")


def on_start_item(pkg: ModelPackage) -> None:
    index = int(st.session_state[K_ITEM])
    _remember(K_ITEM)
    load_z(pkg.mu[index], item_source(pkg, index))


def on_range_change() -> None:
    """Narrowing the range clamps the sliders into it (and says so)."""
    ss = st.session_state
    a = float(ss[K_RANGE])
    _remember(K_RANGE)
    z = np.array([ss[slider_key(i)] for i in range(len(ss[K_Z]))], dtype=np.float64)
    if np.any(np.abs(z) > a):
        _notify(f"Values beyond {format_range(a)} were clamped to the new slider range.")
        clamped = round_z(np.clip(z, -a, a))[0]
        ss[K_Z] = clamped
        for i, v in enumerate(clamped):
            ss[slider_key(i)] = v


def on_map_select(pkg: ModelPackage) -> None:
    indices = selected_indices(st.session_state.get(K_MAP))
    if indices:
        load_z(pkg.mu[indices[0]], item_source(pkg, indices[0]))


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
        load_z(z, f"your upload {md(file.name)}")
        ss[K_UPLOAD_ID] = identity
        ss[K_UPLOAD_SHOW] = (prepared.image, recon, file.name, prepared.inverted)
    shown = ss.get(K_UPLOAD_SHOW)
    if shown is None:
        return
    image, recon, name, inverted = shown
    c1, c2, c3 = st.columns([1, 1, 3])
    c1.image(upscale(image, 6), caption="your garment, as the model sees it", output_format="PNG")
    c2.image(upscale(recon, 6), caption="the model's reconstruction", output_format="PNG")
    c3.markdown(
        f"**{md(name)}** is now in the sliders: its code is the encoder's mean, so moving a slider "
        f"edits your garment.{' (Inverted: light background detected.)' if inverted else ''}"
    )
    c3.caption("Blurry or generic? The model knows 28 x 28 Fashion-MNIST garments, centred on black.")


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


def _render_sliders(pkg: ModelPackage) -> tuple[float, ...]:
    """The range choice and one slider per latent dimension; returns the sliders' z (rounded)."""
    ss = st.session_state
    st.radio(
        "Slider range",
        SLIDER_RANGES,
        format_func=format_range,
        horizontal=True,
        key=K_RANGE,
        on_change=on_range_change,
        help="±3 covers 99.7 % of the prior N(0, 1), where the decoder draws real-looking "
        "garments; widen it to push past the training distribution.",
    )
    _remember(K_RANGE)
    a = float(ss[K_RANGE])
    with st.container(key="explore.sliders"):
        for spec in slider_specs(pkg.kl_per_dim):
            st.slider(spec.label, -a, a, step=SLIDER_STEP, key=spec.key, help=spec.help, format="%.2f")
    st.caption(
        "Sliders are ordered by how much each dimension matters: its average KL in nats "
        f"(information about the garment). Inactive dimensions (at most {ACTIVE_KL} nats) come last."
    )
    keys = [slider_key(i) for i in range(pkg.latent_dim)]
    _remember(*keys)
    return round_z([ss[k] for k in keys])[0]


def _sync_url(z: tuple[float, ...], k: int, method: str) -> None:
    """Keep the address bar's link equal to what is shown."""
    query = to_query(ExploreState(z, k, method))
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def _render_garment(pkg: ModelPackage, step: StepResult, k: int, method: str) -> None:
    """The decoded garment, where it came from, its typicality badge and the downloads."""
    ss = st.session_state
    with st.container(key="explore.garment"):
        # inline and native-size: shown with the page update, scaled pixel-sharp by the browser
        st.image(data_uri(step.garment), width=28 * GARMENT_SCALE)
    source, source_z = ss.get(K_SOURCE, ("the centre of the space (z = 0)", None))
    edited = ", then edited with the sliders" if source_z is not None and tuple(source_z) != ss[K_Z] else ""
    st.caption(f"Decoded garment. Started from {source}{edited}.")
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
        st.download_button(
            "z JSON",
            lambda: z_json(
                step.z, k=k, method=method, package=display_path(package_path()), data_fingerprint=pkg.data_fingerprint
            ),
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
    mini = mark_raster(raster, step.here, pkg.map_xy(method)[step.ranking.indices])
    with st.container(key="explore.minimap"):
        st.image(data_uri(mini, fmt="JPEG"), width="stretch")  # 0.4 ms to encode; PNG takes 12
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
        key=K_K,
        help="The top-k training garments, also ringed on the map.",
    )
    c2.toggle(
        "Compare with Euclidean distance to μ",
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
    """Sliders, garment, typicality, export, mini-map and neighbours: a slider step reruns only
    this. Reads the widgets, computes one :func:`~ui.explore.step.explore_step`, draws it."""
    ss = st.session_state
    full_run = ss.pop(K_FULL_RUN, False)
    left, mid, right = st.columns([3.8, 4.4, 3.2], gap="medium")
    with left:
        z = ss[K_Z] = _render_sliders(pkg)
    k, method = int(ss[K_K]), ss[K_METHOD]
    _sync_url(z, k, method)
    if full_run:
        ss[K_MAP_STATE] = (z, k, method)
    step = explore_step(pkg, np.asarray(z), k, method, euclidean=bool(ss[K_EUCLID]))
    with mid:
        _render_garment(pkg, step, k, method)
    with right:
        _render_minimap(pkg, step, k, method)
    _render_neighbour_controls(pkg, images is not None)
    with st.container(key="explore.neighbours"):
        clicked = _render_neighbours(pkg, images, step)
    if clicked is not None:
        request_load(pkg.mu[int(clicked)], item_source(pkg, int(clicked)))


def render_map(pkg: ModelPackage) -> None:
    """The big interactive map (outside the fragment: redrawn on full reruns only)."""
    ss = st.session_state
    st.subheader("Where it sits on the latent map")
    c1, c2 = st.columns([1.4, 6], vertical_alignment="center")
    c1.radio(
        "Map",
        METHODS,
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
