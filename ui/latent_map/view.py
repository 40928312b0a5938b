"""The Latent map page's panels: map controls, the find box, the selected-items gallery with its
class histogram and what a selection can become (its average in Explore, a CSV, a ZIP of its
pictures, one side of a direction), and the detail panel of one garment.

What the user is looking at lives in two session-state keys, written only by callbacks so the
latest action wins: ``map.items`` (a list of training indices and a title: a box/lasso selection
or a whole class) and ``map.focus`` (one training index shown in the detail panel, or None).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from ui.board import lineage
from ui.common import state as state
from ui.common.figures import histogram_figure, posterior_figure
from ui.common.gallery import Tile, gallery
from ui.common.loader import get_package, get_train_images, item_images
from ui.common.map_layer import map_layer, take_point
from ui.common.scroll import request_scroll
from ui.common.text import md
from ui.latent_map import direction
from ui.latent_map.browse import (
    AREA,
    POINT,
    class_histogram,
    class_members,
    interpret_selection,
    page_slice,
    parse_index,
)
from ui.latent_map.export import MAX_ZIP_IMAGES, selection_csv, selection_zip
from vae_core import InputError, ModelPackage
from vae_core.images import upscale
from vae_core.latent.directions import mean_code

CHART = "map.chart"
ITEMS, FOCUS, PAGE = "map.items", "map.focus", "map.page"
DECODED = "map.point"  # a decoded point of the PCA map: {"z", "x", "y", "components"}
LAYER = "map.layer"
FIND, FIND_ERROR, CLASS = "map.find", "map.find_error", "map.class"
# Whether the focused garment gets a star on the map: yes when found by number or picked from a
# list, no after a click on the map (the star would change the figure, and redrawing 60,000
# points costs more than a second, for a point the user is already looking at).
MARK = "map.mark_focus"
PER_PAGE, COLUMNS = 30, 6
DETAIL_SELECTOR = ".st-key-map-detail"


# ------------------------------------------------------------------ callbacks (run before a rerun)
def on_map_select() -> None:
    """A click focuses one garment; a box, lasso or shift-click selection lists the garments."""
    pkg = get_package()
    sel = interpret_selection(st.session_state.get(CHART), len(pkg))
    if sel.kind in (POINT, AREA):
        _forget_find()
        st.session_state[DECODED] = None
    if sel.kind == POINT:
        st.session_state[FOCUS] = sel.indices[0]
        st.session_state[MARK] = False  # plotly already highlights the clicked point
        request_scroll(DETAIL_SELECTOR, "nearest")  # (below the map on a narrow screen)
    elif sel.kind == AREA:
        n = len(sel)
        title = f"{n:,} garment{'s' if n != 1 else ''} selected on the map"
        st.session_state[ITEMS] = {"indices": sel.indices, "title": title}
        st.session_state[FOCUS] = None
        st.session_state[PAGE] = 0


def on_find_index() -> None:
    """Focus the item number typed in the find box, or remember why it cannot be found."""
    pkg = get_package()
    text = st.session_state.get(FIND, "")
    st.session_state[FIND_ERROR] = None
    if not str(text).strip():
        return
    try:
        st.session_state[FOCUS] = parse_index(text, len(pkg))
        st.session_state[MARK] = True
        st.session_state[DECODED] = None
    except InputError as exc:
        st.session_state[FIND_ERROR] = (text, str(exc))


def _forget_find() -> None:
    """Another way of choosing was used: the find box's error (and the text it was about) go."""
    if st.session_state.get(FIND_ERROR):
        st.session_state[FIND_ERROR] = None
        st.session_state[FIND] = ""


def on_show_class() -> None:
    """List every training garment of the class chosen in the class box."""
    pkg = get_package()
    _forget_find()
    st.session_state[DECODED] = None
    cid = pkg.class_names.index(st.session_state[CLASS])
    members = class_members(pkg.labels, cid)
    st.session_state[ITEMS] = {
        "indices": tuple(int(i) for i in members),
        "title": f"All {len(members):,} {md(pkg.class_names[cid])} garments",  # Markdown
    }
    st.session_state[FOCUS] = None
    st.session_state[PAGE] = 0


def _focus(index: int | None) -> None:
    _forget_find()
    st.session_state[FOCUS] = index


def _turn_page(delta: int) -> None:
    st.session_state[PAGE] = st.session_state.get(PAGE, 0) + delta


def _clear_items() -> None:
    _forget_find()
    st.session_state[ITEMS] = None
    st.session_state[FOCUS] = None


# ------------------------------------------------------------------ panels
def find_controls(pkg: ModelPackage) -> None:
    """Find an item by number, or list a whole class."""
    st.text_input(
        "Find item number",
        key=FIND,
        on_change=on_find_index,
        placeholder=f"0 to {len(pkg) - 1:,}, then Enter",
        help="Training index of a garment, e.g. 123 or #123.",
    )
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    c1.selectbox("Or list a whole class", pkg.class_names, key=CLASS)
    c2.button("Show class", key="map.show_class", on_click=on_show_class, width="stretch")
    error = st.session_state.get(FIND_ERROR)
    # shown while the box holds the text it is about (the box comes back empty after a page switch)
    if error and st.session_state.get(FIND) == error[0]:
        st.error(md(error[1], limit=300), icon=":material/search_off:")


