"""A layer over a big Plotly map that shows garments: a thumbnail of the garment under the
pointer (as the Embedding Projector does), and, on a PCA map, a click on empty ground that asks
for the garment at that point.

Plotly's hover can show text only, so a small element (no iframe) finds the chart by its key,
listens to its ``plotly_hover`` events and draws the thumbnail in a box that follows the pointer.
Thumbnails come from the package's catalogue (its images, else the decoded means) on demand,
never all at once: a hover on a garment the browser has no picture of asks the server
(:func:`map_layer`'s fragment reruns, alone) for a sheet of that garment and the
:data:`BATCH` - 1 garments nearest to it on the map, so moving on to a neighbour shows at once.
The browser keeps every sheet for the page's life.

A click on the plot area where no garment is (the map's empty ground) reports the point in map
coordinates; the page turns it into a garment (on a PCA map: its two components set, the others
kept from the current z, :meth:`vae_core.latent.projection.PCA.with_coordinates`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from ui.common.loader import item_images
from vae_core import ModelPackage
from vae_core.images import data_uri, grid

BATCH = 64  # garments per sheet: the hovered one and its nearest neighbours on the map
COLUMNS = 8

_JS = r"""
const layers = (window.__laMapLayers = window.__laMapLayers || {}); // key -> layer state
const ASK_MS = 120; // the pointer rests this long on a garment before its picture is asked for

function tipBox() {
  let tip = document.querySelector("body > .la-hover");
  if (!tip) {
    tip = document.createElement("div");
    tip.className = "la-hover";
    tip.hidden = true;
    const canvas = document.createElement("canvas");
    const label = document.createElement("div");
    label.className = "la-hover-label";
    tip.append(canvas, label);
    document.body.appendChild(tip);
  }
  return tip;
}

function place(tip, x, y) {
  const w = 132, h = 152, gap = 18;
  let left = x - w - gap, top = y - h - gap; // above left of the pointer: Plotly's label is to its right
  if (left < 4) left = x + gap;
  if (top < 4) top = y + gap;
  tip.style.left = `${left}px`;
  tip.style.top = `${top}px`;
}

function draw(layer, index) {
  const tip = tipBox(), got = layer.thumbs.get(index);
  tip.dataset.index = String(index);
  tip.querySelector(".la-hover-label").textContent = `#${index} ${layer.names.get(index) || ""}`;
  const canvas = tip.querySelector("canvas");
  if (!got) { tip.dataset.ready = "0"; return false; }
  const [img, sx, sy, size] = got;
  canvas.width = size; canvas.height = size;
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, size, size);
  ctx.drawImage(img, sx, sy, size, size, 0, 0, size, size);
  tip.dataset.ready = "1";
  return true;
}

function learn(layer, sheet) {
  if (!sheet || layer.sheets.has(sheet.id)) return;
  layer.sheets.add(sheet.id);
  const img = new Image();
  img.onload = () => {
    const step = sheet.size + sheet.pad;
    sheet.indices.forEach((index, k) => {
      layer.thumbs.set(index, [img, (k % sheet.cols) * step, Math.floor(k / sheet.cols) * step, sheet.size]);
    });
    if (layer.hovered !== null && !tipBox().hidden) draw(layer, layer.hovered);
  };
  img.src = sheet.src;
}

function attach(layer) {
  const gd = document.querySelector(`${layer.chart} .js-plotly-plot`);
  if (!gd || !gd.on) return;
  if (gd.__laLayer === layer.key) return;
  gd.__laLayer = layer.key;
  gd.on("plotly_hover", (ev) => {
    const p = ev.points && ev.points[0];
    const custom = p && (Array.isArray(p.customdata) ? p.customdata[0] : p.customdata);
    const index = typeof custom === "number" ? custom : null; // (overlays without one: no thumbnail)
    if (index === null || !ev.event) return;
    layer.hovered = index;
    layer.names.set(index, (p.data && p.data.name) || "");
    const tip = tipBox();
    tip.hidden = false;
    place(tip, ev.event.clientX, ev.event.clientY);
    // ask for a picture once the pointer rests a moment (not on every point it crosses, nor
    // just before a click: the request reruns the layer's fragment)
    clearTimeout(layer.ask);
    if (!draw(layer, index) && layer.asked !== index) {
      layer.ask = setTimeout(() => {
        if (layer.hovered !== index || layer.pressed) return;
        layer.asked = index;
        layer.setStateValue("want", { index, n: ++layer.n });
      }, ASK_MS);
    }
  });
  gd.on("plotly_unhover", () => { clearTimeout(layer.ask); layer.hovered = null; tipBox().hidden = true; });
  // a click on the plot area where no garment is: the point, in map coordinates
  // (Plotly covers the window while a button is down, so the release is heard on the window)
  let down = null;
  gd.addEventListener("mousedown", (ev) => {
    down = [ev.clientX, ev.clientY];
    layer.pressed = true;
    clearTimeout(layer.ask);
  }, true);
  window.addEventListener("mouseup", (ev) => {
    const start = down;
    down = null;
    layer.pressed = false;
    if (!layer.click || !start || !gd.isConnected) return;
    if (Math.hypot(ev.clientX - start[0], ev.clientY - start[1]) > 4) return; // a pan, not a click
    if (gd._hoverdata && gd._hoverdata.length) return; // on a garment: Plotly's own selection
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
    const px = ev.clientX - box.left - xa._offset, py = ev.clientY - box.top - ya._offset;
    if (px < 0 || py < 0 || px > xa._length || py > ya._length) return;
    layer.setStateValue("point", { x: xa.p2l(px), y: ya.p2l(py), n: ++layer.n });
  }, true);
}

