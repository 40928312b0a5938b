"""Streamlit-aware pieces shared by every page: the cached package loader, the gallery, the
upload widget and the state that moves a garment between pages. Pages import from here; the
logic itself lives in :mod:`vae_core`."""
