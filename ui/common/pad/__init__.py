"""The latent pad: sliders whose garment is decoded in the browser while they move.

``decoder_spec`` (no streamlit) describes a decoder for the browser and interprets that
description in NumPy; ``component`` draws the pad (import it from a page: it registers the
Streamlit component). The likelihood tracks behind the sliders are library maths:
``vae_core.latent.guides``.
"""