export default function ({ data, setStateValue }) {
  let layer = layers[data.key];
  if (!layer) {
    layer = layers[data.key] = {
      key: data.key, thumbs: new Map(), names: new Map(), sheets: new Set(), hovered: null, asked: null, n: 0, timer: 0,
    };
  }
  Object.assign(layer, { chart: data.chart, click: data.click, setStateValue });
  learn(layer, data.sheet);
  attach(layer);
  clearInterval(layer.timer); // the chart may be drawn after this element, or drawn anew
  layer.timer = setInterval(() => attach(layer), 700);
  return () => { clearInterval(layer.timer); tipBox().hidden = true; };
}
"""

_CSS = """
.la-hover {
  position: fixed; z-index: 1000; pointer-events: none; width: 132px; padding: 6px; box-sizing: border-box;
  background: rgba(255, 255, 255, 0.96); border: 1px solid rgba(49, 51, 63, 0.25); border-radius: 8px;
  box-shadow: 0 4px 14px rgba(0, 0, 0, 0.18); font: 12px/1.3 "Source Sans Pro", sans-serif; color: #31333f;
}
.la-hover canvas {
  display: block; width: 120px; height: 120px; image-rendering: pixelated; background: #000; border-radius: 4px;
}
.la-hover-label {
  margin-top: 4px; text-align: center; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
}
"""

_COMPONENT = st.components.v2.component("latent_atelier.map_layer", js=_JS, css=_CSS, isolate_styles=False)


@dataclass(frozen=True)
class MapPoint:
    """A click on the map's empty ground, in map coordinates."""

    x: float
    y: float


def sheet_for(
    xy: np.ndarray, index: int, pictures: Callable[[np.ndarray], np.ndarray], batch: int = BATCH
) -> dict[str, Any]:
    """The garment ``index`` and its ``batch`` - 1 nearest neighbours on the map ``xy`` (N, 2) as
    one PNG sheet (:data:`COLUMNS` to a row, 1 px apart), with their indices in sheet order;
    ``pictures(indices)`` gives the (k, h, w[, 3]) uint8 pictures of training items."""
    xy = np.asarray(xy, dtype=np.float64)
    d = np.sum((xy - xy[index]) ** 2, axis=1)
    k = min(batch, len(xy))
    near = np.argpartition(d, k - 1)[:k]
    near = near[np.argsort(d[near], kind="stable")]
    near = np.concatenate([[index], near[near != index]])[:k]
    images = pictures(near)
    sheet = grid(images, COLUMNS, pad=1, fill=0)
    return {
        "id": f"{index}-{k}",
        "src": data_uri(sheet),
        "indices": [int(i) for i in near],
        "cols": COLUMNS,
        "size": int(images.shape[2]),
        "pad": 1,
    }


def _keep(key: str, name: str) -> None:
    """State callbacks: keep the browser's new value in a plain key for this run to take."""
    state = st.session_state.get(key) or {}
    st.session_state[f"{key}._{name}"] = state.get(name) if hasattr(state, "get") else None


def map_layer(key: str, chart_key: str, pkg: ModelPackage, xy: np.ndarray, *, click: bool = False) -> None:
    """Draw the layer of the chart drawn with ``chart_key`` (whose points carry their training
    index as ``customdata``), for the map positions ``xy`` (N, 2). With ``click``, a click on
    empty ground is kept for :func:`take_point`. Call it inside a fragment: a thumbnail request
    then reruns only that fragment."""
    ss = st.session_state
    want = ss.get(f"{key}._want")
    sheet = None
    if isinstance(want, dict) and isinstance(want.get("index"), int) and 0 <= want["index"] < len(xy):
        served = ss.get(f"{key}._served")
        if served is None or served[0] != (want.get("n"), len(xy)):
            sheet = sheet_for(xy, int(want["index"]), lambda idx: item_images(pkg, idx, notify=False))
            ss[f"{key}._served"] = ((want.get("n"), len(xy)), sheet)
        else:
            sheet = served[1]
    chart = ".st-key-" + chart_key.replace(".", "-")
    _COMPONENT(
        key=key,
        data={"key": key, "chart": chart, "click": bool(click), "sheet": sheet},
        on_want_change=lambda: _keep(key, "want"),
        on_point_change=lambda: _keep(key, "point"),
    )


def take_point(key: str) -> MapPoint | None:
    """The click on empty ground the layer ``key`` reported since the last call, or None."""
    point = st.session_state.pop(f"{key}._point", None)
    if not isinstance(point, dict):
        return None
    try:
        x, y = float(point["x"]), float(point["y"])
    except (KeyError, TypeError, ValueError):
        return None
    return MapPoint(x, y) if np.isfinite(x) and np.isfinite(y) else None
