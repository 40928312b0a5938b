"""Streamlit pieces of the Board page: opening a board from its link, its header (name, link,
exports, import, delete) and its items as garment tiles (name, note, lineage, open in Explore,
move, delete with undo).

Each item is drawn with its own package (its z means nothing in another latent space): the
packages this server has are matched by content fingerprint (``store.identity``); an item whose
package is gone is shown without a picture and says so. Every failure (a malformed or unknown
link, an unreachable database, a refused import) is a notice, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from store import BadToken, Board, BoardNotFound, Item, PackageIdentity, StoreError
from ui.board import archive, lineage
from ui.board.archive import Picture
from ui.board.state import (
    K_MINE,
    K_NOTICE,
    K_UNDO,
    PAGE_SIZE,
    QUERY_KEY,
    board_link,
    forget,
    remember,
)
from ui.common import picker
from ui.common.loader import get_store, package_at, package_path
from ui.common.state import EXPLORE_PAGE, open_in_explore
from ui.common.text import md
from vae_core import LatentAtelierError
from vae_core.images import data_uri, to_uint8
from vae_core.package.registry import PackageInfo, list_packages

K = "board."  # widget keys
K_SWITCH = "board._switch"  # a package to switch to, set by a tile's callback, acted on by the page
TILE_SCALE = 6  # 28 px -> 168 px, about a tile's width in four columns
COLUMNS = 4


# ------------------------------------------------------------------------------ packages
@st.cache_data(ttl=10, show_spinner=False)
def _available(current: str) -> list[PackageInfo]:
    return [p for p in list_packages(extra=[Path(current)]) if p.usable]


def find_package(identity: PackageIdentity) -> PackageInfo | None:
    """The package on this server that ``identity`` names (same name and content; None: not
    here): the picker's packages and the one the app serves now."""
    return next((info for info in _available(str(package_path())) if info.identity.matches(identity)), None)


def latent_dim_of(identity: PackageIdentity) -> int | None:
    info = find_package(identity)
    if info is None:
        return None
    try:
        return package_at(str(info.path)).latent_dim
    except LatentAtelierError:
        return None


def pictures(items: list[Item]) -> list[Picture]:
    """Each item with its garment decoded by its own package (one batch per package; None where
    the package is missing or cannot be loaded)."""
    images: dict[int, np.ndarray | None] = {}
    groups: dict[str, list[Item]] = {}
    for it in items:
        info = find_package(it.package)
        if info is None:
            images[it.id] = None
        else:
            groups.setdefault(str(info.path), []).append(it)
    for path, group in groups.items():
        try:
            pkg = package_at(path)
            decoded = to_uint8(pkg.decode(np.asarray([it.z for it in group], dtype=np.float64)))
        except LatentAtelierError:
            decoded = [None] * len(group)
        images.update({it.id: img for it, img in zip(group, decoded)})
    return [Picture(it, images[it.id]) for it in items]


# ------------------------------------------------------------------------------ opening
def token_from_link() -> str | None:
    """The ``?board=`` of the address bar (None when there is none)."""
    value = st.query_params.get(QUERY_KEY)
    return value if value else None


def open_board(token: str) -> Board:
    """The board of ``token``; on failure a notice (no traceback, the token never echoed) and stop."""
    try:
        board = get_store().boards.open(token)
    except BadToken as exc:
        _stop("warning", str(exc))
    except BoardNotFound as exc:
        forget(st.session_state, token)
        _stop("warning", str(exc))
    except StoreError as exc:
        _stop("error", str(exc))
    remember(st.session_state, board.token, board.name)
    return board


def _stop(kind: str, message: str) -> None:
    show = st.warning if kind == "warning" else st.error
    show(md(message, 600), icon=":material/link_off:" if kind == "warning" else ":material/error:")
    st.page_link("pages/board.py", label="Make or import a board", icon=":material/dashboard:")
    st.stop()


def render_notices() -> None:
    """What the last action said (an import's result, a refused change), once."""
    notice = st.session_state.pop(K_NOTICE, None)
    if notice is not None:
        kind, text = notice
        {"ok": st.success, "warning": st.warning, "error": st.error}[kind](md(text, 800))


