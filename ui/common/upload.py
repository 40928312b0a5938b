"""The one image-upload path: a file uploader that returns the garment as the model sees it."""

from __future__ import annotations

import streamlit as st

from vae_core import InputError
from vae_core.upload import PreparedImage, prepare_image

_INVERT = {"auto": None, "invert": True, "keep": False}


def upload_garment(key: str, label: str = "Start from your own garment (PNG or JPEG)") -> PreparedImage | None:
    """Show an uploader and an inversion choice; return the prepared 28x28 image, or None.

    Unreadable, truncated, huge or odd files produce a clear ``st.error`` and return None.
    """
    file = st.file_uploader(label, type=["png", "jpg", "jpeg", "webp", "bmp", "gif"], key=f"{key}.file")
    mode = st.radio(
        "Background",
        list(_INVERT),
        horizontal=True,
        key=f"{key}.invert",
        format_func={"auto": "auto (invert a light background)", "invert": "invert", "keep": "keep"}.get,
        help="Fashion-MNIST garments are light on a black background.",
    )
    if file is None:
        return None
    try:
        return prepare_image(file.getvalue(), invert=_INVERT[mode])
    except InputError as exc:
        st.error(f"{file.name}: {exc}")
        return None