def items_panel(pkg: ModelPackage, items: dict) -> None:
    """Title, class histogram and a paged gallery of a list of garments."""
    indices = list(items["indices"])
    head, close = st.columns([3, 1], vertical_alignment="center")
    head.markdown(f"**{items['title']}**")
    close.button("Clear", key="map.clear", on_click=_clear_items, help="Clear the selection.", width="stretch")
    if not indices:
        st.info(
            "The selection holds no garments: draw the box or lasso around some points.",
            icon=":material/info:",
        )
        return
    counts = class_histogram(pkg.labels, indices, len(pkg.class_names))
    st.plotly_chart(histogram_figure(counts, pkg.class_names), key="map.hist", config={"displayModeBar": False})
    selection_actions(pkg, items)
    pg = page_slice(len(indices), st.session_state.get(PAGE, 0), PER_PAGE)
    st.session_state[PAGE] = pg.page
    shown = indices[pg.start : pg.stop]
    images = item_images(pkg, shown, notify=False)
    tiles = [Tile(img, f"#{i}", str(i)) for img, i in zip(images, shown, strict=True)]
    opened = gallery(tiles, columns=COLUMNS, action="open", key="map.gallery", help="Show this garment")
    if opened is not None:  # a tile's garment: its detail panel, with the way back to this list
        _forget_find()
        st.session_state[FOCUS] = int(opened)
        st.session_state[MARK] = True
        request_scroll(DETAIL_SELECTOR, "nearest")
        st.rerun()
    if pg.n_pages > 1:
        prev, label, nxt = st.columns([1, 1.6, 1], vertical_alignment="center")
        prev.button(
            "Prev",
            key="map.prev",
            on_click=_turn_page,
            args=(-1,),
            disabled=pg.page == 0,
            icon=":material/chevron_left:",
            width="stretch",
        )
        label.markdown(
            f"<div style='text-align:center'>page {pg.page + 1} of {pg.n_pages:,} · "
            f"items {pg.start + 1:,}–{pg.stop:,}</div>",
            unsafe_allow_html=True,
        )
        nxt.button(
            "Next",
            key="map.next",
            on_click=_turn_page,
            args=(1,),
            disabled=pg.page >= pg.n_pages - 1,
            icon=":material/chevron_right:",
            icon_position="right",
            width="stretch",
        )


def _open_average(pkg: ModelPackage, indices: tuple[int, ...]) -> None:
    z = mean_code(pkg.mu, indices)
    n = len(indices)
    label = f"the average of {n:,} garment{'s' if n != 1 else ''} selected on the map"
    state.open_in_explore(z, None, label, origin=lineage.origin("sent", z, label))


def selection_actions(pkg: ModelPackage, items: dict) -> None:
    """What the listed garments can become: their average in Explore, a CSV, a ZIP of their
    pictures, side A or B of a direction."""
    indices = tuple(int(i) for i in items["indices"])
    n = len(indices)
    with st.container(horizontal=True, key="map.selection_actions"):
        if st.button(
            "Average into Explore",
            key="map.average",
            icon=":material/functions:",
            help="Open the mean of these garments' codes in Explore: a garment between all of them.",
        ):
            _open_average(pkg, indices)
        st.download_button(
            "CSV",
            lambda: selection_csv(pkg, indices),  # made on click
            file_name=f"latent-atelier-selection-{n}.csv",
            mime="text/csv",
            icon=":material/download:",
            help="Index, class and source file of every garment listed.",
            on_click="ignore",
            key="map.csv",
        )
        more = f" (the first {MAX_ZIP_IMAGES:,}; the CSV lists all {n:,})" if n > MAX_ZIP_IMAGES else ""
        st.download_button(
            "ZIP of images",
            lambda: selection_zip(pkg, indices, lambda idx: item_images(pkg, idx, notify=False)),
            file_name=f"latent-atelier-selection-{n}.zip",
            mime="application/zip",
            icon=":material/folder_zip:",
            help=f"Their pictures as PNGs{more}, with the CSV.",
            on_click="ignore",
            key="map.zip",
        )
    with st.container(horizontal=True, key="map.keep"):
        st.button(
            "Keep as A",
            key="map.keep_a",
            on_click=direction.keep,
            args=("A", items, pkg),
            help="The garments a direction starts from (without A: the whole catalogue).",
        )
        st.button(
            "Keep as B",
            key="map.keep_b",
            on_click=direction.keep,
            args=("B", items, pkg),
            help="The garments a direction goes toward.",
        )


