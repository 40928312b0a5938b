"""The latent pad: sliders whose garment is decoded in the browser while they move.

``decoder_spec`` (no streamlit) describes a decoder for the browser and interprets that
description in NumPy; ``guides`` (no streamlit) computes the likelihood tracks behind the sliders;
``component`` draws the pad (import it from a page: it registers the Streamlit component).
"""
