"""The parts of the Interpolate page: the walk strip, its map and chart, the player, the exports,
and latent arithmetic with its analogy grid. The maths is in :mod:`vae_core.interpolate`."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitAPIException

from ui.interpolate_picker import (
    MAP_KEY,
    MAP_TARGET_KEY,
    Choice,
    garment_picker,
    on_map_select,
    thumbnails,
)
from ui.loader import base_map, package_path
from ui.state import open_in_explore
from vae_core import InputError, ModelPackage
from vae_core.errors import display_path
from vae_core.images import png_bytes, upscale
from vae_core.interpolate import (
    MAX_STRENGTH,
    MIN_STRENGTH,
    FramedWalk,
    analogy_grid,
    arithmetic,
    class_centroids,
    frame_walk,
    strip_png,
    walk,
    walk_gif,
    walk_json,
)

METHOD_NAMES = {"linear": "Linear", "slerp": "Spherical (slerp)"}
MAP_NAMES = {"tsne": "t-SNE", "pca": "PCA"}
PATH_COLOURS = {"linear": "#111111", "slerp": "#d62728"}
PER_ROW = 11
OFF_DATA_PERCENTILE = 5.0


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
    memo = st.session_state.get("interp.walk_memo")
    if memo is not None and memo[0] == key:
        return memo[1]
    with st.spinner(f"Decoding {n} frames and finding each one's nearest training garment..."):
        views = [frame_walk(pkg, walk(a.z, b.z, n, m, midpoint), map_method) for m in methods]
    st.session_state["interp.walk_memo"] = (key, views)
    return views


def frame_caption(view: FramedWalk, i: int) -> str:
    t = float(view.walk.t[i])
    star = "★ " if view.walk.mid == i else ""
    return f"{star}{i} · t={t:.2f}"


def nearest_caption(pkg: ModelPackage, view: FramedWalk, i: int) -> str:
    """``#index class · log q`` of a frame's nearest training garment; ⚠ marks a frame off the data."""
    off = " ⚠" if view.typicality[i] < OFF_DATA_PERCENTILE else ""
    return (
        f"#{int(view.nearest[i])} {pkg.class_names[int(view.nearest_label[i])]} · "
        f"{float(view.nearest_score[i]):.1f}{off}"
    )


def player_caption(pkg: ModelPackage, view: FramedWalk, i: int) -> str:
    """The long form of :func:`nearest_caption`, for the large player frame."""
    off = " ⚠ The walk has left the data here." if view.typicality[i] < OFF_DATA_PERCENTILE else ""
    return (
        f"#{int(view.nearest[i])} {pkg.class_names[int(view.nearest_label[i])]}, "
        f"log q {float(view.nearest_score[i]):.1f}: closer than {view.typicality[i]:.0f}% of real "
        f"garments' codes are to theirs.{off}"
    )


def show_strip(pkg: ModelPackage, view: FramedWalk) -> None:
    """The decoded frames in rows of :data:`PER_ROW`, each over its nearest training garment."""
    m = len(view.walk)
    thumbs = thumbnails(pkg, view.nearest)
    per_row = min(PER_ROW, m)
    with st.container(border=True, key=f"interp_strip_{view.walk.method}"):
        st.markdown(
            f"**{METHOD_NAMES[view.walk.method]}**: {m} frames from A to B, each over its nearest training garment"
        )
        for start in range(0, m, per_row):
            frames = range(start, min(m, start + per_row))
            # frames and their nearest garments in separate rows, so a long caption never shifts a row
            for col, i in zip(st.columns(per_row, gap="small"), frames, strict=False):
                col.image(upscale(view.images[i], 4), caption=frame_caption(view, i), width="stretch")
            for col, i in zip(st.columns(per_row, gap="small"), frames, strict=False):
                col.image(upscale(thumbs[i], 2), caption=nearest_caption(pkg, view, i), width=56)


