"""Turning a user's own picture (PNG, JPEG, ...) into the model's input: one 28x28 garment.

Steps: open safely (size, truncation and decompression-bomb checks), apply EXIF rotation,
flatten transparency onto white, convert any mode to grayscale, invert when the background is
light (Fashion-MNIST garments are light on black), pad to a square with the background colour
and resize to 28x28 with a Lanczos filter.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InputError

MAX_BYTES = 20 * 1024 * 1024  # refuse files over 20 MiB outright
MAX_PIXELS = 40_000_000  # refuse images over 40 megapixels (decompression bombs)


@dataclass(frozen=True)
class PreparedImage:
    """``image`` (28, 28) float32 in [0, 1] as the model sees it, and what was done to get it."""

    image: np.ndarray
    inverted: bool
    original_size: tuple[int, int]
    original_mode: str


def _open(data: bytes) -> Image.Image:
    if not data:
        raise InputError("The uploaded file is empty.")
    if len(data) > MAX_BYTES:
        raise InputError(f"The file is {len(data) / 2**20:.1f} MiB; the limit is {MAX_BYTES // 2**20} MiB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise InputError(f"The image is {w} x {h} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels.")
            img.load()
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError("The image is too large to open safely (decompression bomb check).") from None
    except UnidentifiedImageError:
        raise InputError("That file is not an image Pillow can read (try PNG or JPEG).") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"The image could not be read; it may be truncated or damaged ({exc}).") from None
    return img


def _to_gray(img: Image.Image) -> Image.Image:
    img = ImageOps.exif_transpose(img)
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)
        return Image.fromarray(arr.astype(np.uint8), mode="L")
    if img.mode in ("P", "PA", "LA", "RGBA", "La", "RGBa") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return img.convert("L")


def prepare_image(data: bytes, invert: bool | None = None) -> PreparedImage:
    """Decode an uploaded image file into a (28, 28) model input.

    Parameters
    ----------
    data
        The file's bytes.
    invert
        True or False forces inversion; None (default) inverts when the image's border is
        light on average (> 0.5), i.e. a garment photographed on a light background.

    Raises
    ------
    InputError
        For empty, oversized, non-image, truncated or unreadable files.
    """
    img = _open(data)
    size, mode = img.size, img.mode
    gray = np.asarray(_to_gray(img), dtype=np.float32) / 255.0  # (H, W)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    do_invert = bool(border.mean() > 0.5) if invert is None else bool(invert)
    if do_invert:
        gray = 1.0 - gray
    h, w = gray.shape
    side = max(h, w)
    background = float(np.median(np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])))
    square = np.full((side, side), background, dtype=np.float32)
    top, left = (side - h) // 2, (side - w) // 2
    square[top : top + h, left : left + w] = gray
    small = Image.fromarray((square * 255.0 + 0.5).astype(np.uint8), mode="L").resize(
        (28, 28), Image.Resampling.LANCZOS
    )
    image = np.asarray(small, dtype=np.float32) / 255.0
    return PreparedImage(image=image, inverted=do_invert, original_size=size, original_mode=mode)
