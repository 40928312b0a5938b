"""Latent Atelier: explore the latent space of a VAE trained on garments.

Run with ``streamlit run app.py``. This file only sets up the page and the navigation; each
page is a short script in ``pages/`` and all logic lives in ``vae_core``.
"""

from __future__ import annotations

import streamlit as st

from ui.common.shell import apply_style, mark_shell_ran

st.set_page_config(page_title="Latent Atelier", page_icon=":material/checkroom:", layout="wide")

pages = [
    st.Page("pages/explore.py", title="Explore", icon=":material/tune:", default=True),
    st.Page("pages/interpolate.py", title="Interpolate", icon=":material/linear_scale:"),
    st.Page("pages/latent_map.py", title="Latent map", icon=":material/scatter_plot:"),
    st.Page("pages/model.py", title="Model", icon=":material/monitoring:"),
    st.Page("pages/new_catalogue.py", title="New catalogue", icon=":material/add_photo_alternate:"),
]
mark_shell_ran()
apply_style()
st.navigation(pages).run()
