"""The parts of the Interpolate page: the walk strip, its map and chart, the player, the exports,
and latent arithmetic with its analogy grid. The maths is in :mod:`vae_core.latent.interpolation`
and the framing in :mod:`ui.interpolate.walks`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
from streamlit.errors import StreamlitAPIException

from ui.common.figures import MAP_NAMES, WALK_NAMES, walk_overlay
from ui.common.loader import base_map, decoder_for_browser, package_path
from ui.common.pad.component import PadSlider, affine_map, latent_pad, paths_map, set_pad, take_report
from ui.common.state import open_in_explore
from ui.common.text import md, shorten
from ui.interpolate.picker import (
    Choice,
    garment_picker,
    on_map_select,
    thumbnails,
)
from ui.interpolate.state import (
    K_CENTROIDS,
    K_CLS_FROM,
    K_CLS_TO,
    K_DIR_KIND,
    K_DL_FILM,
    K_DL_GRID,
    K_DL_JSON,
    K_DL_PNG,
    K_DL_RESULT,
    K_FILM,
    K_FILM_FMT,
    K_FILM_LABELS,
    K_FILM_MAKE,
    K_FILM_METHOD,
    K_FILM_PINGPONG,
    K_FILM_SECONDS,
    K_FILM_SIZE,
    K_FPS,
    K_FRAME,
    K_GRID_CLS,
    K_GRID_COLS,
    K_GRID_ITEMS,
    K_GRID_ROWS,
    K_GRID_SHUFFLE,
    K_MAP,
    K_MAP_TARGET,
    K_PLAY,
    K_PLAY_POS,
    K_RESULT_EXPLORE,
    K_RNG,
    K_STRENGTH,
    K_WALK_MEMO,
)
from ui.interpolate.walks import (
    OFF_DATA_PERCENTILE,
    FramedWalk,
    frame_caption,
    frame_walk,
    nearest_caption,
    player_caption,
)
from vae_core import InputError, ModelPackage
from vae_core.errors import display_path
from vae_core.images import png_bytes, upscale
from vae_core.latent.interpolation import (
    MAX_STRENGTH,
    MIN_STRENGTH,
    analogy_grid,
    arithmetic,
    class_centroids,
    walk,
    walk_json,
)
from vae_core.media import MIME, SIZES, FilmLabels, gif_bytes, labelled_sheet, png, video_bytes, walk_film

CELL = 72  # px: one frame of a strip (eleven fit a row at 1366 px; four on a phone)


# --------------------------------------------------------------------------------------- the walk
def compute_walks(
    pkg: ModelPackage, a: Choice, b: Choice, n: int, methods: list[str], midpoint: bool, map_method: str
) -> list[FramedWalk]:
    """The framed walks, memoised per session on their inputs (autoplay reruns reuse them)."""
    key = (
        package_path(),
        a.z.tobytes(),
        b.z.tobytes(),
        n,
        tuple(methods),
        midpoint,
        map_method,
    )
    memo = st.session_state.get(K_WALK_MEMO)
    if memo is not None and memo[0] == key:
        return memo[1]
    with st.spinner(f"Decoding {n} frames and finding each one's nearest training garment..."):
        views = [frame_walk(pkg, walk(a.z, b.z, n, m, midpoint), map_method) for m in methods]
    st.session_state[K_WALK_MEMO] = (key, views)
    return views


def show_strip(pkg: ModelPackage, view: FramedWalk) -> None:
    """The decoded frames, each over its nearest training garment: one cell per frame, in a row
    that wraps (eleven to a row on a laptop, four on a phone)."""
    m = len(view.walk)
    thumbs = thumbnails(pkg, view.nearest)
    with st.container(border=True, key=f"interp_strip_{view.walk.method}"):
        st.markdown(
            f"**{WALK_NAMES[view.walk.method]}**: {m} frames from A to B, each over its nearest training garment"
        )
        with st.container(horizontal=True, gap="small", key=f"interp_cells_{view.walk.method}"):
            for i in range(m):
                with st.container(width=CELL, gap=None):
                    st.image(upscale(view.images[i], 4), caption=frame_caption(view, i), width=CELL)
                    st.image(upscale(thumbs[i], 2), caption=nearest_caption(pkg, view, i), width=CELL - 16)


def walk_map(pkg: ModelPackage, views: list[FramedWalk], a: Choice | None, b: Choice | None, map_method: str) -> None:
    """The walk drawn over the latent map; clicking a training item makes it A or B."""
    paths = [(v.walk.method, v.xy, v.walk.mid) for v in views]
    ends = [(f"{s} {c.label}", pkg.place(c.z, map_method)) for s, c in (("A", a), ("B", b)) if c is not None]
    fig = walk_overlay(base_map(package_path(), map_method), paths, ends)
    st.session_state.setdefault(K_MAP_TARGET, "A")
    c1, c2 = st.columns([1, 3], vertical_alignment="center")
    c1.segmented_control("A click on the map sets", ["A", "B"], key=K_MAP_TARGET, required=True)
    c2.caption(
        f"{MAP_NAMES[map_method]} map of the training garments. Frames are placed "
        + ("exactly by PCA." if map_method == "pca" else "at their likelihood-weighted neighbours.")
        + " Click a legend entry to hide a class."
    )
    st.plotly_chart(fig, key=K_MAP, on_select=on_map_select, selection_mode="points", config={"scrollZoom": True})


def _open_in_explore(z: np.ndarray, label: str) -> None:
    try:
        open_in_explore(z, None, label)
    except StreamlitAPIException as exc:
        st.error(f"The Explore page could not be opened ({md(exc, 300)}).")


K_FRAME_PAD = "interp.frame_pad"


def _toggle_play() -> None:
    """Server autoplay runs on its own counter; starting copies the slider into it, stopping copies it back."""
    if st.session_state.get(K_PLAY):
        st.session_state[K_PLAY_POS] = st.session_state.get(K_FRAME, 0)
    else:
        st.session_state[K_FRAME] = st.session_state.get(K_PLAY_POS, 0)


def _frame_labels(pkg: ModelPackage, view: FramedWalk) -> list[str]:
    """Each frame's nearest training garment as plain text, for the player's live captions."""
    return [
        f"nearest #{int(view.nearest[i])} {shorten(pkg.class_names[int(view.nearest_label[i])], 40)}"
        + (" ⚠" if view.typicality[i] < OFF_DATA_PERCENTILE else "")
        for i in range(len(view.walk))
    ]


def _frame_pad(pkg: ModelPackage, views: list[FramedWalk], decoder) -> int:
    """The player: the walks' garments large, decoded in the browser, over the frame slider and a
    bar to play the walk (every animation frame drawn, at a chosen speed, looping or ping-pong)
    or show it full screen. Between two frames the browser draws the straight line between their
    codes; on release (or when play stops) it comes to rest on the nearest frame and reports it,
    which reruns the player's fragment, so the nearest garments below follow. Returns the frame
    to show."""
    ss = st.session_state
    m = len(views[0].walk)
    report = take_report(K_FRAME_PAD)
    if report is not None:
        ss[K_FRAME] = int(min(max(round(report.values[0]), 0), m - 1))
    frame = int(min(max(int(ss.get(K_FRAME, 0)), 0), m - 1))
    ident = tuple(np.concatenate([v.walk.z.ravel() for v in views]).round(6).tolist())
    if ss.get(f"{K_FRAME_PAD}._for") != ident:  # new walks: the pad starts from the frame
        ss[f"{K_FRAME_PAD}._for"] = ident
        set_pad(K_FRAME_PAD, [float(frame)])
    latent_pad(
        decoder,
        [
            PadSlider(
                name="frame", label="Frame", help="Drag through the walk; it rests on a frame.", lo=0, hi=m - 1, step=1
            )
        ],
        key=K_FRAME_PAD,
        values=[float(frame)],
        latent_dim=pkg.latent_dim,
        mapping=paths_map(*(v.walk.z for v in views)),
        film=False,
        garment_labels=[WALK_NAMES[v.walk.method] for v in views],
        snap=True,
        player=True,
        frame_labels=[_frame_labels(pkg, v) for v in views],
        frame_t=views[0].walk.t,
    )
    return frame


def _frame_details(pkg: ModelPackage, v: FramedWalk, i: int) -> None:
    """Under the player: frame i of one walk, its nearest training garment and "Open in Explore"."""
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.image(upscale(thumbnails(pkg, [int(v.nearest[i])])[0], 3), width=64)
        with st.container(gap=None):
            st.caption(f"**{WALK_NAMES[v.walk.method]}, frame {frame_caption(v, i)}**. {player_caption(pkg, v, i)}")
    if st.button(
        "Open in Explore",
        key=f"interp.explore.{v.walk.method}",
        icon=":material/tune:",
        help="Load this frame's z into the Explore page's sliders.",
    ):
        _open_in_explore(v.walk.z[i], f"{v.walk.method} walk, frame {i} (t = {v.walk.t[i]:.2f})")


def player(pkg: ModelPackage, views: list[FramedWalk]) -> None:
    """The walk's player (a fragment: only it reruns). Where the browser runs the decoder it is
    a latent pad that plays the walk itself (:func:`_frame_pad`); otherwise a slider and a server
    autoplay that steps through the frames at a few frames per second."""
    m = len(views[0].walk)
    for key in (K_FRAME, K_PLAY_POS):
        if st.session_state.get(key, 0) > m - 1:
            st.session_state[key] = m - 1
    decoder = decoder_for_browser(package_path())
    if hasattr(decoder, "hash"):  # the browser runs this decoder

        @st.fragment
        def _live() -> None:
            i = _frame_pad(pkg, views, decoder)
            for col, v in zip(st.columns(len(views)), views, strict=True):
                with col:
                    _frame_details(pkg, v, i)

        _live()
    else:
        _server_player(pkg, views)


def _server_player(pkg: ModelPackage, views: list[FramedWalk]) -> None:
    """A frame slider and a server autoplay (the fragment reruns every 1/fps seconds, advances its
    own counter, looping, and shows a progress bar in place of the slider)."""
    m = len(views[0].walk)
    st.session_state.setdefault(K_FPS, 4)
    c1, c2, _ = st.columns([2, 3, 3], vertical_alignment="bottom")
    playing = c1.toggle("Autoplay", key=K_PLAY, on_change=_toggle_play, help="Step through the walk, looping.")
    c2.select_slider("Speed", options=[1, 2, 4, 8, 12], key=K_FPS, format_func=lambda f: f"{f} frames/s")
    interval = 1.0 / float(st.session_state[K_FPS]) if playing else None

    @st.fragment(run_every=interval)
    def _frame() -> None:
        if playing:
            i = (st.session_state.get(K_PLAY_POS, -1) + 1) % m
            st.session_state[K_PLAY_POS] = i
            st.progress(i / (m - 1), text=f"Playing: frame {i} of {m - 1}")
        else:
            i = st.slider("Frame", 0, m - 1, key=K_FRAME)
        size = 252 if len(views) == 1 else 196
        for col, v in zip(st.columns(len(views)), views, strict=True):
            with col:
                st.image(
                    upscale(v.images[i], 9),
                    caption=f"{WALK_NAMES[v.walk.method]}, frame {frame_caption(v, i)}",
                    width=size,
                )
                _frame_details(pkg, v, i)

    _frame()


FILM_FORMATS = {"gif": "GIF", "mp4": "MP4 video", "webm": "WebM video"}
FILM_FPS = {"gif": 15, "mp4": 30, "webm": 30}  # GIFs are heavy: half the frames
FILM_LABELS = {"ends": "A and B", "t": "t", "nearest": "Nearest garment"}


def _stem(a: Choice, b: Choice) -> str:
    return "walk-" + "-".join((f"{c.index}" if c.index is not None else "custom") for c in (a, b))


def strip_sheet(pkg: ModelPackage, views: list[FramedWalk], a: Choice, b: Choice) -> bytes:
    """The strips as one labelled PNG: a row per walk, t over each frame, its nearest training
    garment under it, the walk's ends in the title."""
    t = views[0].walk.t
    return png(
        labelled_sheet(
            [v.images for v in views],
            row_labels=[WALK_NAMES[v.walk.method] for v in views],
            col_labels=[("★ " if i == views[0].walk.mid else "") + f"t={t[i]:.2f}" for i in range(len(t))],
            cell_labels=[
                [f"#{int(v.nearest[i])} {pkg.class_names[int(v.nearest_label[i])]}" for i in range(len(t))]
                for v in views
            ],
            title=f"From A {a.label} to B {b.label}",
            scale=3,
        )
    )


