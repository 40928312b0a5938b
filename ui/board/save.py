"""Explore's Save: the popover that puts the current garment on a board.

The garment's z, its package's identity and its lineage (``ui.board.lineage``) go to the board
the session last made or opened; the first Save of a session makes a board. The popover then
shows the board's link: the only way back to it in a later session.
"""

from __future__ import annotations

import streamlit as st

from store import ItemDraft, StoreError
from ui.board import lineage
from ui.board.state import K_CURRENT, K_SAVED, PAGE, QUERY_KEY, board_link, remember
from ui.common.loader import get_store
from ui.common.text import md
from ui.explore.state import K_Z
from vae_core import ModelPackage

K = "board.save."  # widget keys of the popover


def _save(pkg: ModelPackage) -> None:
    ss = st.session_state
    z = ss[K_Z]
    record = lineage.lineage(ss, z)
    name = ss.get(f"{K}name", "").strip() or lineage.suggested_name(record)
    current = ss.get(K_CURRENT)
    try:
        store = get_store()
        if current is None or ss.get(f"{K}new"):
            board = store.boards.create(ss.get(f"{K}board", "").strip() or "My board")
            current = {"token": board.token, "name": board.name}
        item = store.boards.add_item(
            current["token"],
            ItemDraft(name, z, pkg.identity, ss.get(f"{K}note", ""), record),
        )
    except StoreError as exc:
        ss[K_SAVED] = ("error", str(exc))
        return
    remember(ss, current["token"], current["name"])
    ss[K_SAVED] = ("ok", item.name, current["token"], current["name"])
    for key in ("name", "note", "new", "board"):
        ss.pop(f"{K}{key}", None)


def save_popover(pkg: ModelPackage) -> None:
    """The Save button of Explore's toolbar and what it opens."""
    ss = st.session_state
    current = ss.get(K_CURRENT)
    help_ = "Put this garment on a board, with a name and a note."
    with st.popover("Save", icon=":material/bookmark_add:", help=help_):
        st.text_input(
            "Name",
            key=f"{K}name",
            placeholder=lineage.suggested_name(lineage.lineage(ss, ss[K_Z])),
            max_chars=200,
        )
        st.text_area("Note", key=f"{K}note", height=80, max_chars=5000, placeholder="What you like about it")
        if current is not None:
            new = st.toggle(f"Start a new board instead of {md(current['name'], 60)}", key=f"{K}new")
        else:
            new = True
        if new:
            st.text_input("New board's name", key=f"{K}board", placeholder="My board", max_chars=200)
        target = "a new board" if new else f"**{md(current['name'], 60)}**"
        st.button(
            "Save to board",
            key=f"{K}go",
            icon=":material/bookmark_add:",
            type="primary",
            on_click=_save,
            args=(pkg,),
            help="Saves the garment's z, its package and where it came from (its lineage).",
        )
        st.caption(f"Saves to {target}.")
        _render_result()


def _render_result() -> None:
    result = st.session_state.get(K_SAVED)
    if result is None:
        return
    if result[0] == "error":
        st.error(md(result[1], 600), icon=":material/error:")
        return
    _, item_name, token, board_name = result
    st.success(f"Saved **{md(item_name, 80)}** to **{md(board_name, 80)}**.", icon=":material/check_circle:")
    st.page_link(PAGE, label="Open the board", icon=":material/dashboard:", query_params={QUERY_KEY: token})
    st.caption("Keep this link: it is the only way back to the board (anyone with it can see and edit it).")
    st.code(board_link(st.context.url or "", token), language=None, wrap_lines=True)
