"""Make every page run inside the app's shell (``app.py``'s ``st.navigation``).

Streamlit keeps a legacy mode for apps with a ``pages/`` folder: until some session has run
``app.py`` (whose ``st.navigation`` switches the mode off for the process), a first request
straight to ``/latent_map`` runs ``pages/latent_map.py`` alone, without the page config and the
navigation. ``app.py`` calls :func:`mark_shell_ran`; each page calls :func:`require_shell` first,
which, while the shell has never run in this process, switches the legacy mode off and reruns so
the request is served through ``app.py``. (Streamlit's ``AppTest`` re-enters the legacy mode on
every run after the first; the shell has run by then, so the guard leaves those runs alone.)
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

_shell_ran = False


def mark_shell_ran() -> None:
    """Record that ``app.py`` has run in this server process."""
    global _shell_ran
    _shell_ran = True


def require_shell() -> None:
    """Rerun through ``app.py`` when Streamlit's legacy ``pages/`` mode ran this page first."""
    # The one write to a private Streamlit attribute in the app: Streamlit (1.50-1.67) has no
    # public setting that turns the legacy mode off (it follows from the pages/ folder's presence;
    # client.showSidebarNavigation only hides a sidebar), and the project keeps pages/.
    # tests/test_browser_shell.py proves it is needed: a fresh server's first request to a
    # sub-page otherwise runs without the page config and the navigation.
    if PagesManager.uses_pages_directory and not _shell_ran:
        PagesManager.uses_pages_directory = False
        st.rerun()


# Garments are small PNGs scaled up by the browser: keep their pixels sharp instead of blurred.
# Less room above the title (Streamlit leaves 6rem under its 3.75rem header) and a smaller title,
# so that at 1366 x 768 Explore's sliders, garment and mini-map fit above the fold.
_STYLE = """<style>
[data-testid="stImage"] img[src^="data:image/png"] { image-rendering: pixelated; }
[data-testid="stMainBlockContainer"] { padding-top: 3.5rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2.25rem; padding-top: 0.5rem; padding-bottom: 0.5rem; }
</style>"""


def apply_style() -> None:
    """App-wide CSS, drawn once per full run by ``app.py``."""
    st.html(_STYLE)