def exports(views: list[FramedWalk], a: Choice, b: Choice, pkg: ModelPackage) -> None:
    """Download the strip (labelled PNG) and the frames' z (JSON), and make a film of the walk."""
    stem = _stem(a, b)
    meta = {
        "a": {"label": a.label, "index": a.index, "z": [float(x) for x in a.z]},
        "b": {"label": b.label, "index": b.index, "z": [float(x) for x in b.z]},
        "latent_dim": pkg.latent_dim,
        "package": display_path(pkg.path) if pkg.path else None,
    }
    with st.container(horizontal=True):
        st.download_button(
            "Strip (labelled PNG)",
            lambda: strip_sheet(pkg, views, a, b),  # made on click
            file_name=f"{stem}.png",
            mime="image/png",
            icon=":material/image:",
            on_click="ignore",
            key=K_DL_PNG,
        )
        st.download_button(
            "Frames' z (JSON)",
            walk_json([v.walk for v in views], meta),
            file_name=f"{stem}.json",
            mime="application/json",
            icon=":material/data_object:",
            on_click="ignore",
            key=K_DL_JSON,
        )
    with st.expander("Film of the walk (GIF or video, 512 or 1024 px)", icon=":material/movie:"):
        film_maker(pkg, a, b, [v.walk.method for v in views])


