"""A feed: a tiny element with no DOM that hands per-run data to a component drawn elsewhere.

A Streamlit v2 component's element carries its JavaScript, CSS and data; when all three are
byte-identical from rerun to rerun Streamlit sends a 75-byte reference instead of the element.
The latent pad (30 kB of code and layer list) and the live mini-map (a 48 kB picture) keep their
own elements identical that way, and what changes every run (slider values, guides, "you are
here") travels in a feed: :func:`feed` stores ``data`` under ``data["key"]`` in
``window.__latentPadFeeds`` and dispatches a ``latent-pad-feed`` event whose detail is that key;
the component listens for its own key.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

_JS = """
export default function ({ data }) {
  const feeds = (window.__latentPadFeeds = window.__latentPadFeeds || {});
  feeds[data.key] = data;
  window.dispatchEvent(new CustomEvent("latent-pad-feed", { detail: data.key }));
}
"""
_COMPONENT = st.components.v2.component("latent_atelier.pad_feed", js=_JS)


def feed(element_key: str, data: dict[str, Any]) -> None:
    """Draw the feed element ``element_key`` with ``data`` (JSON; ``data["key"]`` names the
    component that reads it)."""
    if "key" not in data:
        raise ValueError("a feed's data needs the key of the component that reads it")
    _COMPONENT(key=element_key, data=data)
