"""Latent map: every training garment's latent mean on a t-SNE or PCA map, to browse by eye.

Drag a box or lasso to list garments, click one for its details, or find one by number; a list
can be averaged into Explore, downloaded, or kept as one side of a direction.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from ui.common.figures import MAP_NAMES
from ui.common.loader import cluster_labels, get_package, get_train_images, package_path, projected_map
from ui.common.scroll import scroller
from ui.common.shell import require_shell
from ui.latent_map import view as mv
from ui.latent_map.browse import projection
from ui.latent_map.direction import direction_panel
from vae_core import InputError

require_shell()
scroller("map")

st.title("Latent map")
pkg = get_package()
path = package_path()
get_train_images(pkg)  # shows once why thumbnails are decoded means, if they are
st.caption(
    f"Every one of the {len(pkg):,} training garments, placed by its latent mean. **Click** a point "
    "for its details (hover one to see it); on the PCA map, click empty ground to decode that point. To "
    "list a group, pick **Box select** or **Lasso select** in the map's toolbar "
    "(top right of the map) and drag around it. Click a legend entry to hide or show a class; "
    "scroll to zoom, drag to pan, double-click to reset the view."
)

left, right = st.columns([3, 2], gap="medium")
with left:
    c1, c2 = st.columns(2)
    method = c1.segmented_control(
        "Projection",
        ["tsne", "pca"],
        key="map.method",
        default="tsne",
        required=True,
        format_func=MAP_NAMES.get,
        help="t-SNE keeps neighbours together (distances between clusters mean little); "
        "PCA is a linear view along two principal directions of the latent means.",
    )
    color_by = c2.segmented_control(
        "Colour by",
        ["class", "cluster"],
        key="map.color_by",
        default="class",
        required=True,
        format_func={"class": "class", "cluster": "k-means cluster"}.get,
        help="Class: the garment's label. k-means cluster: groups of nearby latent means, found "
        "without the labels; select one to see which classes it mixes.",
    )
    components, k = (0, 1), 0
    if method == "pca" or color_by == "cluster":
        c3, c4, c5 = st.columns([1, 1, 2])
        if method == "pca":
            dims = list(range(pkg.latent_dim))
            pc_x = c3.selectbox("Horizontal axis", dims, index=0, key="map.pc_x", format_func=lambda i: f"PC{i + 1}")
            pc_y = c4.selectbox("Vertical axis", dims, index=1, key="map.pc_y", format_func=lambda i: f"PC{i + 1}")
            components = (pc_x, pc_y)
        if color_by == "cluster":
            k = c5.slider(
                "Number of clusters k",
                2,
                20,
                10,
                key="map.k",
                help="k-means (k-means++ start, seed 0) on the latent means.",
            )

    try:
        projection(pkg, method, components)  # validates the components with a clear message
    except InputError as exc:
        st.warning(str(exc), icon=":material/warning:")
        st.stop()
    fig = projected_map(path, method, components, color_by, k)
    focus = st.session_state.get(mv.FOCUS)
    if focus is not None and 0 <= focus < len(pkg) and st.session_state.get(mv.MARK, True):
        xy = projection(pkg, method, components).xy[focus]
        fig = go.Figure(fig)  # the cached figure stays untouched
        fig.add_trace(
            go.Scattergl(
                x=[xy[0]],
                y=[xy[1]],
                mode="markers",
                name=f"#{focus}",
                marker={
                    "symbol": "star",
                    "size": 20,
                    "color": "#ffd400",
                    "line": {"width": 2, "color": "#111"},
                },
                hovertemplate=f"#{focus}<extra></extra>",
                showlegend=False,
            )
        )
    st.plotly_chart(
        fig,
        key=mv.CHART,
        on_select=mv.on_map_select,
        selection_mode=("points", "box", "lasso"),
        theme=None,  # keep the figure's own legend placement and class colours
        config={"scrollZoom": True, "displaylogo": False, "modeBarButtonsToRemove": ["toImage"]},
    )
    mv.map_garments(pkg, projection(pkg, method, components).xy, method, components)
    if color_by == "cluster":
        sizes = cluster_labels(path, k)
        st.caption(
            f"{k} clusters; largest holds {int((sizes == 0).sum()):,} garments, smallest "
            f"{int((sizes == k - 1).sum()):,}. Select one to see which classes it mixes."
        )

with right:
    mv.find_controls(pkg)
    items = st.session_state.get(mv.ITEMS)
    point = st.session_state.get(mv.DECODED)
    if focus is not None and 0 <= focus < len(pkg):
        with st.container(key="map.detail"):
            mv.detail_panel(pkg, int(focus), has_items=bool(items))
    elif point:
        with st.container(key="map.point"):
            mv.point_panel(pkg, point)
    elif items:
        mv.items_panel(pkg, items)
    else:
        st.info(
            "Nothing selected yet. Click a point on the map to inspect that garment, pick Box or Lasso "
            "select in the map's toolbar and drag to list a group with its classes, or find an item "
            "by number above.",
            icon=":material/touch_app:",
        )
    direction_panel(pkg)
