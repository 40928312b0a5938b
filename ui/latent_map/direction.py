"""The Latent map's "Make a direction": keep one selection as A (or use the whole catalogue) and
another as B, name the difference ("longer sleeves") and save it for the package; Explore then
shows it as a slider that moves any garment from A's look toward B's.

The direction saved is the difference of the mean codes, mean(mu[B]) - mean(mu[A])
(``vae_core.latent.directions``), with the rows of both selections, in the database
(``store.directions``), under the package's identity. Kept selections belong to the package
they were made on; one of another package is dropped.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from store import DirectionDraft, StoreError
from ui.common.loader import get_store
from ui.common.state import EXPLORE_PAGE
from ui.common.text import md
from ui.explore.sliders import percent
from vae_core import InputError, ModelPackage
from vae_core.latent.directions import direction_between

K_A, K_B = "map._dir_a", "map._dir_b"  # {"indices", "title", "package"} kept as A and B
K_NAME = "map.dir_name"
K_RESULT = "map._dir_result"  # ("ok" | "error", message) of the last save


def kept(slot: str, pkg: ModelPackage) -> dict | None:
    """The selection kept as ``slot`` ("A" or "B") for this package, or None."""
    value = st.session_state.get(K_A if slot == "A" else K_B)
    if value is None or not pkg.identity.matches(value["package"]):
        return None
    return value


def keep(slot: str, items: dict, pkg: ModelPackage) -> None:
    """Keep the garments listed now (``items``: indices and title) as A or B (a callback)."""
    st.session_state[K_A if slot == "A" else K_B] = {
        "indices": tuple(int(i) for i in items["indices"]),
        "title": items["title"],
        "package": pkg.identity,
    }
    st.session_state.pop(K_RESULT, None)


def _whole_catalogue() -> None:
    st.session_state[K_A] = None
    st.session_state.pop(K_RESULT, None)


def _save(pkg: ModelPackage) -> None:
    ss = st.session_state
    a, b = kept("A", pkg), kept("B", pkg)
    name = " ".join(str(ss.get(K_NAME, "")).split())
    if b is None:
        ss[K_RESULT] = ("error", "Keep a selection as B first: the garments the direction goes toward.")
        return
    if not name:
        ss[K_RESULT] = ("error", "Name the direction first: what does it change? (“longer sleeves”, “darker”)")
        return
    try:
        vector = direction_between(pkg.mu, b["indices"], None if a is None else a["indices"])
        method = "catalogue_to_selection" if a is None else "selections"
        draft = DirectionDraft(
            name, vector.tolist(), pkg.identity, method, b["indices"], None if a is None else a["indices"]
        )
        saved = get_store().directions.save(draft, latent_dim=pkg.latent_dim)
    except (InputError, StoreError) as exc:
        ss[K_RESULT] = ("error", str(exc))
        return
    ss[K_RESULT] = ("ok", saved.name)
    ss[K_NAME] = ""


def summary(pkg: ModelPackage, value: dict | None, fallback: str) -> str:
    """A kept selection in a few words: "312 garments, mostly Sneaker (83 %)"."""
    if value is None:
        return fallback
    idx = np.asarray(value["indices"], dtype=np.int64)
    text = f"{len(idx):,} garment{'s' if len(idx) != 1 else ''}"
    if len(pkg.class_names) < 2 or not len(idx):
        return text
    counts = np.bincount(pkg.labels[idx], minlength=len(pkg.class_names))
    top = int(np.argmax(counts))
    share, name = counts[top] / len(idx), md(pkg.class_names[top])
    if share == 1.0:
        return f"{text}, all {name}"
    return f"{text}, {'mostly' if share >= 0.5 else 'most often'} {name} ({percent(share)})"


def direction_panel(pkg: ModelPackage) -> None:
    """The panel: A, B, a name and Save; what the last save did."""
    a, b = kept("A", pkg), kept("B", pkg)
    with st.container(key="map.direction", border=True):
        st.markdown("**Make a direction**")
        st.caption(
            "Keep one selection as **A** and another as **B**: the direction from A's look to B's "
            "becomes a slider on Explore that moves any garment toward B (“longer sleeves”, “darker”)."
        )
        st.markdown(f"**A** · {summary(pkg, a, 'the whole catalogue')}")
        if a is not None:
            st.button("Use the whole catalogue as A", key="map.dir_whole", type="tertiary", on_click=_whole_catalogue)
        st.markdown(f"**B** · {summary(pkg, b, 'nothing yet: select garments and press **Keep as B**')}")
        st.text_input("Name of the direction", key=K_NAME, placeholder="longer sleeves", max_chars=200)
        st.button(
            "Save direction",
            key="map.dir_save",
            icon=":material/arrow_right_alt:",
            type="primary",
            disabled=b is None,
            on_click=_save,
            args=(pkg,),
        )
        result = st.session_state.get(K_RESULT)
        if result is None:
            return
        if result[0] == "error":
            st.error(md(result[1], 400), icon=":material/error:")
            return
        st.success(
            f"Saved the direction **{md(result[1], 80)}**: it is a slider on Explore now.",
            icon=":material/check_circle:",
        )
        st.page_link(EXPLORE_PAGE, label="Try it on Explore", icon=":material/tune:")