# ------------------------------------------------------------------------------ no board in the link
def _create() -> None:
    ss = st.session_state
    try:
        board = get_store().boards.create(ss.get(f"{K}new_name", "").strip() or "My board")
    except StoreError as exc:
        ss[K_NOTICE] = ("error", str(exc))
        return
    remember(ss, board.token, board.name)
    st.query_params[QUERY_KEY] = board.token


def render_start() -> None:
    """The page without ``?board=``: what a board is, this session's boards, make or import one."""
    st.caption(
        "A board keeps the garments you save from Explore (**Save** in its toolbar): a name, a note, "
        "the garment's code and where it came from. Each board has its own secret link; nobody can "
        "find a board without it, so keep the link to come back tomorrow."
    )
    mine = st.session_state.get(K_MINE, [])
    if mine:
        st.subheader("Your boards in this session")
        for b in mine:
            st.page_link(
                "pages/board.py",
                label=md(b["name"], 80),
                icon=":material/dashboard:",
                query_params={QUERY_KEY: b["token"]},
            )
    c1, c2 = st.columns(2, gap="large")
    with c1:
        st.subheader("New board")
        st.text_input("Name", key=f"{K}new_name", placeholder="My board", max_chars=200)
        st.button("Create board", key=f"{K}create", icon=":material/add:", on_click=_create)
    with c2:
        st.subheader("Import a board")
        _render_import(None)


# ------------------------------------------------------------------------------ header
def _rename(token: str) -> None:
    try:
        board = get_store().boards.rename(token, st.session_state[f"{K}name"])
        remember(st.session_state, board.token, board.name)
    except StoreError as exc:
        st.session_state[K_NOTICE] = ("error", str(exc))


def _delete_board(token: str) -> None:
    try:
        get_store().boards.delete(token)
    except StoreError as exc:
        st.session_state[K_NOTICE] = ("error", str(exc))
        return
    forget(st.session_state, token)
    st.session_state[K_NOTICE] = ("ok", "The board was deleted.")
    st.query_params.pop(QUERY_KEY, None)


def render_header(board: Board, pics: list[Picture]) -> None:
    """The board's name (editable), link, counts, exports, import and deletion."""
    ss = st.session_state
    if ss.get(f"{K}_shown") != board.token:  # a newly opened board: its widgets start from the database
        ss[f"{K}name"] = board.name
        ss[f"{K}_shown"] = board.token
    st.text_input("Board name", key=f"{K}name", on_change=_rename, args=(board.token,), max_chars=200)
    n, missing = len(pics), sorted({p.item.package.name for p in pics if p.image is None})
    when = f"made {board.created:%d %b %Y} · changed {board.updated:%d %b %Y, %H:%M} UTC"
    st.caption(f"{n} garment{'s' if n != 1 else ''} · {when}")
    st.code(board_link(st.context.url or "", board.token), language=None, wrap_lines=True)
    st.caption("The board's link: anyone who has it can see and change this board, and nobody can find it without it.")
    if missing:
        st.warning(
            f"Some garments were made with packages that are not on this server ({md(', '.join(missing), 200)}): "
            "they are shown without a picture and cannot be opened, but their codes and lineage are kept "
            "(and exported).",
            icon=":material/inventory_2:",
        )
    with st.container(horizontal=True, key=f"{K}exports"):
        st.download_button(
            "Contact sheet (PNG)",
            lambda: archive.contact_sheet(board.name, pics),
            file_name=f"{archive.slug(board.name)}-contact-sheet.png",
            mime="image/png",
            icon=":material/download:",
            on_click="ignore",
            key=f"{K}sheet",
            disabled=n == 0,
        )
        st.download_button(
            "Board ZIP",
            lambda: archive.board_zip(board.name, pics),
            file_name=f"{archive.slug(board.name)}.zip",
            mime="application/zip",
            icon=":material/folder_zip:",
            on_click="ignore",
            key=f"{K}zip",
            disabled=n == 0,
            help="Every garment as a PNG, with its z, package and lineage in manifest.json: import it on any server.",
        )
    with st.expander("Add garments from a board ZIP", icon=":material/upload:"):
        _render_import(board)
    with st.expander("Delete this board", icon=":material/delete_forever:"):
        sure = st.checkbox(
            f"Yes, delete this board and its {n} garment{'s' if n != 1 else ''} for good", key=f"{K}sure"
        )
        st.button(
            "Delete board",
            key=f"{K}delete",
            type="primary",
            disabled=not sure,
            on_click=_delete_board,
            args=(board.token,),
        )


