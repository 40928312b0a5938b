"""Turning a user's own picture (PNG, JPEG, WebP, BMP, GIF) into the model's input: one garment of
``size`` x ``size`` pixels, grayscale (``channels=1``, Fashion-MNIST) or colour (``channels=3``).

Steps: refuse what is not worth opening (empty, over 20 MiB, not one of the accepted formats; only
their decoders are ever handed the bytes), read the header and refuse a decoded size over the
pixel budget or a strip too long and thin to be a garment, all before any pixel is decoded. A
JPEG is then decoded at a reduced scale (``draft``); anything else is decoded once at its own
size and shrunk band by band (an integer box filter), so the only full-size buffer is the
decoder's own. On the small picture: flatten transparency onto white, convert to grayscale (or
RGB), apply the EXIF rotation, invert when the background is light (grayscale only: Fashion-MNIST
garments are light on black), pad to a square with the background colour and resize to
``size`` x ``size`` with a Lanczos filter.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import InputError

MAX_BYTES = 20 * 1024 * 1024  # refuse files over 20 MiB outright (the app's uploader says the same)
MAX_PIXELS = 40_000_000  # pixel budget: refuse images over 40 megapixels before decoding them
MAX_ASPECT = 20  # refuse pictures whose long side is over 20 times the short one
FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF")  # the only decoders Pillow may use
EXTENSIONS = ("png", "jpg", "jpeg", "webp", "bmp", "gif")  # what the uploader offers
WORK_FACTOR = 4  # the picture is shrunk to about WORK_FACTOR * size before any float work
_BAND_PIXELS = 2_000_000  # pixels converted at a time while shrinking
_ORIENTATION = {  # EXIF orientation -> the transpose that undoes it (as ImageOps.exif_transpose)
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class PreparedImage:
    """``image`` as the model sees it, float32 in [0, 1]: (size, size) for grayscale, (channels,
    size, size) for colour; and what was done to get it."""

    image: np.ndarray
    inverted: bool
    original_size: tuple[int, int]
    original_mode: str


def _open(data: bytes) -> Image.Image:
    """The image, header read but pixels not yet decoded, after the size and format checks."""
    if not data:
        raise InputError("The uploaded file is empty.")
    if len(data) > MAX_BYTES:
        raise InputError(f"The file is {len(data) / 2**20:.1f} MiB; the limit is {MAX_BYTES // 2**20} MiB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError("The image is too large to open safely (decompression bomb check).") from None
    except UnidentifiedImageError:
        raise InputError("That file is not a PNG, JPEG, WebP, BMP or GIF image.") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"The image could not be read; it may be truncated or damaged ({exc}).") from None
    w, h = img.size
    if w < 1 or h < 1:
        raise InputError(f"The image is {w} x {h} pixels: there is nothing to see.")
    if w * h > MAX_PIXELS:
        raise InputError(f"The image is {w:,} x {h:,} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels.")
    if max(w, h) > MAX_ASPECT * min(w, h):
        raise InputError(
            f"The image is {w:,} x {h:,} pixels: too long and thin for a garment (the long side may be at most "
            f"{MAX_ASPECT} times the short one). Crop it around the garment."
        )
    return img


def _decode_small(img: Image.Image, longest: int) -> Image.Image:
    """Decode ``img`` and shrink it so its longest side is about ``longest`` (never below it)."""
    w, h = img.size
    if img.format == "JPEG" and max(w, h) > 2 * longest:
        scale = longest / max(w, h)
        img.draft(img.mode if img.mode in ("L", "RGB") else None, (max(1, int(w * scale)), max(1, int(h * scale))))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError("The image is too large to open safely (decompression bomb check).") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InputError(f"The image could not be read; it may be truncated or damaged ({exc}).") from None
    except MemoryError:
        raise InputError("The image is too large to decode on this server.") from None
    return img


_HIGH_DEPTH = ("I;16", "I;16B", "I;16L", "I", "F")


def _reducible(img: Image.Image) -> Image.Image:
    """``img`` in a mode ``Image.reduce`` handles, keeping transparency and bit depth."""
    if img.mode in _HIGH_DEPTH:
        return img.convert("F") if img.mode != "F" else img
    if img.mode in ("P", "PA", "La", "RGBa") or "transparency" in img.info:
        return img.convert("RGBA")
    if img.mode in ("L", "LA", "RGB", "RGBA"):
        return img
    return img.convert("RGB")  # 1, CMYK, YCbCr, ...


def _flatten(img: Image.Image, colour: bool) -> Image.Image:
    """A reduced band as "L", "RGB" (transparency onto white) or "F" (high bit depth, values kept)."""
    if img.mode == "F":
        return img
    if img.mode in ("LA", "RGBA"):
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    return img.convert("RGB" if colour else "L")


def _shrink(img: Image.Image, colour: bool, longest: int) -> np.ndarray:
    """(h', w'[, 3]) float32 of ``img`` box-filtered (``Image.reduce``) by the integer factor that
    brings its longest side to about ``longest``, a band of rows at a time (no full-size copy)."""
    w, h = img.size
    f = max(1, max(w, h) // longest)
    rows = max(f, (_BAND_PIXELS // max(w, 1)) // f * f)  # a multiple of f
    out_w, out_h = max(1, w // f), max(1, h // f)
    bands = []
    for top in range(0, out_h * f, rows):
        band = _reducible(img.crop((0, top, out_w * f, min(top + rows, out_h * f))))
        bands.append(np.asarray(_flatten(band.reduce(f) if f > 1 else band, colour), np.float32))
    small = np.concatenate(bands)
    if small.ndim == 2 and img.mode in _HIGH_DEPTH:  # stretch to 0..255
        lo, hi = float(small.min()), float(small.max())
        small = (small - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(small)
    return small


def _border(arr: np.ndarray) -> np.ndarray:
    return np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])


def prepare_image(data: bytes, invert: bool | None = None, size: int = 28, channels: int = 1) -> PreparedImage:
    """Decode an uploaded image file into a model input of ``size`` x ``size`` pixels.

    Parameters
    ----------
    data
        The file's bytes.
    invert
        True or False forces inversion; None (default) inverts a grayscale picture when its
        border is light on average (> 0.5), i.e. a garment photographed on a light background.
        Colour pictures are inverted only when asked.
    size
        Side of the output in pixels (28 for Fashion-MNIST).
    channels
        1 for a (size, size) grayscale output, 3 for a (3, size, size) RGB output.

    Raises
    ------
    InputError
        For empty, oversized, non-image, truncated or unreadable files, for formats other than
        PNG, JPEG, WebP, BMP and GIF, and for pictures over the pixel budget or too elongated.
    """
    if channels not in (1, 3):
        raise InputError(f"channels must be 1 or 3; got {channels}.")
    if not 1 <= size <= 1024:
        raise InputError(f"size must be from 1 to 1024; got {size}.")
    img = _open(data)
    original_size, mode = img.size, img.mode
    img = _decode_small(img, WORK_FACTOR * size)
    try:
        orientation = img.getexif().get(0x0112)
    except Exception:  # a damaged EXIF block only loses the rotation
        orientation = None
    colour = channels == 3
    small = _shrink(img, colour, WORK_FACTOR * size) / 255.0  # (h, w) or (h, w, 3)
    lum = small.mean(axis=2) if colour else small
    do_invert = (not colour and bool(_border(lum).mean() > 0.5)) if invert is None else bool(invert)
    if do_invert:
        small, lum = 1.0 - small, 1.0 - lum
    h, w = lum.shape
    side = max(h, w)
    fill = np.median(_border(small), axis=0)  # the background: per channel for colour
    square = np.empty((side, side, *small.shape[2:]), np.float32)
    square[...] = fill
    top, left = (side - h) // 2, (side - w) // 2
    square[top : top + h, left : left + w] = small
    pil = Image.fromarray((np.clip(square, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8), mode="RGB" if colour else "L")
    if orientation in _ORIENTATION:
        pil = pil.transpose(_ORIENTATION[orientation])
    image = np.asarray(pil.resize((size, size), Image.Resampling.LANCZOS), dtype=np.float32) / 255.0
    if colour:
        image = np.ascontiguousarray(image.transpose(2, 0, 1))  # (3, size, size)
    return PreparedImage(image=image, inverted=do_invert, original_size=original_size, original_mode=mode)


__all__ = ["EXTENSIONS", "FORMATS", "MAX_ASPECT", "MAX_BYTES", "MAX_PIXELS", "PreparedImage", "prepare_image"]
