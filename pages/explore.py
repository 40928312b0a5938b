"""Explore: sliders build a latent vector z; see the garment it decodes to, what it looks like,
its likeliest catalogue pieces, how realistic it is, and where it sits on the latent map; step
back through what you did, pin garments to compare.

Thin page: widgets and layout come from :mod:`ui.explore.view`, logic from :mod:`ui.explore.step` and :mod:`vae_core`.
A slider step reruns only the live fragment; the comparison and the big map are redrawn on full reruns.
"""

from __future__ import annotations

import streamlit as st

from ui.common import health
from ui.common.loader import get_package, get_train_images
from ui.common.shell import require_shell
from ui.common.upload import upload_garment
from ui.explore import view as ex

require_shell()
pkg = get_package()
ex.init_state(pkg)
ex.apply_requests(pkg)

st.title("Explore the latent space")
st.caption(
    f"Each of the {pkg.latent_dim} sliders changes one aspect of the garment the model draws; under each "
    "slider, what the garment becomes at either end. Beside it: what it looks like and the catalogue "
    "pieces closest to it. Undo with Ctrl+Z; the link in your address bar always reopens this exact garment."
)
health.notice(pkg)  # a weak or collapsed model: say so before the sliders
images = get_train_images(pkg)
ex.render_notices()
ex.render_toolbar(pkg)
ex.explore_fragment(pkg, images)
with st.expander("Start from your own garment", icon=":material/upload:"):  # under the pad: the sliders fit a laptop
    ex.handle_upload(pkg, upload_garment(ex.K_UPLOAD, size=pkg.image_size, channels=pkg.channels))
ex.render_compare(pkg, images)
st.divider()
ex.render_map(pkg)