def film_maker(pkg: ModelPackage, a: Choice, b: Choice, methods: list[str]) -> None:
    """Choose a film's format, size, path, length and labels; make it with a progress bar; offer
    it for download and show it. The last film is kept until a setting changes."""
    ss = st.session_state
    ss.setdefault(K_FILM_FMT, "mp4")
    ss.setdefault(K_FILM_SIZE, 512)
    if ss.get(K_FILM_METHOD) not in ("linear", "slerp"):
        ss[K_FILM_METHOD] = methods[-1]
    ss.setdefault(K_FILM_SECONDS, 3)
    ss.setdefault(K_FILM_LABELS, list(FILM_LABELS))
    ss.setdefault(K_FILM_PINGPONG, True)
    c1, c2, c3 = st.columns(3)
    fmt = c1.segmented_control(
        "Format", list(FILM_FORMATS), format_func=FILM_FORMATS.get, key=K_FILM_FMT, required=True
    )
    size = c2.segmented_control("Size (px)", list(SIZES), key=K_FILM_SIZE, required=True)
    method = c3.segmented_control(
        "Path", ["linear", "slerp"], format_func={"linear": "Linear", "slerp": "Spherical"}.get, key=K_FILM_METHOD,
        required=True,
    )  # fmt: skip
    c4, c5, c6 = st.columns([2, 2, 1], vertical_alignment="bottom")
    seconds = c4.slider("Seconds from A to B", 1, 8, key=K_FILM_SECONDS)
    shown = c5.pills(
        "Labels", list(FILM_LABELS), format_func=FILM_LABELS.get, selection_mode="multi", key=K_FILM_LABELS
    )
    pingpong = c6.toggle("There and back", key=K_FILM_PINGPONG, help="A → B → A, so the loop has no jump.")
    labels = FilmLabels(ends="ends" in shown, t="t" in shown, nearest="nearest" in shown) if shown else None
    settings = (package_path(), a.z.tobytes(), b.z.tobytes(), fmt, size, method, seconds, tuple(shown), pingpong)
    if st.button("Make the film", key=K_FILM_MAKE, icon=":material/movie:", type="primary"):
        ss[K_FILM] = None
        bar = st.progress(0.0, text="Drawing the frames…")
        stages = {"decode": (0.0, 0.05, "Decoding"), "render": (0.05, 0.5, "Drawing"), "encode": (0.5, 1.0, "Encoding")}

        def progress(stage: str, done: int, total: int, info: dict[str, float]) -> None:
            lo, hi, verb = stages[stage]
            bar.progress(lo + (hi - lo) * done / max(total, 1), text=f"{verb} frame {done} of {total}…")

        fps = FILM_FPS[fmt]
        try:
            frames, fps = walk_film(
                pkg, a.z, b.z, method=method, size=int(size), seconds=float(seconds), fps=fps, pingpong=pingpong,
                labels=labels, names=(f"A {a.label}", f"B {b.label}"), progress=progress,
            )  # fmt: skip
            data = gif_bytes(frames, fps, progress) if fmt == "gif" else video_bytes(frames, fps, fmt, progress)
        except InputError as exc:
            bar.empty()
            st.error(str(exc))
            return
        bar.empty()
        name = f"{_stem(a, b)}-{method}-{size}px.{fmt}"
        ss[K_FILM] = (settings, data, name, MIME[fmt], len(frames), fps)
    film = ss.get(K_FILM)
    if not film or film[0] != settings:
        st.caption(
            f"{seconds} s from A to B{' and back' if pingpong else ''} at {FILM_FPS[fmt]} frames per second, each "
            "decoded once and enlarged with Lanczos (a smooth filter), so 28 px garments stay round at 1024 px."
        )
        return
    _, data, name, mime, n_frames, fps = film
    st.download_button(
        f"Download {name} ({len(data) / 2**20:.1f} MiB, {n_frames} frames)",
        data,
        file_name=name,
        mime=mime,
        icon=":material/download:",
        on_click="ignore",
        key=K_DL_FILM,
    )
    if mime == "image/gif":
        st.image(data, width=min(int(film[0][4]), 512), caption=name)
    else:
        st.video(data, format=mime, loop=True, autoplay=True, muted=True, width=min(int(film[0][4]), 512))


