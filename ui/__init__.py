"""The app's own logic, one folder per page (``explore/``, ``interpolate/``, ``latent_map/``,
``model/``) and ``common/`` for what the pages share. Modules that only compute (state, URL
parsing, figure builders, browsing) are plain Python that tests call without Streamlit; the
modules that draw import streamlit. The library it calls is :mod:`vae_core`."""
