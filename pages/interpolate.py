"""Interpolate & combine: walks between two garments, and latent arithmetic.

Thin page: the maths is in ``vae_core.latent.interpolation``, the framing in
``ui.interpolate.walks``, the widgets in ``ui.interpolate.picker`` and ``ui.interpolate.view``.
Links like ``?a=12&b=345&frames=10&method=slerp&midpoint=1&map=tsne`` open a given walk
(``ui.interpolate.link``); the page's choices survive a trip to another page (``ui.interpolate.session``).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from ui.common.figures import MAP_NAMES, WALK_NAMES, closeness_chart
from ui.common.loader import get_package
from ui.common.scroll import request_scroll, scroller
from ui.common.shell import require_shell
from ui.common.text import md
from ui.interpolate import session
from ui.interpolate.link import METHOD_CHOICES
from ui.interpolate.picker import apply_requests, garment_picker, start_run
from ui.interpolate.state import K_CLOSENESS, K_FRAMES, K_LINK_NOTES, K_MAP_METHOD, K_METHOD, K_MIDPOINT
from ui.interpolate.view import (
    compute_walks,
    exports,
    latent_arithmetic,
    player,
    show_strip,
    walk_map,
)
from ui.interpolate.walks import OFF_DATA_PERCENTILE
from vae_core.latent.interpolation import DEFAULT_FRAMES, MAX_FRAMES, MIN_FRAMES

require_shell()

pkg = get_package()
start_run()
session.restore()  # what Streamlit dropped while another page ran
session.read_link(pkg)  # once per session
handed = apply_requests(pkg)
for message in handed:
    st.toast(md(message), icon=":material/swap_horiz:")
if handed:
    request_scroll()  # the sending page may have been scrolled far down: land at the top
scroller("interp")

st.title("Interpolate & combine")
st.caption(
    "Walk from garment A to garment B through the latent space, watch which real garments the walk "
    "passes, and move garments along directions such as *T-shirt → Shirt*."
)
for note in st.session_state.get(K_LINK_NOTES, []):
    st.warning(md(note, 400), icon=":material/link_off:")


def _first_of(cls: int, fallback: int) -> int:
    hits = np.flatnonzero(np.asarray(pkg.labels) == cls)
    return int(hits[0]) if len(hits) else fallback


default_a = _first_of(0, 0)
default_b = _first_of(min(1, len(pkg.class_names) - 1), min(1, len(pkg) - 1))  # a Trouser
col_a, col_b = st.columns(2, border=True)
with col_a:
    a = garment_picker(pkg, "A", default_a, "A (start)")
with col_b:
    b = garment_picker(pkg, "B", default_b, "B (end)")

tab_walk, tab_arith = st.tabs(["Walk", "Latent arithmetic"])
with tab_walk:
    st.session_state.setdefault(K_FRAMES, DEFAULT_FRAMES)
    st.session_state.setdefault(K_METHOD, "linear")
    st.session_state.setdefault(K_MIDPOINT, True)
    st.session_state.setdefault(K_MAP_METHOD, "tsne")
    c1, c2, c3, c4 = st.columns([4, 4, 2, 2], vertical_alignment="bottom")
    n = c1.slider("Frames", MIN_FRAMES, MAX_FRAMES, key=K_FRAMES, help="Frames from A to B, both included.")
    choice = c2.segmented_control(
        "Path", list(METHOD_CHOICES), format_func=METHOD_CHOICES.get, key=K_METHOD, required=True
    )
    midpoint = c3.toggle(
        "Midpoint",
        key=K_MIDPOINT,
        help="Always include the midpoint t = ½. It is on the grid only for an odd number of frames; "
        "for an even number it is inserted as an extra frame.",
    )
    map_method = c4.segmented_control(
        "Map", list(MAP_NAMES), format_func=MAP_NAMES.get, key=K_MAP_METHOD,
        required=True,
    )  # fmt: skip
    methods = ["linear", "slerp"] if choice == "both" else [choice or "linear"]
    session.remember()
    session.write_link(a, b, n, choice, midpoint, map_method)

    views = []
    if a is None or b is None:
        st.info("Choose A and B above to draw the walk.", icon=":material/info:")
    elif np.array_equal(a.z, b.z):
        st.warning(
            f"A and B are the same garment ({md(a.label)}): a walk from a garment to itself is one repeated "
            "picture. Choose a different B, e.g. a random item of another class or a click on the map.",
            icon=":material/content_copy:",
        )
    else:
        views = compute_walks(pkg, a, b, n, methods, midpoint, map_method)
        mid = views[0].walk.mid
        if n % 2 == 1:
            st.caption(f"★ Frame {mid} is the midpoint t = ½ (on the linear walk exactly (A + B) / 2).")
        elif mid is not None:
            st.caption(
                f"★ With {n} frames t = ½ falls between two frames, so the midpoint is inserted "
                f"as frame {mid} ({n + 1} shown; on the linear walk it is exactly (A + B) / 2). Switch off "
                f"'Midpoint' to see exactly {n}."
            )
        else:
            st.caption(f"With {n} frames the midpoint t = ½ lies between frames {n // 2 - 1} and {n // 2}.")
        for view in views:
            show_strip(pkg, view)
        st.caption(
            "Under each frame: its nearest training garment by log q(z|x) (class, then index). "
            "⚠ marks frames whose best score is below 95% of real garments' own codes: there the walk "
            "has left the data."
        )
        exports(views, a, b, pkg)
        st.subheader("Play")
        player(pkg, views)
        st.subheader("How close the walk stays to real garments")
        st.plotly_chart(
            closeness_chart(
                [(v.walk.method, v.walk.t, v.nearest_score, v.nearest, v.typicality) for v in views],
                pkg.typicality_ref,
                OFF_DATA_PERCENTILE,
            ),
            key=K_CLOSENESS,
        )
    st.subheader("The walk on the latent map" if views else "Latent map")
    walk_map(pkg, views, a, b, map_method)
    if views:
        st.caption(", ".join(f"{WALK_NAMES[v.walk.method]}: {len(v.walk)} frames" for v in views))

with tab_arith:
    latent_arithmetic(pkg, a, b)
session.remember()