def closeness_chart(pkg: ModelPackage, views: list[FramedWalk]) -> go.Figure:
    """Best log q(z|x) of every frame against t, with the band real garments' codes live in."""
    fig = go.Figure()
    for v in views:
        fig.add_trace(
            go.Scatter(
                x=v.walk.t,
                y=v.nearest_score,
                mode="lines+markers",
                name=METHOD_NAMES[v.walk.method],
                line={"color": PATH_COLOURS[v.walk.method]},
                customdata=np.stack([np.arange(len(v.walk)), v.nearest, v.typicality], axis=1),
                hovertemplate="frame %{customdata[0]:.0f} (t = %{x:.2f})<br>nearest #%{customdata[1]:.0f}"
                "<br>log q %{y:.1f} (percentile %{customdata[2]:.0f})<extra></extra>",
            )
        )
    ref = np.asarray(pkg.typicality_ref)
    if len(ref):
        low = float(np.percentile(ref, OFF_DATA_PERCENTILE))
        fig.add_hline(
            y=low,
            line_dash="dash",
            line_color="#888",
            annotation_text=f"{OFF_DATA_PERCENTILE:.0f}% of real garments' codes score below this",
            annotation_position="bottom right",
        )
    fig.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "t (A = 0, B = 1)", "range": [-0.02, 1.02]},
        yaxis={"title": "best log q(z|x)"},
        legend={"orientation": "h", "y": 1.12},
    )
    return fig


def walk_map(pkg: ModelPackage, views: list[FramedWalk], a: Choice | None, b: Choice | None, map_method: str) -> None:
    """The walk drawn over the latent map; clicking a training item makes it A or B."""
    fig = go.Figure(base_map(package_path(), map_method))  # a copy: the cached base stays untouched
    if views:  # fade the catalogue so the walk stands out
        fig.update_traces(marker_opacity=0.25, selector={"type": "scattergl"})
    for v in views:
        xy = v.xy
        fig.add_trace(
            go.Scatter(
                x=xy[:, 0],
                y=xy[:, 1],
                mode="lines+markers+text",
                name=f"walk ({METHOD_NAMES[v.walk.method]})",
                text=[("★" if i == v.walk.mid else str(i)) for i in range(len(xy))],
                textposition="top center",
                line={"color": PATH_COLOURS[v.walk.method], "width": 3},
                marker={"size": 9, "color": PATH_COLOURS[v.walk.method], "line": {"width": 1, "color": "#fff"}},
                hovertemplate="frame %{text}<extra></extra>",
            )
        )
    ends = [(s, c) for s, c in (("A", a), ("B", b)) if c is not None]
    if ends:
        xy = np.stack([pkg.place(c.z, map_method) for _, c in ends])
        fig.add_trace(
            go.Scatter(
                x=xy[:, 0],
                y=xy[:, 1],
                mode="markers+text",
                name="A and B",
                text=[f"{s} {c.label}" for s, c in ends],
                textposition="bottom center",
                textfont={"size": 13, "color": "#111"},
                marker={
                    "symbol": "star",
                    "size": 20,
                    "color": "#ffd400",
                    "line": {"width": 2, "color": "#111"},
                },
                hovertemplate="%{text}<extra></extra>",
            )
        )
    fig.update_layout(height=520)
    st.session_state.setdefault(MAP_TARGET_KEY, "A")
    c1, c2 = st.columns([1, 3], vertical_alignment="center")
    c1.segmented_control("A click on the map sets", ["A", "B"], key=MAP_TARGET_KEY, required=True)
    c2.caption(
        f"{MAP_NAMES[map_method]} map of the training garments. Frames are placed "
        + ("exactly by PCA." if map_method == "pca" else "at their likelihood-weighted neighbours.")
        + " Click a legend entry to hide a class."
    )
    st.plotly_chart(fig, key=MAP_KEY, on_select=on_map_select, selection_mode="points", config={"scrollZoom": True})


