"""Turning model outputs into pictures: uint8 conversion, blur-free upscaling, grids, PNG bytes
and inline ``data:`` URIs."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
from PIL import Image


def to_uint8(image: np.ndarray) -> np.ndarray:
    """A [0, 1] float (or uint8) image as uint8, same shape."""
    arr = np.asarray(image)
    if arr.dtype == np.uint8:
        return arr
    return (np.clip(arr, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def to_pil(image: np.ndarray, scale: int = 1) -> Image.Image:
    """A (H, W) grayscale image as a PIL image, upscaled ``scale`` times by pixel repetition."""
    img = Image.fromarray(to_uint8(image), mode="L")
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    return img


def upscale(image: np.ndarray, scale: int) -> np.ndarray:
    """(H, W) -> (H*scale, W*scale) uint8 by pixel repetition (no blur)."""
    return np.kron(to_uint8(image), np.ones((scale, scale), dtype=np.uint8))


def grid_rows(rows: Sequence[np.ndarray], pad: int = 2, fill: int = 255) -> np.ndarray:
    """The one image tiler: ``rows[r]`` is a (M_r, H, W) stack (or (M_r, H, W, C)); each row of
    the sheet holds one stack, left-aligned, with ``pad`` pixels of ``fill`` between images.
    Returns a (R*(H+pad)-pad, max_r M_r*(W+pad)-pad[, C]) uint8 sheet."""
    imgs = [to_uint8(np.asarray(r)) for r in rows]
    h, w = imgs[0].shape[1:3]
    cols = max(len(r) for r in imgs)
    sheet = np.full((len(imgs) * (h + pad) - pad, cols * (w + pad) - pad, *imgs[0].shape[3:]), fill, dtype=np.uint8)
    for r, row in enumerate(imgs):
        for c, img in enumerate(row):
            sheet[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = img
    return sheet


def grid(images: np.ndarray, cols: int, pad: int = 2, fill: int = 255) -> np.ndarray:
    """Tile (N, H, W) images into a (rows*(H+pad)-pad, cols*(W+pad)-pad) uint8 sheet, row by row."""
    imgs = np.asarray(images)
    cols = max(1, min(cols, len(imgs)))
    return grid_rows([imgs[i : i + cols] for i in range(0, len(imgs), cols)], pad, fill)


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    """PNG file contents of a grayscale image, upscaled without blur."""
    buf = io.BytesIO()
    to_pil(image, scale).save(buf, format="PNG")
    return buf.getvalue()


def data_uri(image: np.ndarray, scale: int = 1, fmt: str = "PNG", quality: int = 90) -> str:
    """A ``data:image/...;base64,`` URI of a grayscale image (upscaled without blur).

    The browser shows such an image with no request to the server, so a page that redraws many
    small garments (a gallery, the live garment) sends them inside the page update; at native
    28 x 28 size a garment is a few hundred bytes and CSS ``image-rendering: pixelated`` scales it.

    Parameters
    ----------
    image
        (H, W) float in [0, 1] or uint8.
    scale
        Pixel repetition factor.
    fmt
        ``"PNG"`` (lossless) or ``"JPEG"`` (smaller for large, smooth images).
    quality
        JPEG quality; ignored for PNG.
    """
    fmt = fmt.upper()
    if fmt not in ("PNG", "JPEG"):
        raise ValueError(f"fmt must be PNG or JPEG, not {fmt!r}")
    buf = io.BytesIO()
    img = to_pil(image, scale) if np.asarray(image).ndim == 2 else Image.fromarray(to_uint8(image))
    img.save(buf, format=fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return f"data:image/{fmt.lower()};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"