# ------------------------------------------------------------------------------ import
def _import(board: Board | None) -> None:
    ss = st.session_state
    upload = ss.get(f"{K}import.file")
    if upload is None:
        return
    try:
        imported = archive.read_board_zip(upload.getvalue(), latent_dim_of)
        store = get_store()
        target = board or store.boards.create(imported.name)
        store.boards.add_items(target.token, imported.drafts)
    except (LatentAtelierError, StoreError) as exc:
        ss[K_NOTICE] = ("error", str(exc))
        return
    n = len(imported.drafts)
    text = f"Imported {n} garment{'s' if n != 1 else ''} into {target.name}."
    if imported.missing_packages:
        names = ", ".join(imported.missing_packages)
        text += f" Packages not on this server: {names} (their garments are kept, without a picture)."
    ss[K_NOTICE] = ("ok", text)
    ss[f"{K}import.n"] = ss.get(f"{K}import.n", 0) + 1  # a fresh uploader
    ss.pop(f"{K}import.file", None)
    remember(ss, target.token, target.name)
    if board is None:
        st.query_params[QUERY_KEY] = target.token


def _render_import(board: Board | None) -> None:
    ss = st.session_state
    # the uploader's key changes after each import, so the file it held is not imported twice
    upload = st.file_uploader(
        "A board ZIP exported by Latent Atelier",
        type=["zip"],
        key=f"{K}import.{ss.get(f'{K}import.n', 0)}",
        max_upload_size=archive.MAX_ZIP_BYTES // 2**20,
    )
    ss[f"{K}import.file"] = upload
    label = "Import as a new board" if board is None else "Add to this board"
    st.button(
        label, key=f"{K}import.go", icon=":material/upload:", disabled=upload is None, on_click=_import, args=(board,)
    )


# ------------------------------------------------------------------------------ items
def _update(token: str, item_id: int, field: str) -> None:
    ss = st.session_state
    try:
        get_store().boards.update_item(token, item_id, **{field: ss[f"{K}item.{item_id}.{field}"]})
    except StoreError as exc:
        ss[K_NOTICE] = ("error", str(exc))


def _move(token: str, item_id: int, offset: int) -> None:
    try:
        get_store().boards.move_item(token, item_id, offset)
    except StoreError as exc:
        st.session_state[K_NOTICE] = ("error", str(exc))


def _delete(token: str, item_id: int) -> None:
    try:
        st.session_state[K_UNDO] = (token, get_store().boards.delete_item(token, item_id))
    except StoreError as exc:
        st.session_state[K_NOTICE] = ("error", str(exc))


def _undo(token: str) -> None:
    ss = st.session_state
    _, item = ss.pop(K_UNDO)
    try:
        get_store().boards.restore_item(token, item)
    except StoreError as exc:
        ss[K_NOTICE] = ("error", str(exc))


def _open(item: Item, info: PackageInfo, board: Board, switch: bool) -> None:
    """Queue the item for Explore (and, for another package, choose that package); the page
    then switches (switching is not allowed inside a callback)."""
    before = {"origin": {k: v for k, v in (item.lineage.get("origin") or {}).items() if k != "before"}}
    before["edits_total"] = item.lineage.get("edits_total", 0)
    origin = lineage.origin("board", item.z, f"{item.name} on the board {board.name}", item=item.name, before=before)
    label = f"“{item.name}” from the board"
    open_in_explore(np.asarray(item.z), label=label, switch=False, origin=origin, package=item.package)
    if switch:
        st.session_state[picker.WIDGET_KEY] = info.name  # the sidebar's picker follows
    st.session_state[K_SWITCH] = {picker.QUERY_KEY: info.name} if switch else picker.keep_package({})