def _open_in_explore(z: np.ndarray, label: str) -> None:
    try:
        open_in_explore(z, None, label)
    except StreamlitAPIException as exc:
        st.error(f"The Explore page could not be opened ({exc}).")


def _toggle_play() -> None:
    """Autoplay runs on its own counter; starting copies the slider into it, stopping copies it back."""
    if st.session_state.get("interp.play"):
        st.session_state["interp.play_pos"] = st.session_state.get("interp.frame", 0)
    else:
        st.session_state["interp.frame"] = st.session_state.get("interp.play_pos", 0)


def player(pkg: ModelPackage, views: list[FramedWalk]) -> None:
    """A frame slider and autoplay showing the current frame large (a fragment: only it reruns).

    While playing, the fragment reruns every 1/fps seconds, advances its own counter (looping) and
    shows a progress bar in place of the slider; stopping leaves the slider on the frame shown.
    """
    m = len(views[0].walk)
    for key in ("interp.frame", "interp.play_pos"):
        if st.session_state.get(key, 0) > m - 1:
            st.session_state[key] = m - 1
    st.session_state.setdefault("interp.fps", 4)
    c1, c2, _ = st.columns([2, 3, 3], vertical_alignment="bottom")
    playing = c1.toggle("Autoplay", key="interp.play", on_change=_toggle_play, help="Step through the walk, looping.")
    c2.select_slider("Speed", options=[1, 2, 4, 8, 12], key="interp.fps", format_func=lambda f: f"{f} frames/s")
    interval = 1.0 / float(st.session_state["interp.fps"]) if playing else None

    @st.fragment(run_every=interval)
    def _frame() -> None:
        if playing:
            i = (st.session_state.get("interp.play_pos", -1) + 1) % m
            st.session_state["interp.play_pos"] = i
            st.progress(i / (m - 1), text=f"Playing: frame {i} of {m - 1}")
        else:
            i = st.slider("Frame", 0, m - 1, key="interp.frame")
        size = 252 if len(views) == 1 else 196
        for col, v in zip(st.columns(len(views)) if len(views) > 1 else [st.container()], views, strict=True):
            with col, st.container(horizontal=True, gap="medium"):
                with st.container(width=size + 8):
                    st.image(
                        upscale(v.images[i], 9),
                        caption=f"{METHOD_NAMES[v.walk.method]}, frame {frame_caption(v, i)}",
                        width=size,
                    )
                with st.container(width=170):
                    st.caption("Nearest training garment")
                    st.image(upscale(thumbnails(pkg, [int(v.nearest[i])])[0], 4), width=84)
                    st.caption(player_caption(pkg, v, i))
                    if st.button(
                        "Open in Explore",
                        key=f"interp.explore.{v.walk.method}",
                        icon=":material/tune:",
                        help="Load this frame's z into the Explore page's sliders.",
                    ):
                        _open_in_explore(v.walk.z[i], f"{v.walk.method} walk, frame {i} (t = {v.walk.t[i]:.2f})")

    _frame()


def exports(views: list[FramedWalk], a: Choice, b: Choice, pkg: ModelPackage) -> None:
    """Download the strip (PNG), the walk (animated GIF) and the frames' z (JSON)."""
    stem = "walk-" + "-".join((f"{c.index}" if c.index is not None else "custom") for c in (a, b))
    meta = {
        "a": {"label": a.label, "index": a.index, "z": [float(x) for x in a.z]},
        "b": {"label": b.label, "index": b.index, "z": [float(x) for x in b.z]},
        "latent_dim": pkg.latent_dim,
        "package": display_path(pkg.path) if pkg.path else None,
    }
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Strip (PNG)",
        strip_png([v.images for v in views], scale=3),
        file_name=f"{stem}.png",
        mime="image/png",
        icon=":material/image:",
        on_click="ignore",
        key="interp.dl.png",
    )
    c2.download_button(
        f"Walk (animated GIF, {METHOD_NAMES[views[0].walk.method].lower()})",
        walk_gif(views[0].images),
        file_name=f"{stem}-{views[0].walk.method}.gif",
        mime="image/gif",
        icon=":material/animated_images:",
        on_click="ignore",
        key="interp.dl.gif",
    )
    c3.download_button(
        "Frames' z (JSON)",
        walk_json([v.walk for v in views], meta),
        file_name=f"{stem}.json",
        mime="application/json",
        icon=":material/data_object:",
        on_click="ignore",
        key="interp.dl.json",
    )


