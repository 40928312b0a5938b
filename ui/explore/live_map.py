"""The Explore page's live mini-map element: the map's raster with "you are here" drawn over it.

The raster travels in the element's data, which is byte-identical from step to step (Streamlit
then sends a 75-byte reference); "you are here" and the neighbours travel in a feed
(``ui.common.feed``) and the browser draws them as SVG over the picture. A step used to re-send
the whole marked raster, a 48 kB JPEG, 64 kB of the step's 95 kB of WebSocket frames.

The picture's ``data-answer`` attribute is the z last drawn for (benchmarks and tests wait on it: a
small step can leave "you are here" and the neighbours where they were).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

from ui.common.feed import feed
from ui.common.figures import HERE_COLOUR
from ui.common.minimap import Raster, marks

_JS = """
const NS = "http://www.w3.org/2000/svg";

function svgNode(name, attrs) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function draw(box) {
  const feed = (window.__latentPadFeeds || {})[box.laKey];
  if (!feed) return;
  const { w, h, colour } = box.laData;
  const [x, y] = feed.here;
  const nodes = feed.dots.map(([dx, dy]) => svgNode("circle", { cx: dx, cy: dy, r: 2.5, class: "la-minimap-dot" }));
  nodes.push(
    svgNode("line", { x1: 0, y1: y, x2: w, y2: y, class: "la-minimap-cross" }),
    svgNode("line", { x1: x, y1: 0, x2: x, y2: h, class: "la-minimap-cross" }),
    svgNode("circle", { cx: x, cy: y, r: 7.25, fill: colour, class: "la-minimap-here" }),
  );
  box.querySelector("svg").replaceChildren(...nodes);
  box.querySelector("img").dataset.answer = JSON.stringify(feed.z);
}

function legend(items) {
  const list = document.createElement("ul");
  list.className = "la-minimap-legend";
  for (const [name, colour] of items) {
    const li = document.createElement("li");
    const dot = document.createElement("span");
    dot.style.background = colour;
    li.append(dot, document.createTextNode(name));
    list.appendChild(li);
  }
  return list;
}

export default function ({ data, parentElement, setStateValue }) {
  let box = parentElement.querySelector(".la-minimap");
  if (!box) {
    box = document.createElement("div");
    box.className = "la-minimap";
    box.append(document.createElement("img"), svgNode("svg", { preserveAspectRatio: "none" }));
    parentElement.appendChild(box);
    // a click on the picture: that place of the map, in the picture's pixels
    box.querySelector("img").addEventListener("click", (ev) => {
      const img = ev.currentTarget, d = box.laData;
      box.laClicks = (box.laClicks || 0) + 1;
      const col = (ev.offsetX / img.clientWidth) * (d.w - 1), row = (ev.offsetY / img.clientHeight) * (d.h - 1);
      box.laSet("click", { col, row, n: box.laClicks });
    });
  }
  box.laSet = setStateValue;
  const legendKey = JSON.stringify(data.legend || []);
  if (box.laLegend !== legendKey) {
    box.laLegend = legendKey;
    parentElement.querySelectorAll(":scope > .la-minimap-legend").forEach((old) => old.remove());
    if (data.legend && data.legend.length) parentElement.appendChild(legend(data.legend));
  }
  const img = box.querySelector("img");
  if (img.getAttribute("src") !== data.src) img.src = data.src;
  img.alt = data.alt;
  box.querySelector("svg").setAttribute("viewBox", `0 0 ${data.w} ${data.h}`);
  box.laKey = data.key;
  box.laData = data;
  draw(box);
  // One listener per picture, however often new data calls this again (Streamlit keeps only the
  // last cleanup it is handed, and runs it when the element goes).
  if (!box.laListen) {
    box.laListen = (ev) => { if (ev.detail === box.laKey) draw(box); };
    window.addEventListener("latent-pad-feed", box.laListen);
  }
  return () => {
    window.removeEventListener("latent-pad-feed", box.laListen);
    box.laListen = null;
  };
}
"""

_CSS = """
.la-minimap { position: relative; width: 100%; line-height: 0; }
.la-minimap img { width: 100%; height: auto; display: block; cursor: crosshair; }
.la-minimap-legend {
  display: flex; flex-wrap: wrap; gap: 0.1rem 0.7rem; list-style: none; margin: 0.35rem 0 0; padding: 0;
  font-size: 0.75rem; line-height: 1.4; color: var(--st-text-color, #31333f); opacity: 0.85;
}
.la-minimap-legend li { display: inline-flex; align-items: center; gap: 0.3rem; margin: 0; }
.la-minimap-legend span { width: 0.6rem; height: 0.6rem; border-radius: 50%; display: inline-block; }
.la-minimap svg { position: absolute; inset: 0; width: 100%; height: 100%; overflow: visible; pointer-events: none; }
.la-minimap-dot { fill: rgb(20, 20, 20); }
.la-minimap-cross { stroke: rgba(40, 40, 40, 0.6); stroke-width: 1; vector-effect: non-scaling-stroke; }
.la-minimap-here { stroke: rgb(17, 17, 17); stroke-width: 2.5; }
"""

# Not in a shadow root: the picture is an ordinary <img> of the page, for tests and benchmarks to
# find with a CSS selector (the classes are the component's own, prefixed "la-minimap").
_COMPONENT = st.components.v2.component("latent_atelier.minimap", js=_JS, css=_CSS, isolate_styles=False)


def _keep_click(key: str) -> None:
    state = st.session_state.get(key) or {}
    st.session_state[f"{key}._click"] = state.get("click") if hasattr(state, "get") else None


def live_map(
    key: str, raster: Raster, z, here, neighbours, alt: str, legend: Sequence[tuple[str, str]] = ()
) -> tuple[float, float] | None:
    """Draw the mini-map element ``key``: ``raster`` with "you are here" at map position ``here``
    (2,) for latent vector ``z``, the ``neighbours`` (k, 2) as dots and a ``legend`` of
    (name, colour) under it. Returns the map position of a click on the picture since the last
    run (None without one)."""
    h, w = raster.rgb.shape[:2]
    data = {
        "key": key, "src": raster.jpeg_uri, "w": w, "h": h, "alt": alt, "colour": HERE_COLOUR,
        "legend": [[str(name), str(colour)] for name, colour in legend],
    }  # fmt: skip
    _COMPONENT(key=key, data=data, on_click_change=lambda: _keep_click(key))
    feed(f"{key}.feed", {"key": key, "z": [float(v) for v in z], **marks(raster, here, neighbours)})
    click = st.session_state.pop(f"{key}._click", None)
    try:
        col, row = float(click["col"]), float(click["row"])
    except (KeyError, TypeError, ValueError):
        return None
    x, y = raster.to_map(np.array([col, row]))
    return (float(x), float(y)) if np.isfinite(x) and np.isfinite(y) else None
