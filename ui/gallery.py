"""The one gallery renderer: a grid of garment thumbnails with captions and an action button."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

from vae_core.images import upscale


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
    scale: int = 4,
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
    scale
        Upscaling factor of the 28x28 thumbnails (pixel repetition, no blur).
    """
    clicked: str | None = None
    for row_start in range(0, len(tiles), columns):
        cols = st.columns(columns)
        for col, tile in zip(cols, tiles[row_start : row_start + columns]):
            with col:
                st.image(upscale(tile.image, scale), caption=tile.caption, width="stretch")
                if action and st.button(action, key=f"{key}.{tile.key}", help=help, width="stretch"):
                    clicked = tile.key
    return clicked