def follow_switch() -> None:
    """Go to Explore when a tile asked to (call it before drawing the page)."""
    query = st.session_state.pop(K_SWITCH, None)
    if query is not None:
        st.switch_page(EXPLORE_PAGE, query_params=query)


def render_undo(board: Board) -> None:
    undo = st.session_state.get(K_UNDO)
    if undo is None or undo[0] != board.token:
        return
    with st.container(horizontal=True, vertical_alignment="center", key=f"{K}undo_bar"):
        st.info(f"Deleted **{md(undo[1].name, 80)}**.", icon=":material/delete:")
        st.button("Undo", key=f"{K}undo", icon=":material/undo:", on_click=_undo, args=(board.token,))


def _tile(board: Board, pic: Picture, first: bool, last: bool, current: PackageIdentity) -> None:
    item, ss = pic.item, st.session_state
    key = f"{K}item.{item.id}"
    for field in ("name", "note"):  # start from the database the first time the tile is drawn
        ss.setdefault(f"{key}.{field}", getattr(item, field))
    info = find_package(item.package)
    with st.container(border=True, key=key):
        if pic.image is not None:
            # inline and at its own size: the page CSS scales garments without blur
            st.image(data_uri(pic.image), width=pic.image.shape[1] * TILE_SCALE)
        else:
            st.warning(
                f"Package **{md(item.package.name, 60)}** is not on this server: this garment cannot be drawn.",
                icon=":material/hide_image:",
            )
        st.text_input("Name", key=f"{key}.name", on_change=_update, args=(board.token, item.id, "name"), max_chars=200)
        st.text_area(
            "Note", key=f"{key}.note", on_change=_update, args=(board.token, item.id, "note"), height=68, max_chars=5000
        )
        other = info is not None and not item.package.matches(current)
        st.caption(
            f"{md(lineage.describe(item.lineage), 200)}  \nPackage {md(item.package.name, 60)}"
            + (" (not the one shown now)" if other else "")
        )
        with st.container(horizontal=True, gap="small"):
            if info is not None:
                st.button(
                    f"Switch to {md(info.name, 30)} and open" if other else "Open in Explore",
                    key=f"{key}.open",
                    icon=":material/tune:",
                    on_click=_open,
                    args=(item, info, board, other),
                    help="This garment was made with another package: open it there." if other else None,
                )
            st.button("", key=f"{key}.left", icon=":material/arrow_back:", disabled=first, help="Move earlier",
                      on_click=_move, args=(board.token, item.id, -1))  # fmt: skip
            st.button("", key=f"{key}.right", icon=":material/arrow_forward:", disabled=last, help="Move later",
                      on_click=_move, args=(board.token, item.id, 1))  # fmt: skip
            st.button("", key=f"{key}.delete", icon=":material/delete:", help="Delete (you can undo)",
                      on_click=_delete, args=(board.token, item.id))  # fmt: skip


def render_items(board: Board, pics: list[Picture]) -> None:
    """The items as tiles, PAGE_SIZE at a time."""
    if not pics:
        st.info("No garments yet: on **Explore**, press **Save** to put one here.", icon=":material/bookmark_add:")
        return
    pages = -(-len(pics) // PAGE_SIZE)
    page = 1
    if pages > 1:
        page = int(st.number_input(f"Page (of {pages})", 1, pages, 1, key=f"{K}page", width=160))
    start = (page - 1) * PAGE_SIZE
    current = package_path().identity
    shown = pics[start : start + PAGE_SIZE]
    for row in range(0, len(shown), COLUMNS):
        for col, (n, pic) in zip(st.columns(COLUMNS), enumerate(shown[row : row + COLUMNS], start=start + row)):
            with col:
                _tile(board, pic, n == 0, n == len(pics) - 1, current)