# ---------------------------------------------------------------------------------- arithmetic
def _centroids(pkg: ModelPackage) -> np.ndarray:
    memo = st.session_state.get("interp.centroids")
    if memo is None or memo[0] != package_path():
        memo = (package_path(), class_centroids(pkg.mu, pkg.labels, len(pkg.class_names)))
        st.session_state["interp.centroids"] = memo
    return memo[1]


def latent_arithmetic(pkg: ModelPackage, a: Choice | None, b: Choice | None) -> None:
    """result = A + strength x (to - from), with the direction from two items or two classes."""
    names = pkg.class_names
    st.markdown("**result = A + strength × (to − from)**: move A the way *from* becomes *to*.")
    st.session_state.setdefault("interp.dir_kind", "classes")
    kind = st.segmented_control(
        "Direction",
        ["classes", "items"],
        format_func={"classes": "From one class to another", "items": "From item B to item C"}.get,
        key="interp.dir_kind",
        required=True,
    )
    ends: tuple[np.ndarray, np.ndarray] | None = None
    src_img = dst_img = None
    src_label = dst_label = ""
    if kind == "classes":
        cents = _centroids(pkg)
        st.session_state.setdefault("interp.cls_from", 0)
        st.session_state.setdefault("interp.cls_to", min(6, len(names) - 1))
        c1, c2 = st.columns(2)
        f = c1.selectbox("From class", range(len(names)), format_func=lambda c: names[c], key="interp.cls_from")
        t = c2.selectbox("To class", range(len(names)), format_func=lambda c: names[c], key="interp.cls_to")
        if not (np.all(np.isfinite(cents[f])) and np.all(np.isfinite(cents[t]))):
            st.warning("One of these classes has no training items, so it has no centroid.")
        elif f == t:
            st.info("Choose two different classes: from a class to itself the direction is zero.")
        else:
            ends = (cents[f], cents[t])
            src_img, dst_img = pkg.decode(cents[f]), pkg.decode(cents[t])
            src_label, dst_label = f"mean of {names[f]}", f"mean of {names[t]}"
    else:
        c = garment_picker(pkg, "C", default_index=min(2, len(pkg) - 1), title="C (to)")
        if b is None:
            st.info("Pick B above: the direction runs from B to C.")
        elif c is not None:
            if np.array_equal(b.z, c.z):
                st.info("B and C are the same garment, so the direction is zero. Pick a different C.")
            else:
                ends = (b.z, c.z)
                src_img, dst_img = pkg.decode(b.z), pkg.decode(c.z)
                src_label, dst_label = f"B {b.label}", f"C {c.label}"
    st.session_state.setdefault("interp.strength", 1.0)
    s = st.slider("Strength", MIN_STRENGTH, MAX_STRENGTH, step=0.1, key="interp.strength")
    if a is None:
        st.info("Pick A above to apply the direction to it.")
        return
    if ends is None:
        return
    try:
        result = arithmetic(a.z, ends[0], ends[1], s)
    except InputError as exc:
        st.error(str(exc))
        return
    cols = st.columns(4)
    cols[0].image(upscale(pkg.decode(a.z), 6), caption=f"A {a.label}", width=168)
    cols[1].image(upscale(src_img, 6), caption=f"from: {src_label}", width=168)
    cols[2].image(upscale(dst_img, 6), caption=f"to: {dst_label}", width=168)
    cols[3].image(upscale(pkg.decode(result), 6), caption=f"result (strength {s:+.1f})", width=168)
    ranking = pkg.rank(result, 6)
    st.markdown("Nearest training garments of the result (by log q(z|x))")
    thumbs = thumbnails(pkg, ranking.indices)
    for col, idx, lab, sc, img in zip(
        st.columns(6), ranking.indices, ranking.labels, ranking.scores, thumbs, strict=False
    ):
        col.image(upscale(img, 3), caption=f"#{int(idx)} {names[int(lab)]} · log q {float(sc):.1f}", width=84)
    st.download_button(
        "Result (PNG)",
        png_bytes(pkg.decode(result), scale=8),
        file_name="arithmetic-result.png",
        mime="image/png",
        on_click="ignore",
        key="interp.dl.result",
    )
    analogy(pkg, a, ends[1] - ends[0])


