"""Make every page run inside the app's shell (``app.py``'s ``st.navigation``).

Streamlit keeps a legacy mode for apps with a ``pages/`` folder: until some session has run
``app.py`` (whose ``st.navigation`` switches the mode off for the process), a first request
straight to ``/latent_map`` runs ``pages/latent_map.py`` alone, without the page config and the
navigation. Each page calls :func:`require_shell` first; in that legacy mode it switches the mode
off and reruns, so the request is served through ``app.py`` like any other.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_shell() -> None:
    """Rerun through ``app.py`` when Streamlit's legacy ``pages/`` mode ran this page directly."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