# ---------------------------------------------------------------------------------- arithmetic
def _centroids(pkg: ModelPackage) -> np.ndarray:
    memo = st.session_state.get(K_CENTROIDS)
    if memo is None or memo[0] != package_path():
        memo = (package_path(), class_centroids(pkg.mu, pkg.labels, len(pkg.class_names)))
        st.session_state[K_CENTROIDS] = memo
    return memo[1]


@dataclass(frozen=True)
class Direction:
    """The arithmetic's direction from ``src`` to ``dst`` (two codes), with a picture and a label
    for each end."""

    src: np.ndarray
    dst: np.ndarray
    src_image: np.ndarray
    dst_image: np.ndarray
    src_label: str
    dst_label: str


def _class_direction(pkg: ModelPackage) -> Direction | None:
    names = pkg.class_names
    cents = _centroids(pkg)
    st.session_state.setdefault(K_CLS_FROM, 0)
    st.session_state.setdefault(K_CLS_TO, min(6, len(names) - 1))
    c1, c2 = st.columns(2)
    f = c1.selectbox("From class", range(len(names)), format_func=lambda c: names[c], key=K_CLS_FROM)
    t = c2.selectbox("To class", range(len(names)), format_func=lambda c: names[c], key=K_CLS_TO)
    if not (np.all(np.isfinite(cents[f])) and np.all(np.isfinite(cents[t]))):
        st.warning("One of these classes has no training items, so it has no centroid.")
        return None
    if f == t:
        st.info("Choose two different classes: from a class to itself the direction is zero.")
        return None
    return Direction(
        cents[f], cents[t], pkg.decode(cents[f]), pkg.decode(cents[t]), f"mean of {names[f]}", f"mean of {names[t]}"
    )


