"""Choosing a garment for a slot (A, B or C) of the Interpolate page.

A slot's garment comes from a training index (typed, or clicked on the latent map), a random
item of a class, an uploaded picture (through :func:`ui.upload.upload_garment`), or a latent
code another page sent with ``ui.state.use_as``. Widget state lives under ``interp.<slot>.*``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from ui.common.figures import selected_indices
from ui.common.loader import item_images
from ui.common.state import Garment, take_ab_request
from ui.common.text import md
from ui.common.upload import picture, upload_garment
from ui.interpolate.link import round_code
from ui.interpolate.state import K_IMAGES_NOTICE_SHOWN, K_MAP, K_MAP_TARGET, K_RNG, slot_key
from vae_core import InputError, ModelPackage
from vae_core.images import upscale
from vae_core.latent.interpolation import check_index

SOURCES = {
    "index": "Training index",
    "random": "Random of class",
    "upload": "Upload",
    "sent": "Code (sent or linked)",
}


@dataclass(frozen=True)
class Choice:
    """A chosen garment: its code ``z`` (d,), training ``index`` (None for uploads and sent codes),
    a ``label`` for captions, its ``picture`` (28, 28) and ``label_id`` (its class, or None)."""

    z: np.ndarray
    index: int | None
    label: str
    picture: np.ndarray
    label_id: int | None


def set_index(slot: str, index: int) -> None:
    """Make ``slot`` the training item ``index`` (before its widgets are drawn, or in a callback)."""
    st.session_state[slot_key(slot, "source")] = "index"
    st.session_state[slot_key(slot, "index")] = int(index)


def apply_requests(pkg: ModelPackage) -> list[str]:
    """Take the pending "use as A/B" requests of other pages; return what was applied, for a toast."""
    applied = []
    for slot in ("A", "B"):
        g = take_ab_request(slot)
        if g is None:
            continue
        if g.index is not None and 0 <= int(g.index) < len(pkg):
            set_index(slot, int(g.index))
            applied.append(f"{slot} is now #{int(g.index)}")
        else:
            st.session_state[slot_key(slot, "sent")] = g
            st.session_state[slot_key(slot, "source")] = "sent"
            applied.append(f"{slot} is now {g.label or 'a garment from another page'}")
    return applied


def on_map_select() -> None:
    """Callback of the map: a clicked training item becomes the slot chosen above the map."""
    picked = selected_indices(st.session_state.get(K_MAP))
    if picked:
        set_index(st.session_state.get(K_MAP_TARGET) or "A", picked[0])


def start_run() -> None:
    """Call once at the top of the page: the next :func:`thumbnails` call may show the loader's
    notice about missing training images; later calls in the same run stay quiet."""
    st.session_state[K_IMAGES_NOTICE_SHOWN] = False


def thumbnails(pkg: ModelPackage, indices: np.ndarray | list[int]) -> np.ndarray:
    """(k, 28, 28) uint8 pictures of training items (``ui.common.loader.item_images``), with the loader's
    "images unavailable" notice shown at most once per run instead of once per call."""
    first = not st.session_state.get(K_IMAGES_NOTICE_SHOWN, False)
    st.session_state[K_IMAGES_NOTICE_SHOWN] = True
    return item_images(pkg, indices, notify=first)


def _rng() -> np.random.Generator:
    if K_RNG not in st.session_state:
        st.session_state[K_RNG] = np.random.default_rng()
    return st.session_state[K_RNG]


def _describe(pkg: ModelPackage, index: int) -> Choice:
    label_id = int(pkg.labels[index])
    return Choice(
        z=np.asarray(pkg.mu[index], dtype=np.float64),
        index=index,
        label=f"#{index} {pkg.class_names[label_id]}",
        picture=thumbnails(pkg, [index])[0],
        label_id=label_id,
    )


def _pick_index(pkg: ModelPackage, slot: str, default_index: int) -> Choice | None:
    st.session_state.setdefault(slot_key(slot, "index"), int(default_index))
    raw = st.number_input(
        f"Training index of {slot}",
        step=1,
        key=slot_key(slot, "index"),
        help=f"0 to {len(pkg) - 1:,}; or click a point on the latent map below.",
    )
    try:
        return _describe(pkg, check_index(raw, len(pkg)))
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        return None


def _pick_random(pkg: ModelPackage, slot: str, default_index: int) -> Choice | None:
    st.session_state.setdefault(slot_key(slot, "class"), int(pkg.labels[default_index]))
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    cls = c1.selectbox(
        f"Class of {slot}",
        range(len(pkg.class_names)),
        format_func=lambda c: pkg.class_names[c],
        key=slot_key(slot, "class"),
    )
    redraw = c2.button("Draw another", key=slot_key(slot, "redraw"), icon=":material/casino:")
    members = np.flatnonzero(np.asarray(pkg.labels) == cls)
    if len(members) == 0:
        st.warning(f"There are no training items of class {md(pkg.class_names[cls])}.")
        return None
    drawn = st.session_state.get(slot_key(slot, "drawn"))
    if redraw or drawn is None or drawn[0] != cls:
        drawn = (cls, int(_rng().choice(members)))
        st.session_state[slot_key(slot, "drawn")] = drawn
    return _describe(pkg, drawn[1])


def _pick_upload(pkg: ModelPackage, slot: str) -> Choice | None:
    """The uploaded garment; its code is rounded to three decimals, as a link carries it. The
    upload is kept (``interp.<slot>.kept``) when the user comes back from another page with the
    uploader empty, until another file replaces it or the user removes the file."""
    ss = st.session_state
    label = f"Upload a garment as {slot} (PNG or JPEG)"
    key = slot_key(slot, "upload")
    prepared = upload_garment(key, label=label, size=pkg.image_size, channels=pkg.channels)
    has_file = ss.get(f"{key}.file") is not None
    if not has_file and ss.get(slot_key(slot, "upload_live")):  # the user removed the file
        ss.pop(slot_key(slot, "kept"), None)
    ss[slot_key(slot, "upload_live")] = has_file
    if prepared is None:
        kept = None if has_file else ss.get(slot_key(slot, "kept"))
        if kept is None or kept[1] is not pkg:
            if not has_file:
                st.info(f"Upload a picture to use it as {slot}.", icon=":material/upload:")
            return None
        st.caption("Your upload, kept from before you left the page; upload another file to replace it.")
        return kept[0]
    memo = ss.get(slot_key(slot, "upload_z"))
    if memo is None or memo[0] is not prepared or memo[1] is not pkg:  # encode each upload once
        code = pkg.encode(prepared.image[None])[0][0]  # a batch of one
        memo = (prepared, pkg, np.asarray(round_code(code), np.float64))
        ss[slot_key(slot, "upload_z")] = memo
    choice = Choice(memo[2], None, "your upload", picture(prepared.image), None)
    ss[slot_key(slot, "kept")] = (choice, pkg)
    st.caption("A link cannot carry your picture: it carries its code (three decimals), decoded.")
    return choice


def _pick_sent(pkg: ModelPackage, sent: Garment) -> Choice | None:
    try:
        z = pkg.check_z(sent.z)
    except InputError as exc:
        st.error(f"The garment sent from another page does not fit this model: {md(exc, 300)}")
        return None
    label = f"#{sent.index} (sent)" if sent.index is not None else sent.label or "sent from another page"
    z = np.asarray(round_code(z), np.float64)  # as a link carries it
    return Choice(z, None, label, pkg.decode(z), None)


def garment_picker(pkg: ModelPackage, slot: str, default_index: int, title: str) -> Choice | None:
    """Draw the controls of one slot and its chosen garment; return it, or None with a notice."""
    st.markdown(f"**{title}**")
    sent = st.session_state.get(slot_key(slot, "sent"))
    options = [s for s in SOURCES if s != "sent" or sent is not None]
    if st.session_state.get(slot_key(slot, "source")) not in options:
        st.session_state[slot_key(slot, "source")] = "index"
    source = st.radio(
        f"Source of {slot}",
        options,
        format_func=SOURCES.get,
        horizontal=True,
        key=slot_key(slot, "source"),
        label_visibility="collapsed",
    )
    if source != "upload":
        st.session_state[slot_key(slot, "upload_live")] = False
    if source == "index":
        choice = _pick_index(pkg, slot, default_index)
    elif source == "random":
        choice = _pick_random(pkg, slot, default_index)
    elif source == "upload":
        choice = _pick_upload(pkg, slot)
    else:
        choice = _pick_sent(pkg, sent)
    if choice is not None:
        _show(pkg, choice)
    return choice


def _show(pkg: ModelPackage, choice: Choice) -> None:
    """The garment as given and as the model decodes its code, side by side."""
    with st.container(horizontal=True, gap="small"):  # (columns would stack full-width on a phone)
        st.image(upscale(choice.picture, 3), caption="given", width=96)
        st.image(upscale(pkg.decode(choice.z), 3), caption="decoded", width=96)
        c3 = st.container(width="stretch")
    c3.markdown(md(choice.label))
    if choice.label_id is None:
        best = pkg.rank(choice.z, 1)
        c3.caption(
            f"Nearest training garment: #{int(best.indices[0])} "
            f"{md(pkg.class_names[int(best.labels[0])])} (log q {float(best.scores[0]):.1f})"
        )
