"""The state that moves a garment between pages ("open in Explore", "use as A/B").

A sender stores a pending request in ``st.session_state`` and switches page; the receiving page
calls the matching ``take_*`` function once at its top, applies the value to its own widgets and
clears the request. Keys are namespaced by the receiving page.

A garment carries the identity of the package it came from (its name and content fingerprint,
:mod:`vae_core.package.identity`): an index or a code means something only in its own catalogue
and model. ``take_*`` hands over only a garment of the package the receiving page serves; any
other is dropped with a warning saying which catalogue it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from ui.common.loader import package_identity
from ui.common.text import md
from vae_core.package.identity import PackageIdentity

EXPLORE_PAGE = "pages/explore.py"
INTERPOLATE_PAGE = "pages/interpolate.py"
_PENDING_Z = "explore.pending_z"
_PENDING_AB = "interpolate.pending_{slot}"


@dataclass(frozen=True)
class Garment:
    """A garment handed between pages: a training ``index`` (or None) and its latent ``z``, from
    the package ``package`` (None: sent by code that predates identities; accepted as is), and
    optionally its ``origin`` record (``ui.board.lineage``; else Explore makes one)."""

    z: tuple[float, ...]
    index: int | None = None
    label: str = ""
    package: PackageIdentity | None = None
    origin: dict | None = None


def _garment(
    z: np.ndarray, index: int | None, label: str, package: PackageIdentity | None = None, origin: dict | None = None
) -> Garment:
    return Garment(tuple(float(v) for v in z), index, label, package or package_identity(), origin)


def _accept(garment: Garment | None, page: str) -> Garment | None:
    """``garment`` if it belongs to the package served now; else None and a warning."""
    if garment is None or garment.package is None:
        return garment
    served = package_identity()
    if garment.package.matches(served):
        return garment
    what = f"{md(garment.label)} " if garment.label else ""
    if garment.package.name == served.name:
        why = f"the catalogue {md(served.name)} has changed on the server since it was sent"
    else:
        why = f"it comes from the catalogue {md(garment.package.name)}, and this page shows {md(served.name)}"
    st.warning(
        f"The garment {what}sent to {page} was not loaded: {why}. Send it again from its page.",
        icon=":material/sync_problem:",
    )
    return None


def open_in_explore(
    z: np.ndarray,
    index: int | None = None,
    label: str = "",
    switch: bool = True,
    origin: dict | None = None,
    query_params: dict[str, str] | None = None,
    package: PackageIdentity | None = None,
) -> None:
    """Ask the Explore page to load ``z`` into its sliders, and go there (with ``query_params``,
    e.g. another ``package``). ``package``: the identity of the package ``z`` belongs to (default:
    the one served now); Explore refuses the garment if it does not serve that package."""
    st.session_state[_PENDING_Z] = _garment(z, index, label, package, origin)
    if switch:
        st.switch_page(EXPLORE_PAGE, query_params=query_params)


def take_explore_request() -> Garment | None:
    """The pending "open in Explore" request, removed from the state (None if there is none, or
    if it belongs to another package than the one served: then a warning says so)."""
    return _accept(st.session_state.pop(_PENDING_Z, None), "Explore")


def use_as(slot: str, z: np.ndarray, index: int | None = None, label: str = "", switch: bool = True) -> None:
    """Make a garment the interpolation page's A or B, and go there."""
    if slot not in ("A", "B"):
        raise ValueError(f"slot must be 'A' or 'B', got {slot!r}")
    st.session_state[_PENDING_AB.format(slot=slot)] = _garment(z, index, label)
    if switch:
        st.switch_page(INTERPOLATE_PAGE)


def take_ab_request(slot: str) -> Garment | None:
    """The pending "use as A/B" request for ``slot``, removed from the state (None, with a
    warning, for a garment of another package)."""
    return _accept(st.session_state.pop(_PENDING_AB.format(slot=slot), None), f"Interpolate as {slot}")