def _item_direction(pkg: ModelPackage, b: Choice | None) -> Direction | None:
    c = garment_picker(pkg, "C", default_index=min(2, len(pkg) - 1), title="C (to)")
    if b is None:
        st.info("Pick B above: the direction runs from B to C.")
        return None
    if c is None:
        return None
    if np.array_equal(b.z, c.z):
        st.info("B and C are the same garment, so the direction is zero. Pick a different C.")
        return None
    return Direction(b.z, c.z, pkg.decode(b.z), pkg.decode(c.z), f"B {b.label}", f"C {c.label}")


def _show_result(pkg: ModelPackage, a: Choice, d: Direction, s: float, result: np.ndarray) -> None:
    """A, the two ends, the result, its nearest training garments and its download."""
    shown = f"{s:+.1f}" if s == round(s, 1) else f"{s:+.2f}"
    with st.container(horizontal=True, gap="medium"):  # wraps on a narrow screen
        st.image(upscale(pkg.decode(a.z), 6), caption=f"A {md(a.label)}", width=168)
        st.image(upscale(d.src_image, 6), caption=f"from: {md(d.src_label)}", width=168)
        st.image(upscale(d.dst_image, 6), caption=f"to: {md(d.dst_label)}", width=168)
        st.image(upscale(pkg.decode(result), 6), caption=f"result (strength {shown})", width=168)
    ranking = pkg.rank(result, 6)
    st.markdown("Nearest training garments of the result (by log q(z|x))")
    thumbs = thumbnails(pkg, ranking.indices)
    with st.container(horizontal=True, gap="small"):
        for idx, lab, sc, img in zip(ranking.indices, ranking.labels, ranking.scores, thumbs, strict=True):
            caption = f"#{int(idx)} {md(pkg.class_names[int(lab)])} · log q {float(sc):.1f}"
            st.image(upscale(img, 3), caption=caption, width=84)
    with st.container(horizontal=True):
        st.download_button(
            "Result (PNG)",
            png_bytes(pkg.decode(result), scale=8),
            file_name="arithmetic-result.png",
            mime="image/png",
            on_click="ignore",
            key=K_DL_RESULT,
        )
        if st.button(
            "Open in Explore",
            key=K_RESULT_EXPLORE,
            icon=":material/tune:",
            help="Load the result's z into the Explore page's sliders, to edit it further.",
        ):
            _open_in_explore(result, f"A + {shown} × ({d.dst_label} − {d.src_label})")


