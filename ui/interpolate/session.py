"""What the Interpolate page keeps while the user is on another page, and its link.

Streamlit drops the state of every widget that a run does not draw, so a trip to Explore used to
reset A, B and the path to their defaults. The page copies its widgets' values into one plain
key (:data:`K_SAVED`) after drawing them (:func:`remember`) and puts them back before drawing
them (:func:`restore`). A missing picker state at the top of a run is how the page knows it has
just been (re)entered: an uploaded garment is then kept although the uploader comes back empty.
"""

from __future__ import annotations

import streamlit as st

from ui.common.picker import keep_package
from ui.common.state import Garment
from ui.interpolate.link import WalkLink, parse_query, to_query
from ui.interpolate.state import (
    K_CLS_FROM,
    K_CLS_TO,
    K_DIR_KIND,
    K_FRAMES,
    K_GRID_CLS,
    K_GRID_COLS,
    K_GRID_ROWS,
    K_LINK_NOTES,
    K_LINK_READ,
    K_MAP_METHOD,
    K_MAP_TARGET,
    K_METHOD,
    K_MIDPOINT,
    slot_key,
)
from vae_core import ModelPackage

K_SAVED = "interp._saved"
SLOTS = ("A", "B", "C")
# the widgets whose values survive a trip to another page
KEPT = (
    K_FRAMES, K_METHOD, K_MIDPOINT, K_MAP_METHOD, K_MAP_TARGET, K_DIR_KIND, K_CLS_FROM, K_CLS_TO,
    K_GRID_CLS, K_GRID_ROWS, K_GRID_COLS,
    *(slot_key(s, name) for s in SLOTS for name in ("source", "index", "class")),
)  # fmt: skip
_ARRIVAL_MARK = slot_key("A", "source")  # drawn on every run of the page


def restore() -> bool:
    """Put back the widget values Streamlit dropped while another page ran (call before any
    widget is drawn). Returns True on a run that (re)enters the page."""
    ss = st.session_state
    arrived = _ARRIVAL_MARK not in ss
    for key, value in ss.get(K_SAVED, {}).items():
        if key not in ss:
            ss[key] = value
    if arrived:
        for slot in SLOTS:  # the uploaders come back empty: that is not the user removing a file
            ss[slot_key(slot, "upload_live")] = False
    return arrived


def remember() -> None:
    """Copy the widgets' current values into the store that survives page switches."""
    ss = st.session_state
    saved = ss.setdefault(K_SAVED, {})
    for key in KEPT:
        if key in ss:
            saved[key] = ss[key]


def set_code(slot: str, z: tuple[float, ...], label: str) -> None:
    """Make ``slot`` a code that is no training item (from a link, another page or the map)."""
    st.session_state[slot_key(slot, "sent")] = Garment(tuple(float(v) for v in z), None, label)
    st.session_state[slot_key(slot, "source")] = "sent"


def read_link(pkg: ModelPackage) -> None:
    """Apply the link's parameters once per session; unusable ones are kept as notes to show."""
    ss = st.session_state
    if K_LINK_READ in ss:
        return
    ss[K_LINK_READ] = True
    link = parse_query(st.query_params.to_dict(), len(pkg), pkg.latent_dim)
    for slot, garment in (("A", link.a), ("B", link.b)):
        if isinstance(garment, int):
            ss[slot_key(slot, "source")] = "index"
            ss[slot_key(slot, "index")] = garment
        elif garment is not None:
            set_code(slot, garment, "the code in the link")
    for key, value in ((K_FRAMES, link.frames), (K_METHOD, link.method), (K_MIDPOINT, link.midpoint)):
        if value is not None:
            ss[key] = value
    if link.map_method is not None:
        ss[K_MAP_METHOD] = link.map_method
    ss[K_LINK_NOTES] = list(link.notes)


def write_link(a, b, frames: int, method: str, midpoint: bool, map_method: str) -> None:
    """Make the address bar reproduce the screen (``a``/``b``: the chosen garments or None);
    written only when it changes (each change is a browser history entry)."""
    query = keep_package(to_query(_garment(a), _garment(b), frames, method, midpoint, map_method))
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def _garment(choice) -> int | tuple[float, ...] | None:
    if choice is None:
        return None
    return int(choice.index) if choice.index is not None else tuple(float(v) for v in choice.z)


__all__ = ["K_SAVED", "WalkLink", "read_link", "remember", "restore", "set_code", "write_link"]
