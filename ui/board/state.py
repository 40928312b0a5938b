"""The Board page's session keys and the few rules about them (no streamlit here).

A session remembers the boards it has made or opened (``board._mine``, newest first) and the one
that Explore's Save adds to (``board._current``): the last made or opened. Nothing else leads to a
board: the database cannot be listed, so a board's link is the only way back to it tomorrow.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlencode, urljoin

PAGE = "pages/board.py"
QUERY_KEY = "board"  # ?board=TOKEN
PAGE_SIZE = 24  # items drawn at once
MAX_MINE = 20

K_CURRENT = "board._current"  # {"token", "name"}: where Save adds
K_MINE = "board._mine"  # [{"token", "name"}]: boards made or opened in this session
K_SAVED = "board._saved"  # the last save's result, shown in Explore's Save popover
K_UNDO = "board._undo"  # (token, Item): the last deleted item, for Undo
K_NOTICE = "board._notice"  # a message for the next run: (kind, text)


def remember(state: MutableMapping[str, Any], token: str, name: str) -> None:
    """The session made or opened board ``token``: Save adds to it from now on."""
    entry = {"token": token, "name": name}
    state[K_CURRENT] = entry
    mine = [b for b in state.get(K_MINE, []) if b["token"] != token]
    state[K_MINE] = [entry, *mine][:MAX_MINE]


def forget(state: MutableMapping[str, Any], token: str) -> None:
    """Board ``token`` is gone (deleted, or its link no longer works)."""
    state[K_MINE] = [b for b in state.get(K_MINE, []) if b["token"] != token]
    if (state.get(K_CURRENT) or {}).get("token") == token:
        state.pop(K_CURRENT, None)


def board_link(page_url: str, token: str) -> str:
    """The absolute link of board ``token``, given the URL of any page of the app (``st.context.url``)."""
    base = page_url.split("?", 1)[0].split("#", 1)[0]
    return urljoin(base, "board") + "?" + urlencode({QUERY_KEY: token})