K_STRENGTH_PAD = "interp.strength_pad"


@st.fragment
def _strength_pad(pkg: ModelPackage, a: Choice, d: Direction) -> None:
    """The strength slider as a latent pad: the browser decodes A + strength x (to - from) while
    it is dragged (reports during the drag rerun only this fragment); on release the page reruns,
    so the exact result below, its neighbours and the analogy grid follow."""
    ss = st.session_state
    report = take_report(K_STRENGTH_PAD)
    if report is not None:
        ss[K_STRENGTH] = round(min(max(report.values[0], MIN_STRENGTH), MAX_STRENGTH), 2)
    ident = (tuple(a.z), tuple(d.src), tuple(d.dst))
    if ss.get(f"{K_STRENGTH_PAD}._for") != ident:  # a new A or direction: the pad starts from the strength
        ss[f"{K_STRENGTH_PAD}._for"] = ident
        set_pad(K_STRENGTH_PAD)
    slider = PadSlider(
        name="strength",
        label="Strength",
        help="How far to move A along the direction (0: A itself; negative: the other way).",
        lo=MIN_STRENGTH,
        hi=MAX_STRENGTH,
        step=0.1,
    )
    decoder = decoder_for_browser(package_path())
    decoder_ok = hasattr(decoder, "hash")
    latent_pad(
        decoder,
        [slider],
        key=K_STRENGTH_PAD,
        values=[float(ss[K_STRENGTH])],
        latent_dim=pkg.latent_dim,
        mapping=affine_map(a.z, (d.dst - d.src)[None, :]),
        server_image=pkg.decode(a.z + float(ss[K_STRENGTH]) * (d.dst - d.src)) if not decoder_ok else None,
        film=False,
    )
    if report is not None and report.final:
        st.rerun(scope="app")


