"""The one gallery renderer: a grid of garment thumbnails with captions and an action button.

The grid is a single element (a Streamlit v2 custom component: inline HTML, CSS and JavaScript,
no iframe), not a grid of ``st.columns`` with an ``st.image`` and an ``st.button`` per tile. A
slider step on the Explore page redraws the twelve neighbours; as 12 images, 12 buttons and 14
layout blocks that was 38 page updates and 28 ms of the step, as one element it is one update.
Thumbnails travel inside that update as native 28 x 28 PNG ``data:`` URIs (a few hundred bytes
each, no request back to the server per image) and the browser scales them up pixel-sharp.

Pressing a tile's button sends its key back as a one-rerun trigger value; :func:`gallery`
returns it on that rerun.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from vae_core.images import data_uri

# The tile markup is built with textContent (captions are never parsed as HTML). A rerun that
# brings the same tiles changes nothing on the page, and one that brings new ones rewrites only
# the tiles that differ (while a slider moves most neighbours stay): no new nodes to style, lay
# out and decode for the rest.
_JS = """
function newTile(grid, action) {
  const cell = document.createElement("figure");
  cell.className = "la-tile";
  const img = document.createElement("img");
  cell.appendChild(img);
  const caption = document.createElement("figcaption");
  caption.className = "la-caption";
  cell.appendChild(caption);
  if (action) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "la-action";
    button.addEventListener("click", () => grid.laPress(cell.dataset.key));
    cell.appendChild(button);
  }
  return cell;
}

function fillTile(cell, tile, data, sig) {
  const img = cell.querySelector("img");
  const name = tile.caption.split("\\n")[0];
  if (img.getAttribute("src") !== tile.src) img.src = tile.src;
  img.alt = name;
  cell.dataset.key = tile.key;
  const caption = cell.querySelector(".la-caption");
  caption.replaceChildren(...tile.caption.split("\\n").map((line) => {
    const row = document.createElement("span");
    row.textContent = line;
    return row;
  }));
  const button = cell.querySelector(".la-action");
  if (button) {
    button.textContent = data.action;
    button.title = data.help || `${data.action} ${name}`;
    button.setAttribute("aria-label", `${data.action} ${name}`);
  }
  cell.laTile = sig;
}

export default function ({ data, parentElement, setTriggerValue }) {
  let grid = parentElement.querySelector(".la-gallery");
  if (!grid) {
    grid = document.createElement("div");
    grid.className = "la-gallery";
    parentElement.appendChild(grid);
  }
  grid.laPress = (key) => setTriggerValue("action", key);
  const action = data.action || "";
  if (grid.dataset.action !== action) { grid.replaceChildren(); grid.dataset.action = action; }
  grid.style.setProperty("--la-columns", String(data.columns));
  data.tiles.forEach((tile, i) => {
    let cell = grid.children[i];
    if (!cell) { cell = newTile(grid, data.action); grid.appendChild(cell); }
    const sig = `${tile.key}\\u0000${tile.src}\\u0000${tile.caption}\\u0000${data.action}\\u0000${data.help}`;
    if (cell.laTile !== sig) fillTile(cell, tile, data, sig);
  });
  while (grid.children.length > data.tiles.length) grid.lastElementChild.remove();
}
"""

_CSS = """
.la-gallery {
  display: grid;
  grid-template-columns: repeat(var(--la-columns, 6), minmax(0, 1fr));
  gap: 1rem;
  font-family: var(--st-font, "Source Sans Pro", sans-serif);
}
.la-tile { margin: 0; display: flex; flex-direction: column; gap: 0.25rem; min-width: 0; }
.la-tile img {
  width: 100%; aspect-ratio: 1; image-rendering: pixelated; display: block;
  border-radius: 0.25rem; background: #000;
}
.la-caption {
  display: flex; flex-direction: column; align-items: center; min-height: 2.6em;
  font-size: 0.875rem; line-height: 1.3; color: var(--st-text-color, #31333f); opacity: 0.65;
  text-align: center; overflow-wrap: anywhere;
}
.la-action {
  font: inherit; font-size: 0.95rem; width: 100%; min-height: 2.25rem; cursor: pointer;
  color: var(--st-text-color, #31333f); background: var(--st-background-color, #fff);
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2)); border-radius: var(--st-button-radius, 0.5rem);
}
.la-action:hover { border-color: var(--st-primary-color, #ff4b4b); color: var(--st-primary-color, #ff4b4b); }
.la-action:focus-visible { outline: 2px solid var(--st-primary-color, #ff4b4b); outline-offset: 1px; }
"""

_COMPONENT = st.components.v2.component("latent_atelier.gallery", js=_JS, css=_CSS)


@dataclass(frozen=True)
class Tile:
    """One gallery tile: a (28, 28) ``image`` and its ``caption``; ``key`` identifies it."""

    image: np.ndarray
    caption: str
    key: str


@functools.lru_cache(maxsize=4096)
def _png_uri(raw: bytes, shape: tuple[int, ...], dtype: str) -> str:
    return data_uri(np.frombuffer(raw, dtype=dtype).reshape(shape))


def tile_uri(image: np.ndarray) -> str:
    """The tile's PNG as a data: URI, encoded once per distinct image (the same neighbours come
    back step after step while a slider moves: a lookup instead of a PNG encode)."""
    image = np.ascontiguousarray(image)
    return _png_uri(image.tobytes(), image.shape, image.dtype.str)


def gallery_data(tiles: Sequence[Tile], columns: int, action: str | None, help: str | None) -> dict[str, Any]:
    """The JSON the grid is drawn from: one ``{src, caption, key}`` per tile (captions are plain
    text; a newline starts a second line)."""
    return {
        "tiles": [
            {"src": tile_uri(t.image), "caption": t.caption.replace("  \n", "\n"), "key": str(t.key)} for t in tiles
        ],
        "columns": int(columns),
        "action": action,
        "help": help,
    }


def _ignore() -> None:
    """The trigger's callback: the press is read from the return value instead."""


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
        Widget key; must be unique on the page (its CSS class is ``st-key-<key>``).
    help
        Tooltip of the action buttons.
    """
    result = _COMPONENT(key=key, data=gallery_data(tiles, columns, action, help), on_action_change=_ignore)
    clicked = getattr(result, "action", None)
    return None if clicked is None else str(clicked)
