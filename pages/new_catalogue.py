"""New catalogue: train a model package on your own garment images, from a zip upload or a
folder on the server, without a terminal. Training runs in the background (one job at a time
per server); this page follows it live and can cancel it, and the finished package appears in
the package picker.

Thin page: panels from :mod:`ui.new_catalogue.view`, logic in the plain modules beside it.
"""

from __future__ import annotations

import streamlit as st

from ui.common.places import PACKAGES_ENV_VAR, jobs_dir, packages_dir, shown_folder
from ui.common.shell import require_shell
from ui.new_catalogue import view as nc
from ui.new_catalogue.jobs import current_job

require_shell()
packages, jobs = packages_dir(), jobs_dir()

st.title("New catalogue")
st.caption(
    "Train the VAE on your own garment photos: put them in one folder per class (or all in one "
    "folder), choose them here, name the catalogue and start. Training runs on the server; the "
    f"finished package is saved in `{shown_folder(packages)}` (set `{PACKAGES_ENV_VAR}` to choose another "
    "folder) and listed in the package picker."
)
running = nc.render_latest_job(jobs, current_job(jobs))
if running:
    st.info("One catalogue trains at a time; the form returns when this one ends.", icon=":material/hourglass_top:")
    st.stop()

st.subheader("Images")
source = nc.choose_source(packages)
st.subheader("Settings")
name, size, channels, epochs = nc.render_settings(source)
if st.button(
    "Start training", key=f"{nc.K}start", type="primary", icon=":material/play_arrow:", disabled=source is None
):
    nc.start(jobs, packages, source, name, size, channels, epochs)