def latent_arithmetic(pkg: ModelPackage, a: Choice | None, b: Choice | None) -> None:
    """result = A + strength x (to - from), with the direction from two items or two classes."""
    st.markdown("**result = A + strength × (to − from)**: move A the way *from* becomes *to*.")
    st.session_state.setdefault(K_DIR_KIND, "classes")
    kind = st.segmented_control(
        "Direction",
        ["classes", "items"],
        format_func={"classes": "From one class to another", "items": "From item B to item C"}.get,
        key=K_DIR_KIND,
        required=True,
    )
    direction = _class_direction(pkg) if kind == "classes" else _item_direction(pkg, b)
    st.session_state.setdefault(K_STRENGTH, 1.0)
    if a is None:
        st.info("Pick A above to apply the direction to it.")
        return
    if direction is None:
        return
    _strength_pad(pkg, a, direction)
    s = float(st.session_state[K_STRENGTH])
    try:
        result = arithmetic(a.z, direction.src, direction.dst, s)
    except InputError as exc:
        st.error(str(exc))
        return
    _show_result(pkg, a, direction, s, result)
    analogy(pkg, a, direction.dst - direction.src, f"{direction.src_label} to {direction.dst_label}")


def analogy(pkg: ModelPackage, a: Choice, direction: np.ndarray, label: str) -> None:
    """Rows of items, columns of strengths: the same direction applied to several garments."""
    st.markdown("**Analogy grid**: the same direction applied to several garments")
    names = pkg.class_names
    default_cls = a.label_id if a.label_id is not None else int(pkg.rank(a.z, 1).labels[0])
    st.session_state.setdefault(K_GRID_CLS, default_cls)
    st.session_state.setdefault(K_GRID_ROWS, 4)
    st.session_state.setdefault(K_GRID_COLS, 5)
    c1, c2, c3, c4 = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    cls = c1.selectbox("More rows from class", range(len(names)), format_func=lambda c: names[c], key=K_GRID_CLS)
    n_rows = c2.slider("Rows", 1, 8, key=K_GRID_ROWS)
    n_cols = c3.slider("Strength columns", 3, 9, step=2, key=K_GRID_COLS)
    reshuffle = c4.button("Shuffle", icon=":material/casino:", key=K_GRID_SHUFFLE)
    members = np.flatnonzero(np.asarray(pkg.labels) == cls)
    members = members[members != (a.index if a.index is not None else -1)]
    drawn = st.session_state.get(K_GRID_ITEMS)
    if reshuffle or drawn is None or drawn[0] != cls or len(drawn[1]) < min(7, len(members)):
        rng = st.session_state.setdefault(K_RNG, np.random.default_rng())
        pick = rng.choice(members, size=min(7, len(members)), replace=False) if len(members) else []
        drawn = (cls, [int(i) for i in pick])
        st.session_state[K_GRID_ITEMS] = drawn
    rows_idx = drawn[1][: n_rows - 1]
    row_z = np.vstack([a.z[None, :]] + [pkg.mu[i][None, :].astype(np.float64) for i in rows_idx])
    row_names = [f"A {a.label}"] + [f"#{i} {names[int(pkg.labels[i])]}" for i in rows_idx]
    strengths = np.linspace(MIN_STRENGTH, MAX_STRENGTH, n_cols)
    codes = analogy_grid(row_z, direction, strengths)
    decoded = pkg.decode(codes.reshape(-1, codes.shape[-1]).astype(np.float32)).reshape(
        len(row_z), len(strengths), *pkg.image_shape
    )
    sheet = labelled_sheet(
        list(decoded),
        row_labels=[shorten(name, 28) for name in row_names],
        col_labels=[f"{s:+.1f}" for s in strengths],
        title=f"A + strength × direction, the same direction for every row ({shorten(label, 60)})",
        scale=3,
    )
    st.image(sheet, width="stretch", caption="Rows: garments; columns: strength (0 is the garment itself).")
    if len(members) < n_rows - 1:
        st.caption(f"Only {len(members)} other items of class {md(names[cls])} are available.")
    st.download_button(
        "Analogy grid (labelled PNG)",
        png(sheet),
        file_name="analogy-grid.png",
        mime="image/png",
        on_click="ignore",
        key=K_DL_GRID,
    )
