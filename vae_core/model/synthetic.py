"""Synthetic garment photos for tests, benchmarks and demos: a folder in the ``ImageFolder``
layout (``DIR/CLASS/IMAGE``) of coloured tops, trousers and bags on light backgrounds, in every
supported format and with the awkward cases a real folder has (transparency, EXIF rotation,
grey images, odd aspect ratios), plus, on request, one broken file of every kind that must be
skipped.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

CLASSES = ("bags", "tops", "trousers")
FORMATS = ("png", "jpg", "webp", "bmp", "gif", "png_rgba", "jpg_exif", "png_grey")

# The broken files :func:`add_broken_files` writes and the start of the reason each must get.
BROKEN = {
    "tops/empty.jpg": "empty file",
    "tops/notes.png": "not an image",
    "tops/truncated.jpg": "truncated or damaged",
    "bags/bomb.png": "decompression bomb",
    "bags/unreadable.png": "unreadable",
    "trousers/readme.txt": "not a supported image type",
    "stray.png": "outside the class folders",
}


def _draw(cls: str, rng: np.random.Generator, w: int, h: int) -> Image.Image:
    bg = tuple(int(v) for v in rng.integers(215, 256, 3))
    fg = tuple(int(v) for v in rng.integers(0, 200, 3))
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    cx, cy, s = w / 2, h / 2, min(w, h) * rng.uniform(0.35, 0.45)
    if cls == "tops":  # body and two sleeves
        d.rectangle([cx - s * 0.5, cy - s * 0.7, cx + s * 0.5, cy + s * 0.9], fill=fg)
        d.polygon(
            [(cx - s * 0.5, cy - s * 0.7), (cx - s, cy), (cx - s * 0.8, cy + s * 0.2), (cx - s * 0.5, cy - s * 0.2)],
            fill=fg,
        )
        d.polygon(
            [(cx + s * 0.5, cy - s * 0.7), (cx + s, cy), (cx + s * 0.8, cy + s * 0.2), (cx + s * 0.5, cy - s * 0.2)],
            fill=fg,
        )
    elif cls == "trousers":  # waistband and two legs
        d.rectangle([cx - s * 0.5, cy - s, cx + s * 0.5, cy - s * 0.6], fill=fg)
        d.rectangle([cx - s * 0.5, cy - s * 0.6, cx - s * 0.05, cy + s], fill=fg)
        d.rectangle([cx + s * 0.05, cy - s * 0.6, cx + s * 0.5, cy + s], fill=fg)
    else:  # a bag: body and handle
        d.rectangle([cx - s * 0.8, cy - s * 0.2, cx + s * 0.8, cy + s * 0.8], fill=fg)
        d.arc([cx - s * 0.5, cy - s * 0.8, cx + s * 0.5, cy + s * 0.2], 180, 360, fill=fg, width=max(2, int(s / 8)))
    return img


def _save(img: Image.Image, fmt: str, path: Path) -> Path:
    if fmt == "png_rgba":  # transparent background: the garment only
        arr = np.asarray(img.convert("RGBA")).copy()
        corner = arr[0, 0, :3]
        arr[..., 3] = np.where(np.all(arr[..., :3] == corner, axis=-1), 0, 255)
        Image.fromarray(arr, "RGBA").save(path.with_suffix(".png"))
        return path.with_suffix(".png")
    if fmt == "jpg_exif":  # stored rotated, with EXIF orientation 6 (display rotated 90 degrees clockwise)
        exif = Image.Exif()
        exif[0x0112] = 6
        img.transpose(Image.Transpose.ROTATE_90).save(path.with_suffix(".jpg"), quality=90, exif=exif)
        return path.with_suffix(".jpg")
    if fmt == "png_grey":
        img.convert("L").save(path.with_suffix(".png"))
        return path.with_suffix(".png")
    ext = {"jpg": ".jpg", "webp": ".webp", "bmp": ".bmp", "gif": ".gif", "png": ".png"}[fmt]
    kw = {"quality": 90} if fmt in ("jpg", "webp") else {}
    if fmt == "gif":  # two frames: the first is the garment
        frames = [img.convert("P"), Image.new("P", img.size, 0)]
        frames[0].save(path.with_suffix(ext), save_all=True, append_images=frames[1:], duration=100)
        return path.with_suffix(ext)
    img.save(path.with_suffix(ext), **kw)
    return path.with_suffix(ext)


def make_garment_folder(
    root: str | os.PathLike[str],
    per_class: int = 100,
    seed: int = 0,
    size_range: tuple[int, int] = (40, 90),
    formats: tuple[str, ...] = FORMATS,
) -> list[Path]:
    """Write ``per_class`` images of each class in :data:`CLASSES` under ``root/CLASS/``,
    cycling through ``formats`` and random aspect ratios; returns the files written."""
    rng = np.random.default_rng(seed)
    written = []
    for cls in CLASSES:
        (Path(root) / cls).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            w, h = (int(v) for v in rng.integers(*size_range, 2))
            img = _draw(cls, rng, w, h)
            written.append(_save(img, formats[i % len(formats)], Path(root) / cls / f"{cls}_{i:04d}"))
    return written


def bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb)."""
    buf = io.BytesIO()
    Image.new("L", (1, 1)).save(buf, format="PNG")
    data = bytearray(buf.getvalue())
    ihdr = 8 + 8  # signature, then length and type of the IHDR chunk
    data[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr - 4 : ihdr + 13]))
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", crc)
    return bytes(data)


def add_broken_files(root: str | os.PathLike[str]) -> dict[str, str]:
    """Write one unusable file of every kind into ``root`` (see :data:`BROKEN`); returns it."""
    root = Path(root)
    for cls in CLASSES:
        (root / cls).mkdir(parents=True, exist_ok=True)
    (root / "tops/empty.jpg").write_bytes(b"")
    (root / "tops/notes.png").write_text("these are not pixels\n")
    buf = io.BytesIO()
    noise = np.random.default_rng(0).integers(0, 256, (128, 128, 3), dtype=np.uint8)
    Image.fromarray(noise).save(buf, format="JPEG", quality=95)  # header intact, pixels cut short
    (root / "tops/truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) * 3 // 5])
    (root / "bags/bomb.png").write_bytes(bomb_png())
    link = root / "bags/unreadable.png"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(root / "bags" / "no-such-file.png")  # a dangling link: the file cannot be read
    (root / "trousers/readme.txt").write_text("product photos\n")
    Image.new("RGB", (8, 8), (0, 0, 255)).save(root / "stray.png")
    return dict(BROKEN)
