"""A folder of the user's own images as a catalogue: find them, decode them safely, fit them to
the model's square, and fingerprint them.

Two layouts, as torchvision's ``ImageFolder``:

* ``DIR/CLASS/.../IMAGE``: one subfolder per class (the subfolder's name is the class name; files
  at any depth inside it belong to it); files directly in ``DIR`` are then skipped;
* ``DIR/IMAGE``: no subfolders, one class named after ``DIR``.

PNG, JPEG, WebP, BMP and GIF (first frame) are read with Pillow: EXIF orientation applied,
transparency composited onto ``background``, any aspect fitted to a square (``"pad"`` with the
image's own border colour, or ``"crop"`` to the centre), resized with a Lanczos filter. A file
that cannot be used (zero bytes, not an image, truncated, a decompression bomb, unreadable, an
unsupported type) is skipped and recorded with the reason; only an empty result is an error.
Hidden files and folders (names starting with ".") are ignored.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import DataError, InputError
from ..files import UnsafeFile, read_bytes

EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif")
FORMATS = ("PNG", "JPEG", "MPO", "WEBP", "BMP", "DIB", "GIF")  # what Pillow may find inside them
MAX_FILE_BYTES = 64 * 2**20  # refuse files over 64 MiB
MAX_PIXELS = 40_000_000  # refuse images over 40 megapixels (decompression bombs)
MAX_CLASSES = 256  # labels are uint8
IMAGE_SIZES = (28, 32, 64, 128)
FITS = ("pad", "crop")
COLOUR_SPREAD = 16  # an image is colour if some pixel's channels differ by more than this (JPEG noise is less)

Progress = Callable[[str, int, int, dict[str, float]], None]


def _quiet(stage: str, done: int, total: int, info: dict[str, float]) -> None:
    """The default progress callback: report nothing."""


@dataclass(frozen=True)
class Skipped:
    """A file left out of the catalogue: its path relative to the folder and why."""

    path: str
    reason: str


@dataclass
class ImageSet:
    """Usable images of a folder at model resolution, with labels, class names and paths.

    ``images`` is uint8, (N, S, S) grey or (N, S, S, 3) colour; ``paths`` are relative to
    ``root``; ``skipped`` lists the files left out and why.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    paths: list[str]
    root: str
    skipped: list[Skipped] = field(default_factory=list)
    digest: str = ""
    settings: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def channels(self) -> int:
        return 1 if self.images.ndim == 3 else 3

    def as_uint8_nchw(self) -> np.ndarray:
        """The images as model input layout (N, C, S, S), uint8 (the trainer scales batches)."""
        return self.images[:, None] if self.images.ndim == 3 else self.images.transpose(0, 3, 1, 2)

    def as_float(self) -> np.ndarray:
        """The images as float32 (N, C, S, S) in [0, 1]."""
        return np.ascontiguousarray(self.as_uint8_nchw(), dtype=np.float32) / 255.0

    def fingerprint(self) -> str:
        """sha256 over every usable file's relative path, class and content bytes, and the
        decoding settings (size, channels, fit, background)."""
        return self.digest

    def subset(self, rows: np.ndarray) -> ImageSet:
        """The images at ``rows`` (same class names and root; no skipped list)."""
        rows = np.asarray(rows, dtype=np.int64)
        return ImageSet(
            self.images[rows], self.labels[rows], self.class_names, [self.paths[i] for i in rows], self.root
        )


class _Unusable(Exception):
    """Raised by :func:`decode_file` with the reason a file is skipped."""


def scan(root: str | os.PathLike[str]) -> tuple[list[tuple[str, int]], tuple[str, ...], list[Skipped]]:
    """Find the image files of a folder.

    Returns
    -------
    files
        ``(relative path, class index)`` of each candidate image file, sorted.
    class_names
        One per class subfolder (sorted), or the folder's own name for a flat folder.
    skipped
        Files left out at this stage (unsupported type, outside the class folders).
    """
    top = Path(root).expanduser()
    if not top.is_dir():
        raise DataError(f"Image folder {top} does not exist or is not a folder.")
    entries = sorted(p for p in top.iterdir() if not p.name.startswith("."))
    class_dirs = [p for p in entries if p.is_dir() and not p.is_symlink()]
    skipped: list[Skipped] = []
    files: list[tuple[str, int]] = []

    def consider(path: Path, label: int) -> None:
        rel = path.relative_to(top).as_posix()
        if path.suffix.lower() in EXTENSIONS:
            files.append((rel, label))
        else:
            skipped.append(
                Skipped(
                    rel, f"not a supported image type ({path.suffix or 'no extension'}; use {', '.join(EXTENSIONS)})"
                )
            )

    if class_dirs:
        if len(class_dirs) > MAX_CLASSES:
            raise DataError(f"{top} has {len(class_dirs)} class folders; at most {MAX_CLASSES} are supported.")
        for p in entries:
            if p not in class_dirs:
                skipped.append(Skipped(p.relative_to(top).as_posix(), "outside the class folders (DIR/CLASS/IMAGE)"))
        for label, d in enumerate(class_dirs):
            for base, dirs, names in os.walk(d):
                dirs[:] = sorted(x for x in dirs if not x.startswith("."))
                for name in sorted(names):
                    if not name.startswith("."):
                        consider(Path(base) / name, label)
        return files, tuple(d.name for d in class_dirs), skipped
    for p in entries:
        consider(p, 0)
    return files, (top.resolve().name or "images",), skipped


