"""The state that moves a garment between pages ("open in Explore", "use as A/B").

A sender stores a pending request in ``st.session_state`` and switches page; the receiving page
calls the matching ``take_*`` function once at its top, applies the value to its own widgets and
clears the request. Keys are namespaced by the receiving page.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

EXPLORE_PAGE = "pages/explore.py"
INTERPOLATE_PAGE = "pages/interpolate.py"
_PENDING_Z = "explore.pending_z"
_PENDING_AB = "interpolate.pending_{slot}"


@dataclass(frozen=True)
class Garment:
    """A garment handed between pages: a training ``index`` (or None), its latent ``z``, and
    optionally its ``origin`` record (``ui.board.lineage``; else Explore makes one)."""

    z: tuple[float, ...]
    index: int | None = None
    label: str = ""
    origin: dict | None = None


def open_in_explore(
    z: np.ndarray,
    index: int | None = None,
    label: str = "",
    switch: bool = True,
    origin: dict | None = None,
    query_params: dict[str, str] | None = None,
) -> None:
    """Ask the Explore page to load ``z`` into its sliders, and go there (with ``query_params``,
    e.g. another ``package``)."""
    st.session_state[_PENDING_Z] = Garment(tuple(float(v) for v in z), index, label, origin)
    if switch:
        st.switch_page(EXPLORE_PAGE, query_params=query_params)


def take_explore_request() -> Garment | None:
    """The pending "open in Explore" request, removed from the state (None if there is none)."""
    return st.session_state.pop(_PENDING_Z, None)


def use_as(slot: str, z: np.ndarray, index: int | None = None, label: str = "", switch: bool = True) -> None:
    """Make a garment the interpolation page's A or B, and go there."""
    if slot not in ("A", "B"):
        raise ValueError(f"slot must be 'A' or 'B', got {slot!r}")
    st.session_state[_PENDING_AB.format(slot=slot)] = Garment(tuple(float(v) for v in z), index, label)
    if switch:
        st.switch_page(INTERPOLATE_PAGE)


def take_ab_request(slot: str) -> Garment | None:
    """The pending "use as A/B" request for ``slot``, removed from the state."""
    return st.session_state.pop(_PENDING_AB.format(slot=slot), None)
