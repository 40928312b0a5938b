"""Turning model outputs into pictures: uint8 conversion, blur-free upscaling, grids, PNG bytes
and inline ``data:`` URIs."""

from __future__ import annotations

import base64
import io

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


def grid(images: np.ndarray, cols: int, pad: int = 2, fill: int = 255) -> np.ndarray:
    """Tile (N, H, W) images into a (rows*(H+pad)-pad, cols*(W+pad)-pad) uint8 sheet."""
    imgs = to_uint8(images)
    n, h, w = imgs.shape
    cols = max(1, min(cols, n))
    rows = -(-n // cols)
    sheet = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad), fill, dtype=np.uint8)
    for i, img in enumerate(imgs):
        r, c = divmod(i, cols)
        sheet[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = img
    return sheet


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
