"""The one image-upload path: a file uploader that returns the garment as the model sees it.

An upload is decoded once: the prepared 28 x 28 image (or the reason it was refused) is kept in
the session under the file's identity and the background choice, so every later rerun of the
page costs what it did before the upload (the file's bytes are not read again).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from ui.common.text import md
from vae_core import InputError
from vae_core.upload import EXTENSIONS, MAX_BYTES, PreparedImage, prepare_image

_INVERT = {"auto": None, "invert": True, "keep": False}


def upload_garment(
    key: str, label: str = "Start from your own garment (PNG or JPEG)", size: int = 28, channels: int = 1
) -> PreparedImage | None:
    """Show an uploader and an inversion choice; return the image prepared at the package's
    ``size`` and ``channels`` (28 x 28 grey for Fashion-MNIST), or None.

    Unreadable, truncated, huge or odd files produce a clear ``st.error`` and return None. The
    result for the current file and choice is computed once per session and then reused.
    """
    file = st.file_uploader(label, type=list(EXTENSIONS), key=f"{key}.file", max_upload_size=MAX_BYTES // 2**20)
    mode = st.radio(
        "Background",
        list(_INVERT),
        horizontal=True,
        key=f"{key}.invert",
        index=0 if channels == 1 else 2,  # colour catalogues are not inverted
        format_func={"auto": "auto (invert a light background)", "invert": "invert", "keep": "keep"}.get,
        help="Fashion-MNIST garments are light on a black background.",
    )
    memo_key = f"{key}._prepared"
    if file is None:
        st.session_state.pop(memo_key, None)
        return None
    identity = (file.file_id, mode, size, channels)
    memo = st.session_state.get(memo_key)
    if memo is None or memo[0] != identity:
        try:
            memo = (identity, prepare_image(file.getvalue(), invert=_INVERT[mode], size=size, channels=channels), None)
        except InputError as exc:
            memo = (identity, None, str(exc))
        st.session_state[memo_key] = memo
    _, prepared, problem = memo
    if problem is not None:
        st.error(f"{md(file.name)}: {md(problem, limit=400)}", icon=":material/broken_image:")
    return prepared


def picture(image: np.ndarray) -> np.ndarray:
    """A prepared upload (``PreparedImage.image``) as a picture to show: (S, S) grey stays,
    (3, S, S) colour becomes (S, S, 3)."""
    arr = np.asarray(image)
    return arr.transpose(1, 2, 0) if arr.ndim == 3 and arr.shape[0] == 3 else arr
