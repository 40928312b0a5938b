"""The one gallery renderer: a grid of garment thumbnails with captions and an action button.

Thumbnails travel inside the page update as native 28 x 28 PNG ``data:`` URIs (a few hundred
bytes each, no request back to the server per image) and the browser scales them up pixel-sharp
(``image-rendering: pixelated``, set once for the app in :mod:`ui.shell`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

from vae_core.images import data_uri


@dataclass(frozen=True)
class Tile:
    """One gallery tile: a (28, 28) ``image`` and its ``caption``; ``key`` identifies it."""

    image: np.ndarray
    caption: str
    key: str


def gallery(
    tiles: Sequence[Tile],
    columns: int = 6,
    action: str | None = None,
    key: str = "gallery",
    help: str | None = None,
) -> str | None:
    """Draw tiles in a grid; return the ``key`` of the tile whose action button was pressed.

    Parameters
    ----------
    tiles
        What to show, in order.
    columns
        Tiles per row.
    action
        Label of a small button under each tile (e.g. "use"); None for no buttons.
    key
        Widget-key prefix; must be unique on the page.
    help
        Tooltip of the action buttons.
    """
    clicked: str | None = None
    for row_start in range(0, len(tiles), columns):
        cols = st.columns(columns)
        for col, tile in zip(cols, tiles[row_start : row_start + columns]):
            with col:
                st.image(data_uri(tile.image), caption=tile.caption, width="stretch")
                if action and st.button(action, key=f"{key}.{tile.key}", help=help, width="stretch"):
                    clicked = tile.key
    return clicked