def detail_panel(pkg: ModelPackage, index: int, has_items: bool) -> None:
    """One garment: original and reconstruction, posterior per dimension, and where to take it."""
    label = pkg.class_names[pkg.labels[index]]
    head, back = st.columns([4, 2], vertical_alignment="center")
    head.markdown(f"**#{index} · {md(label)}**")
    if has_items:
        back.button(
            "Back to list",
            key="map.back",
            on_click=_focus,
            args=(None,),
            icon=":material/arrow_back:",
            width="stretch",
        )
    else:
        back.button("Close", key="map.close", on_click=_focus, args=(None,), width="stretch")
    mu, sigma = np.asarray(pkg.mu[index], dtype=np.float64), np.asarray(pkg.sigma[index], dtype=np.float64)
    original = item_images(pkg, [index], notify=False)[0]
    have_originals = get_train_images(pkg, notify=False) is not None
    recon = pkg.decode(mu)
    c1, c2 = st.columns(2)
    c1.image(
        upscale(original, 6),
        caption="original" if have_originals else "decoded mean (no original)",
        width="stretch",
    )
    c2.image(upscale(recon, 6), caption="reconstruction: decode(mu)", width="stretch")
    source = pkg.catalogue.original_path(index) if pkg.catalogue is not None else None
    if source is not None:  # the source folder is reachable: show the file as it is
        with st.expander(f"Original file: {md(pkg.catalogue.paths[index])}", icon=":material/image:"):
            try:
                st.image(source.read_bytes(), width=320)
            except Exception:  # noqa: BLE001 (a file changed since training may no longer decode)
                st.caption("The file can no longer be shown.")
    st.plotly_chart(posterior_figure(mu, sigma), key="map.posterior", config={"displayModeBar": False})
    st.caption("Bars: the encoder's mean per latent dimension; whiskers: ±1 sigma; grey band: the prior's ±1.")
    name = f"#{index} {label}"
    b1 = st.container()
    b2, b3 = st.columns(2)
    if b1.button("Open in Explore", key="map.to_explore", icon=":material/tune:", width="stretch"):
        state.open_in_explore(mu, index, name)
    if b2.button("Use as A", key="map.use_a", icon=":material/looks_one:", width="stretch"):
        state.use_as("A", mu, index, name)
    if b3.button("Use as B", key="map.use_b", icon=":material/looks_two:", width="stretch"):
        state.use_as("B", mu, index, name)


# ------------------------------------------------------------------ garments on the map
@st.fragment
def map_garments(pkg: ModelPackage, xy: np.ndarray, method: str, components: tuple[int, int]) -> None:
    """Thumbnails on hover over the map; on a PCA map a click on empty ground decodes that point:
    its two components set, the others kept from the garment in view (the focused one, the last
    decoded point, else the catalogue's mean)."""
    map_layer(LAYER, CHART, pkg, xy, click=method == "pca")
    point = take_point(LAYER)
    if point is None or method != "pca":
        return
    ss = st.session_state
    focus, last = ss.get(FOCUS), ss.get(DECODED)
    if focus is not None and 0 <= focus < len(pkg):
        base = np.asarray(pkg.mu[focus], dtype=np.float64)
    elif last:
        base = np.asarray(last["z"], dtype=np.float64)
    else:
        base = pkg.pca.mean_
    z = pkg.pca.with_coordinates(base, (point.x, point.y), components)
    ss[DECODED] = {"z": [float(v) for v in z], "x": point.x, "y": point.y, "components": list(components)}
    ss[FOCUS] = None
    request_scroll(POINT_SELECTOR, "nearest")
    st.rerun(scope="app")


POINT_SELECTOR = ".st-key-map-point"


def _close_point() -> None:
    st.session_state[DECODED] = None


def point_panel(pkg: ModelPackage, point: dict) -> None:
    """A decoded point of the PCA map: the garment, its nearest training garments, where to take it."""
    z = np.asarray(point["z"], dtype=np.float64)
    i, j = point["components"]
    head, close = st.columns([4, 2], vertical_alignment="center")
    head.markdown(f"**The point ({point['x']:.2f}, {point['y']:.2f}) of the map, decoded**")
    close.button(
        "Close", key="map.point_close", on_click=lambda: st.session_state.update({POINT: None}), width="stretch"
    )
    ranking = pkg.rank(z, 6)
    with st.container(horizontal=True, gap="small"):
        st.image(upscale(pkg.decode(z), 6), caption="decode(z)", width=168)
        with st.container():
            st.caption(
                f"z has PC{i + 1} = {point['x']:.2f} and PC{j + 1} = {point['y']:.2f} (the click); its other "
                "components are those of the garment in view before. Nearest training garments by log q(z|x):"
            )
            images = item_images(pkg, ranking.indices, notify=False)
            with st.container(horizontal=True, gap="small"):
                for idx, img in zip(ranking.indices, images, strict=True):
                    st.image(upscale(img, 2), caption=f"#{int(idx)}", width=56)
    label = f"the point ({point['x']:.2f}, {point['y']:.2f}) of the PCA map"
    b1 = st.container()
    b2, b3 = st.columns(2)
    if b1.button("Open in Explore", key="map.point_explore", icon=":material/tune:", width="stretch"):
        state.open_in_explore(z, None, label)
    if b2.button("Use as A", key="map.point_a", icon=":material/looks_one:", width="stretch"):
        state.use_as("A", z, None, label)
    if b3.button("Use as B", key="map.point_b", icon=":material/looks_two:", width="stretch"):
        state.use_as("B", z, None, label)
