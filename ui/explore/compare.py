"""Explore's pins: up to four garments kept side by side to compare (the garment, what it looks
like, how realistic it is, its likeliest catalogue pieces and its z), each one click from the
sliders again. Pins live in the session; a board keeps garments for longer (Save).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from ui.common.gallery import Tile, gallery
from ui.common.text import md
from ui.explore.state import format_z, round_z
from ui.explore.step import explore_step, looks_like_text, typicality_text
from vae_core import ModelPackage
from vae_core.images import upscale

K_PINS = "explore._pins"  # [{"z": tuple, "label": str}], oldest first
MAX_PINS = 4
NEIGHBOURS = 4  # likeliest catalogue pieces shown per pin
SCALE = 6  # 28 px -> 168 px


def pins() -> list[dict]:
    return list(st.session_state.get(K_PINS) or [])


def pin(z: tuple[float, ...], label: str) -> None:
    """Pin the garment ``z`` (a callback): kept once, the oldest pin dropped beyond four."""
    zz = round_z(z)[0]
    kept = [p for p in pins() if p["z"] != zz]
    st.session_state[K_PINS] = [*kept, {"z": zz, "label": label}][-MAX_PINS:]


def unpin(index: int) -> None:
    st.session_state[K_PINS] = [p for i, p in enumerate(pins()) if i != index]


def render_compare(
    pkg: ModelPackage,
    thumbnails: Callable[[np.ndarray], np.ndarray],
    expert: bool,
    on_open: Callable[[tuple[float, ...], str], None],
) -> None:
    """The pinned garments side by side (nothing when none is pinned)."""
    pinned = pins()
    if not pinned:
        return
    st.subheader("Compare")
    st.caption("The garments you pinned, side by side. **Open** puts one back in the sliders.")
    columns = st.columns(MAX_PINS, gap="medium")
    for i, (p, col) in enumerate(zip(pinned, columns, strict=False)):
        z = np.asarray(p["z"], dtype=np.float64)
        step = explore_step(pkg, z, NEIGHBOURS, "pca")
        badge = typicality_text(step.percentile, float(step.ranking.scores[0]), int(step.ranking.indices[0]))
        with col, st.container(key=f"explore.pin.{i}", border=True):
            st.image(upscale(step.garment, SCALE), caption=p["label"], output_format="PNG", width="stretch")
            looks = looks_like_text(step.probs, pkg.class_names)
            if looks:
                st.markdown(f"**Looks like** {md(looks)}")
            st.badge(badge.label, icon=badge.icon, color=badge.color)
            if expert:
                st.caption(badge.expert)
            tiles = [
                Tile(img, f"#{int(idx)} {pkg.class_names[int(lab)]}", str(int(idx)))
                for img, idx, lab in zip(thumbnails(step.ranking.indices), step.ranking.indices, step.ranking.labels)
            ]
            st.caption("Likeliest catalogue pieces")
            gallery(tiles, columns=2, key=f"explore.pin.{i}.neighbours")
            st.code(f"z = {format_z(step.z)}", language=None, wrap_lines=True)
            b1, b2 = st.columns(2)
            b1.button(
                "Open",
                key=f"explore.pin.{i}.open",
                icon=":material/input:",
                on_click=on_open,
                args=(p["z"], p["label"]),
            )
            b2.button("Unpin", key=f"explore.pin.{i}.unpin", icon=":material/close:", on_click=unpin, args=(i,))