def analogy(pkg: ModelPackage, a: Choice, direction: np.ndarray) -> None:
    """Rows of items, columns of strengths: the same direction applied to several garments."""
    st.markdown("**Analogy grid**: the same direction applied to several garments")
    names = pkg.class_names
    default_cls = a.label_id if a.label_id is not None else int(pkg.rank(a.z, 1).labels[0])
    st.session_state.setdefault("interp.grid_cls", default_cls)
    st.session_state.setdefault("interp.grid_rows", 4)
    st.session_state.setdefault("interp.grid_cols", 5)
    c1, c2, c3, c4 = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    cls = c1.selectbox("More rows from class", range(len(names)), format_func=lambda c: names[c], key="interp.grid_cls")
    n_rows = c2.slider("Rows", 1, 8, key="interp.grid_rows")
    n_cols = c3.slider("Strength columns", 3, 9, step=2, key="interp.grid_cols")
    reshuffle = c4.button("Shuffle", icon=":material/casino:", key="interp.grid_shuffle")
    members = np.flatnonzero(np.asarray(pkg.labels) == cls)
    members = members[members != (a.index if a.index is not None else -1)]
    drawn = st.session_state.get("interp.grid_items")
    if reshuffle or drawn is None or drawn[0] != cls or len(drawn[1]) < min(7, len(members)):
        rng = st.session_state.setdefault("interp.rng", np.random.default_rng())
        pick = rng.choice(members, size=min(7, len(members)), replace=False) if len(members) else []
        drawn = (cls, [int(i) for i in pick])
        st.session_state["interp.grid_items"] = drawn
    rows_idx = drawn[1][: n_rows - 1]
    row_z = np.vstack([a.z[None, :]] + [pkg.mu[i][None, :].astype(np.float64) for i in rows_idx])
    row_names = [f"A {a.label}"] + [f"#{i} {names[int(pkg.labels[i])]}" for i in rows_idx]
    strengths = np.linspace(MIN_STRENGTH, MAX_STRENGTH, n_cols)
    codes = analogy_grid(row_z, direction, strengths)
    decoded = pkg.decode(codes.reshape(-1, codes.shape[-1]).astype(np.float32)).reshape(
        len(row_z), len(strengths), 28, 28
    )
    header = st.columns([2] + [1] * n_cols)
    header[0].caption("garment \\ strength")
    for col, s in zip(header[1:], strengths, strict=True):
        col.markdown(f"**{s:+.1f}**")
    for r, name in enumerate(row_names):
        cols = st.columns([2] + [1] * n_cols, vertical_alignment="center")
        cols[0].caption(name)
        for j in range(n_cols):
            cols[j + 1].image(upscale(decoded[r, j], 3), width="stretch")
    if len(members) < n_rows - 1:
        st.caption(f"Only {len(members)} other items of class {names[cls]} are available.")
    st.download_button(
        "Analogy grid (PNG)",
        strip_png(list(decoded), scale=3),
        file_name="analogy-grid.png",
        mime="image/png",
        on_click="ignore",
        key="interp.dl.grid",
    )
