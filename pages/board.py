"""Board: the garments saved from Explore, behind the board's own secret link (``?board=TOKEN``).

Thin page: widgets and layout come from :mod:`ui.board.view`, storage from :mod:`store`.
Without a link it offers to make or import a board (and lists this session's boards).
"""

from __future__ import annotations

import streamlit as st

from ui.board import view as bv
from ui.common.loader import get_store
from ui.common.shell import require_shell

require_shell()
bv.follow_switch()
st.title("Board")
bv.render_notices()
token = bv.token_from_link()
if token is None:
    bv.render_start()
    st.stop()

board = bv.open_board(token)
pics = bv.pictures(get_store().boards.items(board.token))
bv.render_header(board, pics)
bv.render_undo(board)
bv.render_items(board, pics)
