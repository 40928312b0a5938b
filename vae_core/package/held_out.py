"""A package's held-out images: a few hundred images the model never trained on, with their labels,
so every page and ``python -m vae_core eval`` can show what the model learned (an original beside
its reconstruction) without a data folder.

Files inside the package folder (listed in the manifest and in ``checksums.sha256`` like every
other file, so they are verified before use)::

    heldout.png     one PNG atlas, uint8 grey (mode L) or RGB, ``cols`` tiles per row (the layout of
                    the catalogue's atlases, ``vae_core.package.catalogue``)
    heldout.json    ``{"labels": [...], "rows": [...]}``: each image's class, and its row in the split
                    it was drawn from (the Fashion-MNIST test split, or the image folder's rows)

At most :data:`MAX_HELD_OUT` images, fewer when that many would pass the catalogue's per-atlas
pixel budget (256 at 128 px in colour), drawn without replacement by a seeded generator.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..errors import PackageError
from .catalogue import MAX_SHARD_PIXEL_BYTES, _tile

ATLAS, INDEX = "heldout.png", "heldout.json"
FILE_PATTERN = re.compile(r"^heldout\.(png|json)$")
MAX_HELD_OUT = 500  # enough for a page's samples and a stable error figure; 0.4 MB at 28 px grey
COLS = 25


def capacity(image_size: int, channels: int) -> int:
    """How many held-out images of this shape a package stores at most."""
    return int(max(1, min(MAX_HELD_OUT, MAX_SHARD_PIXEL_BYTES // (image_size * image_size * channels))))


def pick(n_available: int, seed: int, image_size: int, channels: int) -> np.ndarray:
    """Sorted rows (of ``n_available``) to store: ``min(capacity, n_available)`` of them, drawn
    without replacement by a generator seeded with ``seed``."""
    n = min(capacity(image_size, channels), n_available)
    return np.sort(np.random.default_rng(seed).choice(n_available, size=n, replace=False))


@dataclass
class HeldOut:
    """Held-out images (uint8, (n, S, S) grey or (n, S, S, 3) colour), their ``labels`` (n,)
    uint8 and ``rows`` (n,) in the split named by ``source``; the images decode on first use."""

    image_size: int
    channels: int
    labels: np.ndarray
    rows: np.ndarray
    source: str
    seed: int = 0
    cols: int = COLS
    folder: Path | None = None
    _images: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("labels", "rows"):
            arr = np.ascontiguousarray(getattr(self, name), dtype=np.uint8 if name == "labels" else np.int64)
            arr.setflags(write=False)
            setattr(self, name, arr)

    def __len__(self) -> int:
        return int(len(self.labels))

    @classmethod
    def from_images(
        cls, images: np.ndarray, labels: np.ndarray, rows: np.ndarray, source: str, seed: int = 0
    ) -> HeldOut:
        """Held-out images held in memory (written by :meth:`write`)."""
        arr = np.ascontiguousarray(images, dtype=np.uint8)
        if arr.ndim not in (3, 4) or arr.shape[1] != arr.shape[2] or (arr.ndim == 4 and arr.shape[3] != 3):
            raise ValueError(f"held-out images must be (n, S, S) or (n, S, S, 3) uint8; got {arr.shape}")
        if not len(arr) == len(labels) == len(rows) or len(arr) == 0:
            raise ValueError(f"{len(arr)} held-out images need as many labels and rows ({len(labels)}, {len(rows)})")
        channels = 1 if arr.ndim == 3 else 3
        if len(arr) > capacity(arr.shape[1], channels):
            raise ValueError(f"at most {capacity(arr.shape[1], channels)} held-out images of this size; got {len(arr)}")
        arr.setflags(write=False)
        cols = min(COLS, len(arr))
        return cls(arr.shape[1], channels, labels, rows, source, seed, cols, None, arr)

    def images(self) -> np.ndarray:
        """Every held-out image, (n, S, S[, 3]) uint8, read-only (decoded once)."""
        if self._images is None:
            self._images = self._read()
        return self._images

    # ---------------------------------------------------------------- files
    def manifest_entry(self) -> dict[str, Any]:
        """What the package manifest records under ``"held_out"``."""
        return {
            "file": ATLAS,
            "index": INDEX,
            "count": len(self),
            "cols": self.cols,
            "image_size": self.image_size,
            "channels": self.channels,
            "source": self.source,
            "seed": self.seed,
        }

    def write(self, folder: str | os.PathLike[str]) -> list[str]:
        """Write the atlas and the index into ``folder``; returns the file names written."""
        folder = Path(folder)
        if self.folder is not None and self._images is None:  # opened and never decoded: copy
            shutil.copyfile(self.folder / ATLAS, folder / ATLAS)
        else:
            atlas = _tile(self.images(), self.cols)
            Image.fromarray(atlas, mode="L" if self.channels == 1 else "RGB").save(
                folder / ATLAS, format="PNG", compress_level=9
            )
        index = {"labels": self.labels.tolist(), "rows": self.rows.tolist()}
        (folder / INDEX).write_text(json.dumps(index, separators=(",", ":")) + "\n")
        return [ATLAS, INDEX]

    @classmethod
    def open(cls, folder: str | os.PathLike[str], entry: dict[str, Any], n_classes: int) -> HeldOut:
        """The held-out images of a (verified) package folder from its manifest ``entry``
        (``vae_core.package.schema`` has checked it); labels are checked against ``n_classes``."""
        folder = Path(folder)
        count = int(entry["count"])
        try:
            index = json.loads((folder / INDEX).read_text())
            labels, rows = index["labels"], index["rows"]
            ok = isinstance(labels, list) and isinstance(rows, list) and len(labels) == len(rows) == count
            ok = ok and all(isinstance(v, int) and not isinstance(v, bool) for v in labels + rows)
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            ok = False
        if not ok:
            raise PackageError(f"{INDEX} must list {count} whole-number labels and rows.")
        if min(labels) < 0 or max(labels) >= n_classes or min(rows) < 0:
            raise PackageError(f"{INDEX} holds a label outside the package's {n_classes} classes or a negative row.")
        return cls(
            image_size=int(entry["image_size"]),
            channels=int(entry["channels"]),
            labels=np.asarray(labels),
            rows=np.asarray(rows),
            source=str(entry.get("source", "")),
            seed=int(entry.get("seed", 0)),
            cols=int(entry["cols"]),
            folder=folder,
        )

    def _read(self) -> np.ndarray:
        s, c, cols, n = self.image_size, self.channels, self.cols, len(self)
        rows = -(-n // cols)
        path = (self.folder or Path(".")) / ATLAS
        try:
            with Image.open(io.BytesIO(path.read_bytes()), formats=["PNG"]) as img:
                if img.size != (cols * s, rows * s):  # checked before any pixel is decoded
                    raise PackageError(f"{ATLAS} is {img.size[0]} x {img.size[1]}; expected {cols * s} x {rows * s}.")
                atlas = np.asarray(img.convert("L" if c == 1 else "RGB"))
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise PackageError(f"{ATLAS} is unreadable ({exc}).") from None
        tiles = atlas.reshape(rows, s, cols, s, c).swapaxes(1, 2).reshape(rows * cols, s, s, c)[:n]
        tiles = np.ascontiguousarray(tiles[..., 0] if c == 1 else tiles)
        tiles.setflags(write=False)
        return tiles


def held_out_files(manifest: dict[str, Any]) -> list[str]:
    """The held-out files a manifest lists (empty for a package without held-out images)."""
    return [ATLAS, INDEX] if manifest.get("held_out") else []
