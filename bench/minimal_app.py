"""The baseline of the browser benchmarks: a minimal ten-slider-plus-image Streamlit app.

The least an Explore page can do: load the model package once per server, show one slider per
latent dimension and the decoded garment, upscaled without blur. ``bench/browser_bench.py``
measures the real app against this one. Run it alone with::

    streamlit run bench/minimal_app.py

The package is ``$LATENT_ATELIER_PACKAGE``, else the shipped default. With
``LATENT_ATELIER_BENCH_FREEZE=1`` it also applies the app's own garbage-collector fix
(``ui.common.loader.freeze_startup_objects``), to show what the real page costs beyond that fix.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

from vae_core import DEFAULT_PACKAGE, ModelPackage  # noqa: E402
from vae_core.images import upscale  # noqa: E402


@st.cache_resource
def load_package() -> ModelPackage:
    """The model package, loaded once per server process."""
    pkg = ModelPackage.load(os.environ.get("LATENT_ATELIER_PACKAGE") or DEFAULT_PACKAGE)
    if os.environ.get("LATENT_ATELIER_BENCH_FREEZE") == "1":
        from ui.common.loader import freeze_startup_objects

        freeze_startup_objects()
    return pkg


pkg = load_package()
st.title("Minimal garment explorer")
z = [st.slider(f"z{i + 1}", -3.0, 3.0, 0.0, 0.05) for i in range(pkg.latent_dim)]
st.image(upscale(pkg.decode(z), 8), caption="decoded garment")
