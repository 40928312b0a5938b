"""Latent Atelier: explore the latent space of a VAE trained on garments.

Run with ``streamlit run app.py``. This file only sets up the page and the navigation; each
page is a short script in ``pages/`` and all logic lives in ``vae_core``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.common.loader import package_path
from ui.common.picker import package_picker, show_notices
from ui.common.shell import apply_style, mark_shell_ran

# A local SVG (sent inline as a data: URI): a ":material/...:" page icon makes every browser fetch
# the icon from Google's font CDN on load and on every rerun.
ICON = Path(__file__).resolve().parent / "assets" / "icon.svg"
st.set_page_config(page_title="Latent Atelier", page_icon=str(ICON), layout="wide")

pages = [
    st.Page("pages/explore.py", title="Explore", icon=":material/tune:", default=True),
    st.Page("pages/interpolate.py", title="Interpolate", icon=":material/linear_scale:"),
    st.Page("pages/latent_map.py", title="Latent map", icon=":material/scatter_plot:"),
    st.Page("pages/model.py", title="Model", icon=":material/monitoring:"),
    st.Page("pages/new_catalogue.py", title="New catalogue", icon=":material/add_photo_alternate:"),
    st.Page("pages/board.py", title="Board", icon=":material/dashboard:"),
]
mark_shell_ran()
apply_style()
package_picker(package_path())
page = st.navigation(pages)
show_notices(page.url_path)  # a link that named an unknown package, ...: said at the top of the page
page.run()
