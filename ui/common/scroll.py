"""Bring something into view after a rerun: the garment a map click loaded, or the top of a page
another page handed a garment to (Streamlit keeps the scroll position across a page switch, so
"Open in Explore" from far down Interpolate landed halfway down Explore).

A callback or a page asks with :func:`request_scroll`; the page then draws :func:`scroller` once
per run, in the sidebar (where an element takes no room among the page's own), which takes the
request. The browser scrolls once per request: each carries a fresh token and the browser
remembers the last one it served, so a remount with the same data does not scroll again.
"""

from __future__ import annotations

import uuid

import streamlit as st

_KEY = "app._scroll"  # the pending request of this session: {"token", "selector", "block"}
TOP = '[data-testid="stMainBlockContainer"]'  # the page's content: scroll to its start

_JS = """
export default function ({ data }) {
  const served = (window.__laScrolled = window.__laScrolled || {});
  if (!data.token || served[data.page] === data.token) return;
  served[data.page] = data.token;
  let tries = 60; // the target may be drawn after this element: look again for up to 6 s
  const go = () => {
    const el = document.querySelector(data.selector);
    if (!el || el.getBoundingClientRect().height === 0) { if (tries-- > 0) setTimeout(go, 100); return; }
    el.style.scrollMarginTop = "4.5rem"; // below Streamlit's fixed header
    el.scrollIntoView({ block: data.block, behavior: "instant" });
    window.__laScrolls = (window.__laScrolls || 0) + 1; // (tests)
  };
  requestAnimationFrame(go);
}
"""
_COMPONENT = st.components.v2.component("latent_atelier.scroll", js=_JS)


def request_scroll(selector: str = TOP, block: str = "start") -> None:
    """Ask the browser to scroll ``selector`` into view after this rerun (``block``: "start",
    "center", "end" or "nearest", as ``Element.scrollIntoView``). The selector is matched in the
    page's document: a component that draws in a shadow root is reached by its container
    (``.st-key-<key>``)."""
    st.session_state[_KEY] = {"token": uuid.uuid4().hex[:12], "selector": selector, "block": block}


def scroller(page: str) -> None:
    """Draw the scroll element of ``page`` (once per run; it acts only on a new request)."""
    request = st.session_state.pop(_KEY, None) or {"token": None, "selector": TOP, "block": "start"}
    with st.sidebar:
        _COMPONENT(key=f"{page}.scroll", data={"page": page, **request})