def _open(data: bytes) -> Image.Image:
    """Open image bytes with the size, type and decompression-bomb checks; not yet decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _Unusable("decompression bomb (too many pixels to open safely)") from None
    except UnidentifiedImageError:
        raise _Unusable("not an image (Pillow cannot identify it)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise _Unusable(f"truncated or damaged ({exc})") from None
    if img.format not in FORMATS:
        raise _Unusable(f"unsupported image format {img.format}")
    w, h = img.size
    if w * h > MAX_PIXELS:
        raise _Unusable(f"decompression bomb ({w} x {h} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels)")
    return img


def _flatten(img: Image.Image, background: tuple[int, int, int]) -> tuple[Image.Image, bool]:
    """EXIF-rotated RGB image with transparency composited onto ``background``, and whether the
    source mode can hold colour."""
    img = ImageOps.exif_transpose(img)
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)
        return Image.fromarray(arr.astype(np.uint8), mode="L").convert("RGB"), False
    maybe_colour = img.mode not in ("1", "L", "LA", "La")
    if img.mode in ("P", "PA", "LA", "RGBA", "La", "RGBa") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        base = Image.new("RGBA", rgba.size, (*background, 255))
        img = Image.alpha_composite(base, rgba)
    return img.convert("RGB"), maybe_colour


def fit_square(img: Image.Image, size: int, fit: str = "pad") -> np.ndarray:
    """An RGB image fitted to (size, size, 3) uint8: ``"pad"`` scales the longer side to ``size``
    and pads with the median colour of the image's border; ``"crop"`` scales the shorter side and
    keeps the centre."""
    w, h = img.size
    scale = size / (max(w, h) if fit == "pad" else min(w, h))
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    small = np.asarray(img.resize((nw, nh), Image.Resampling.LANCZOS, reducing_gap=3.0))
    if fit == "crop":
        top, left = (nh - size) // 2, (nw - size) // 2
        return np.ascontiguousarray(small[top : top + size, left : left + size])
    border = np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]])
    out = np.empty((size, size, 3), dtype=np.uint8)
    out[:] = np.median(border, axis=0).round().astype(np.uint8)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top : top + nh, left : left + nw] = small
    return out


def read_image_file(path: str | os.PathLike[str]) -> bytes:
    """The bytes of an image file, read only if it is a regular file (a link to one is fine) of at
    most :data:`MAX_FILE_BYTES`: a FIFO named ``x.png`` would block the read forever and a link to
    ``/dev/zero`` never end. Raises ``_Unusable`` with the reason."""
    try:
        return read_bytes(path, MAX_FILE_BYTES, follow_links=True)
    except UnsafeFile as exc:
        raise _Unusable(f"not read: it {exc}") from None
    except OSError as exc:
        raise _Unusable(f"unreadable ({exc.strerror or exc})") from None


def decode_file(
    path: str | os.PathLike[str], size: int, fit: str = "pad", background: tuple[int, int, int] = (255, 255, 255)
) -> tuple[np.ndarray, bool, str]:
    """Decode one file to (size, size, 3) uint8, whether it is colour, and its content sha256.

    Raises ``_Unusable`` with the reason when the file cannot be used.
    """
    data = read_image_file(path)
    if not data:
        raise _Unusable("empty file (0 bytes)")
    img = _open(data)
    try:
        if img.format in ("JPEG", "MPO"):
            img.draft("RGB", (size * 2, size * 2))  # decode a JPEG at reduced scale: much faster
        img.seek(0)  # a GIF's (or WebP's) first frame
        img.load()
        rgb, maybe_colour = _flatten(img, background)
        arr = fit_square(rgb, size, fit)
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise _Unusable(f"truncated or damaged ({exc})") from None
    spread = int((arr.max(axis=2).astype(np.int16) - arr.min(axis=2)).max())
    return arr, bool(maybe_colour and spread > COLOUR_SPREAD), hashlib.sha256(data).hexdigest()


def to_grey(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601-2 luma, as Pillow's ``convert("L")``: L = (299 R + 587 G + 114 B) / 1000."""
    w = np.array([299, 587, 114], dtype=np.uint32)
    return ((rgb.astype(np.uint32) @ w + 500) // 1000).astype(np.uint8)


def parse_background(text: str) -> tuple[int, int, int]:
    """``"white"``, ``"black"`` or ``"#rrggbb"`` as an RGB triple; :class:`InputError` otherwise."""
    named = {"white": (255, 255, 255), "black": (0, 0, 0)}
    t = text.strip().lower()
    if t in named:
        return named[t]
    if len(t) == 7 and t.startswith("#"):
        try:
            return (int(t[1:3], 16), int(t[3:5], 16), int(t[5:7], 16))
        except ValueError:
            pass
    raise InputError(f"--background must be white, black or #rrggbb, not {text!r}.")


def load_image_folder(
    root: str | os.PathLike[str],
    image_size: int = 32,
    channels: int | None = None,
    fit: str = "pad",
    background: tuple[int, int, int] = (255, 255, 255),
    progress: Progress = _quiet,
    workers: int | None = None,
) -> ImageSet:
    """Scan, decode and fit every image of a folder (see the module docstring).

    Parameters
    ----------
    root
        The folder (``DIR/CLASS/IMAGE`` or ``DIR/IMAGE``).
    image_size
        Side of the square model images (28, 32, 64 or 128).
    channels
        1 (grey) or 3 (colour); None: colour if any usable image is colour.
    fit
        ``"pad"`` (default) or ``"crop"``.
    background
        RGB colour that transparency is composited onto.
    progress
        Called as ``progress("scan", i, n, {})`` and ``progress("decode", i, n, {})``.
    workers
        Decoding threads (Pillow decodes without the GIL); default: the CPU count.

    Raises
    ------
    DataError
        If the folder does not exist or no usable image is left (the message lists why files
        were skipped).
    """
    if image_size not in IMAGE_SIZES:
        raise InputError(f"--image-size must be one of {', '.join(map(str, IMAGE_SIZES))}, not {image_size}.")
    if channels not in (None, 1, 3):
        raise InputError(f"--channels must be 1 or 3, not {channels}.")
    if fit not in FITS:
        raise InputError(f"--fit must be pad or crop, not {fit!r}.")
    top = Path(root).expanduser()
    progress("scan", 0, 1, {})
    files, class_names, skipped = scan(top)
    progress("scan", 1, 1, {"files": float(len(files))})
    decoded: list[tuple[np.ndarray, bool, str] | str] = []

    def one(item: tuple[str, int]) -> tuple[np.ndarray, bool, str] | str:
        try:
            return decode_file(top / item[0], image_size, fit, background)
        except _Unusable as exc:
            return str(exc)

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for i, result in enumerate(pool.map(one, files, chunksize=16)):
            decoded.append(result)
            if i % 50 == 0 or i == len(files) - 1:
                progress("decode", i + 1, len(files), {})
    keep = [i for i, r in enumerate(decoded) if not isinstance(r, str)]
    skipped += [Skipped(files[i][0], r) for i, r in enumerate(decoded) if isinstance(r, str)]
    skipped.sort(key=lambda s: s.path)
    if not keep:
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:3]) or "the folder holds no files"
        more = f" (and {len(skipped) - 3} more)" if len(skipped) > 3 else ""
        raise DataError(f"No usable image in {top}: {reasons}{more}. Supported: {', '.join(EXTENSIONS)}.")
    rgb = np.stack([decoded[i][0] for i in keep])  # type: ignore[index]
    colour = any(decoded[i][1] for i in keep)  # type: ignore[index]
    channels = channels or (3 if colour else 1)
    images = rgb if channels == 3 else to_grey(rgb)
    labels = np.array([files[i][1] for i in keep], dtype=np.uint8)
    paths = [files[i][0] for i in keep]
    settings = {"image_size": image_size, "channels": channels, "fit": fit, "background": list(background)}
    h = hashlib.sha256(repr(sorted(settings.items())).encode())
    for i in keep:
        h.update(f"{files[i][0]}\0{files[i][1]}\0{decoded[i][2]}\n".encode())  # type: ignore[index]
    images.setflags(write=False)
    return ImageSet(images, labels, class_names, paths, str(top.resolve()), skipped, h.hexdigest(), settings)


def held_out(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded split of ``n`` rows into (train rows, held-out rows), both sorted.

    ``round(n * fraction)`` rows are held out, at least one when ``fraction > 0`` and ``n >= 2``,
    and never all of them.
    """
    if not 0.0 <= fraction < 1.0:
        raise InputError(f"--val-fraction must be in [0, 1), not {fraction}.")
    k = min(n - 1, max(1 if fraction > 0 and n >= 2 else 0, round(n * fraction)))
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[k:]), np.sort(order[:k])
