"""What Explore keeps in the database per package: the names given to its sliders and the
directions made on the Latent map (``store``), and the "Sliders" popover that edits both.

Both are read once per full run for the package shown (two small queries) and kept in the session
for the fragment's reruns; a write reads them again. A database that cannot be reached costs the
page nothing but these: the sliders keep their default names, with a note saying why.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

from store import Direction, PackageIdentity, StoreError
from ui.common.dims import dim_name
from ui.common.loader import get_store
from ui.common.text import md
from ui.explore.state import SliderSpec
from vae_core import ModelPackage

K_NAMES = "explore._names"  # {dim: name} given to this package's sliders
K_DIRECTIONS = "explore._directions"  # [Direction] of this package, oldest first
K_FOR = "explore._saved_for"  # the package identity they were read for
K_PROBLEM = "explore._saved_problem"  # why they could not be read or written (shown in the popover)
K = "explore.sliders."  # widget keys of the popover


def identity(pkg: ModelPackage) -> PackageIdentity:
    """The identity names and directions are kept under (the package's name and exact content)."""
    return pkg.identity


def load(pkg: ModelPackage) -> None:
    """Read the package's slider names and directions (a full run of the page)."""
    ss = st.session_state
    ident = identity(pkg)
    try:
        store = get_store()
        ss[K_NAMES] = store.sliders.get(ident)
        ss[K_DIRECTIONS] = [d for d in store.directions.list(ident) if len(d.vector) == pkg.latent_dim]
        ss.pop(K_PROBLEM, None)
    except StoreError as exc:
        ss[K_NAMES], ss[K_DIRECTIONS] = {}, []
        ss[K_PROBLEM] = f"Slider names and directions are unavailable: {exc}"
    ss[K_FOR] = ident


def names() -> dict[int, str]:
    """``{dim: name}`` of the sliders the user has named."""
    return dict(st.session_state.get(K_NAMES) or {})


def directions() -> list[Direction]:
    return list(st.session_state.get(K_DIRECTIONS) or [])


def unit_vectors(dirs: Sequence[Direction], latent_dim: int) -> np.ndarray:
    """(m, d) the directions scaled to length 1."""
    if not dirs:
        return np.zeros((0, latent_dim))
    v = np.array([d.vector for d in dirs], dtype=np.float64)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


# ------------------------------------------------------------------------------ the popover
def _save_names(pkg: ModelPackage, specs: Sequence[SliderSpec]) -> None:
    ss = st.session_state
    wanted = {s.dim: ss.get(f"{K}name.{s.dim}", "") for s in specs}
    try:
        store = get_store()
        ss[K_NAMES] = store.sliders.set(identity(pkg), wanted, latent_dim=pkg.latent_dim)
        for d in directions():
            new = " ".join(str(ss.get(f"{K}dir.{d.id}", d.name)).split())
            if new and new != d.name:
                store.directions.rename(identity(pkg), d.id, new)
        ss[K_DIRECTIONS] = [d for d in store.directions.list(identity(pkg)) if len(d.vector) == pkg.latent_dim]
        ss.pop(K_PROBLEM, None)
    except StoreError as exc:
        ss[K_PROBLEM] = str(exc)


def _delete_direction(pkg: ModelPackage, direction_id: int) -> None:
    ss = st.session_state
    try:
        get_store().directions.delete(identity(pkg), direction_id)
        ss[K_DIRECTIONS] = [d for d in directions() if d.id != direction_id]
        ss.pop(K_PROBLEM, None)
    except StoreError as exc:
        ss[K_PROBLEM] = str(exc)


def sliders_popover(
    pkg: ModelPackage, specs: Sequence[SliderSpec], ends: dict[int, tuple[str, str]] | None = None
) -> None:
    """Name the sliders and the directions (kept per package for everyone), delete a direction.
    ``ends`` (dim -> the names of its two ends now) are the boxes' placeholders: a hint of what
    each slider does."""
    given = names()
    with st.popover("Name the sliders", icon=":material/edit:"):
        st.caption(
            "Call a slider what it does for you (“sleeve length”). Names are kept with this "
            "catalogue's model, for everyone who opens it; leave a box empty for the default."
        )
        with st.form(f"{K}form", border=False):
            columns = st.columns(2)
            for i, s in enumerate(specs):
                end = (ends or {}).get(s.dim)
                columns[i % 2].text_input(
                    dim_name(s.dim),
                    value=given.get(s.dim, ""),
                    placeholder=f"{end[0]} ◂ ▸ {end[1]}" if end else dim_name(s.dim),
                    key=f"{K}name.{s.dim}",
                    max_chars=200,
                )
            for i, d in enumerate(directions()):
                columns[i % 2].text_input(f"Direction ‘{md(d.name, 60)}’", value=d.name, key=f"{K}dir.{d.id}")
            st.form_submit_button("Save names", icon=":material/save:", on_click=_save_names, args=(pkg, specs))
        if directions():
            st.caption("Delete a direction (for everyone who uses this catalogue):")
            for d in directions():
                st.button(
                    f"Delete ‘{d.name[:40]}’",
                    key=f"{K}delete.{d.id}",
                    icon=":material/delete:",
                    type="tertiary",
                    on_click=_delete_direction,
                    args=(pkg, d.id),
                )
        else:
            st.caption(
                "Directions: select two groups of garments on the **Latent map** and press “Make a "
                "direction” to get a slider that moves any garment from one group's look to the other's."
            )
        problem = st.session_state.get(K_PROBLEM)
        if problem:
            st.error(md(problem, 400), icon=":material/error:")
