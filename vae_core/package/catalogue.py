"""A package's catalogue: every catalogue image at model resolution, stored as PNG atlases.

Files inside the package folder (listed in the manifest and in ``checksums.sha256`` like every
other file, so they are verified before use)::

    catalogue-000.png ...   atlases of up to 2,048 images each: ``cols`` tiles per row, uint8 grey
                            (mode L) or RGB, each file well under 16 MiB (at most 12 MiB of pixels)
    catalogue.json          the original relative path of every image (null for data sets without
                            files, such as Fashion-MNIST), and the folder they were read from

PNG is lossless, needs no pickle and no custom reader, compresses garments about 2x, and a
person can open an atlas and look at it. Shards decode on first use (one at a time, cached), so
showing the first thumbnail costs one shard, not the whole catalogue.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import Image

from ..errors import PackageError, display_path
from ..files import UnsafeFile, open_regular, read_bytes, read_json
from ..model.image_folder import EXTENSIONS

INDEX_FILE = "catalogue.json"
SHARD_NAME = "catalogue-{:03d}.png"
FILE_PATTERN = re.compile(r"^catalogue(-\d{3}\.png|\.json)$")
MAX_PER_SHARD = 2048  # images per atlas: a thumbnail decodes at most this many (about 50 ms)
MAX_SHARD_PIXEL_BYTES = 12 * 2**20  # so a compressed atlas stays far below 16 MiB
MAX_COLS = 64  # tiles per atlas row
# What a reader accepts: an atlas's pixels (its last row padded) and file, and the index's size.
MAX_ATLAS_PIXEL_BYTES = 2 * MAX_SHARD_PIXEL_BYTES
MAX_ATLAS_FILE_BYTES = MAX_ATLAS_PIXEL_BYTES + 2**20
MAX_INDEX_BYTES = 512 * 2**20  # paths of 10 million images


def layout(count: int, image_size: int, channels: int) -> tuple[int, int]:
    """(images per shard, tiles per atlas row) for ``count`` images of this shape."""
    per_image = image_size * image_size * channels
    per_shard = max(1, min(MAX_PER_SHARD, MAX_SHARD_PIXEL_BYTES // per_image, max(count, 1)))
    cols = int(min(MAX_COLS, per_shard))
    return per_shard, cols


@dataclass
class Catalogue:
    """The catalogue's images (uint8, (N, S, S) grey or (N, S, S, 3) colour), read lazily.

    Create one from an array with :meth:`from_images`, or from a package folder with
    :meth:`open`; :meth:`images` returns copies of any rows.
    """

    image_size: int
    channels: int
    count: int
    shards: list[dict[str, Any]]
    paths: list[str | None] = field(default_factory=list)
    root: str | None = None
    folder: Path | None = None
    _cache: dict[int, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    # ---------------------------------------------------------------- building
    @classmethod
    def from_images(
        cls, images: np.ndarray, paths: list[str | None] | None = None, root: str | None = None
    ) -> Catalogue:
        """A catalogue held in memory (written by :meth:`write`)."""
        arr = np.ascontiguousarray(images, dtype=np.uint8)
        if arr.ndim not in (3, 4) or arr.shape[1] != arr.shape[2] or (arr.ndim == 4 and arr.shape[3] != 3):
            raise ValueError(f"catalogue images must be (N, S, S) or (N, S, S, 3) uint8; got {arr.shape}")
        n, size, channels = len(arr), arr.shape[1], 1 if arr.ndim == 3 else 3
        per_shard, cols = layout(n, size, channels)
        shards, cache = [], {}
        for i, start in enumerate(range(0, n, per_shard)):
            part = arr[start : start + per_shard]
            shards.append({"file": SHARD_NAME.format(i), "count": len(part), "cols": cols})
            cache[i] = part
        return cls(size, channels, n, shards, list(paths) if paths is not None else [None] * n, root, None, cache)

    def write(self, folder: str | os.PathLike[str]) -> list[str]:
        """Write the atlases and the index into ``folder``; returns the file names written."""
        folder = Path(folder)
        for i, shard in enumerate(self.shards):
            if self.folder is not None and (self.folder / shard["file"]).is_file():
                shutil.copyfile(self.folder / shard["file"], folder / shard["file"])  # already verified
                continue
            atlas = _tile(self._shard(i), int(shard["cols"]))
            Image.fromarray(atlas, mode="L" if self.channels == 1 else "RGB").save(
                folder / shard["file"], format="PNG", compress_level=6
            )
        paths = self.paths if any(p is not None for p in self.paths) else None  # null: no files (Fashion-MNIST)
        (folder / INDEX_FILE).write_text(json.dumps({"root": self.root, "paths": paths}) + "\n")
        return [s["file"] for s in self.shards] + [INDEX_FILE]

    def manifest_entry(self) -> dict[str, Any]:
        """What the package manifest records under ``"catalogue"``."""
        return {
            "image_size": self.image_size,
            "channels": self.channels,
            "count": self.count,
            "shards": self.shards,
            "index": INDEX_FILE,
        }

    # ---------------------------------------------------------------- reading
    @classmethod
    def open(
        cls,
        folder: str | os.PathLike[str],
        entry: dict[str, Any],
        shape: tuple[int, int, int] | None = None,
    ) -> Catalogue:
        """The catalogue of a (verified) package folder, from its manifest ``entry``.

        ``shape`` is the package's own (count, image size, channels); the entry must agree with
        it. Every atlas's PNG header is checked against the size its shard must have (and
        :data:`MAX_ATLAS_PIXEL_BYTES`) here, before anything is decoded, so a decompression bomb
        with correct checksums is refused at load; pixels decode only when :meth:`images` needs
        them. :class:`PackageError` names the first problem.
        """
        folder = Path(folder)
        shown = display_path(folder)
        try:
            index = read_json(folder / INDEX_FILE, MAX_INDEX_BYTES)
            if not isinstance(index, dict):
                raise ValueError(f"{INDEX_FILE} is not a JSON object")
            count = int(entry["count"])
            paths = index.get("paths")
            paths = [None] * count if paths is None else paths
            root = index.get("root")
            if not isinstance(paths, list) or not all(p is None or isinstance(p, str) for p in paths):
                raise ValueError(f"{INDEX_FILE}'s paths must be a list of texts")
            if root is not None and not isinstance(root, str):
                raise ValueError(f"{INDEX_FILE}'s root must be a text")
            cat = cls(
                image_size=int(entry["image_size"]),
                channels=int(entry["channels"]),
                count=count,
                shards=[
                    {"file": str(s["file"]), "count": int(s["count"]), "cols": int(s["cols"])} for s in entry["shards"]
                ],
                paths=paths,
                root=root,
                folder=folder,
            )
        except (OSError, UnsafeFile, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PackageError(f"The catalogue of {shown} is unreadable ({str(exc)[:200]}).") from None
        if shape is not None and (cat.count, cat.image_size, cat.channels) != tuple(shape):
            raise PackageError(
                f"The catalogue of {shown} holds {cat.count} images of {cat.image_size} px with {cat.channels} "
                f"channels; the package has {shape[0]} of {shape[1]} px with {shape[2]}."
            )
        if cat.channels not in (1, 3) or sum(int(s["count"]) for s in cat.shards) != cat.count:
            raise PackageError(f"The catalogue of {shown} lists {cat.count} images but its shards disagree.")
        if len(cat.paths) != cat.count:
            raise PackageError(f"{INDEX_FILE} of {shown} lists {len(cat.paths)} paths for {cat.count} images.")
        for i, shard in enumerate(cat.shards):
            try:
                with open_regular(folder / shard["file"], MAX_ATLAS_FILE_BYTES) as fh:
                    cat._check_header(i, fh)  # reads the PNG header only
            except (OSError, UnsafeFile) as exc:
                raise PackageError(f"Catalogue atlas {shard['file']} cannot be read ({str(exc)[:120]}).") from None
        return cat

    def _atlas_shape(self, i: int) -> tuple[int, int]:
        """(width, height) in pixels the atlas of shard ``i`` must have."""
        shard = self.shards[i]
        count, cols, s = int(shard["count"]), int(shard["cols"]), self.image_size
        if not (1 <= count <= MAX_PER_SHARD and 1 <= cols <= MAX_COLS and s >= 1):
            raise PackageError(f"Catalogue atlas {shard['file']} lists {count} images in rows of {cols}.")
        return cols * s, -(-count // cols) * s

    def _atlas_bytes(self, i: int) -> bytes:
        path = (self.folder or Path(".")) / self.shards[i]["file"]
        try:
            return read_bytes(path, MAX_ATLAS_FILE_BYTES)
        except (OSError, UnsafeFile) as exc:
            raise PackageError(f"Catalogue atlas {path.name} cannot be read ({str(exc)[:120]}).") from None

    def _check_header(self, i: int, source: IO[bytes]) -> Image.Image:
        """The atlas of shard ``i`` opened (header read, nothing decoded) once its size, mode and
        pixel count are what the shard needs; :class:`PackageError` otherwise."""
        name = self.shards[i]["file"]
        want = self._atlas_shape(i)
        if want[0] * want[1] * self.channels > MAX_ATLAS_PIXEL_BYTES:
            raise PackageError(f"Catalogue atlas {name} would be {want[0]} x {want[1]} pixels, over the atlas limit.")
        mode = "L" if self.channels == 1 else "RGB"
        needs = f"the package needs {want[0]} x {want[1]} {mode}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked just below
                img = Image.open(source, formats=["PNG"])
        except Image.DecompressionBombError:
            raise PackageError(
                f"Catalogue atlas {name} is a decompression bomb (far too many pixels); {needs}."
            ) from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise PackageError(f"Catalogue atlas {name} is not a readable PNG ({str(exc)[:120]}).") from None
        if img.size != want or img.mode != mode:
            raise PackageError(f"Catalogue atlas {name} is a {img.size[0]} x {img.size[1]} {img.mode} image; {needs}.")
        return img

    def _shard(self, i: int) -> np.ndarray:
        with self._lock:
            if i not in self._cache:
                self._cache[i] = self._read_shard(i)
            return self._cache[i]

    def _read_shard(self, i: int) -> np.ndarray:
        s, c, cols, count = self.image_size, self.channels, int(self.shards[i]["cols"]), int(self.shards[i]["count"])
        img = self._check_header(i, io.BytesIO(self._atlas_bytes(i)))  # the file may have changed since the load
        try:
            with img:
                atlas = np.asarray(img)
        except (OSError, ValueError, SyntaxError) as exc:
            raise PackageError(f"Catalogue atlas {self.shards[i]['file']} is unreadable ({exc}).") from None
        rows = -(-count // cols)
        if atlas.shape[:2] != (rows * s, cols * s):  # a truncated file can decode short
            raise PackageError(
                f"Catalogue atlas {self.shards[i]['file']} is {atlas.shape[:2]}; expected {(rows * s, cols * s)}."
            )
        tiles = atlas.reshape(rows, s, cols, s, c).swapaxes(1, 2).reshape(rows * cols, s, s, c)[:count]
        tiles = np.ascontiguousarray(tiles[..., 0] if c == 1 else tiles)
        tiles.setflags(write=False)
        return tiles

    @property
    def nbytes(self) -> int:
        """Bytes of every image decoded (what :meth:`warm` keeps in memory)."""
        return self.count * self.image_size * self.image_size * self.channels

    def warm(self) -> None:
        """Decode every shard now (PNG decoding releases the GIL: run it in a thread), so that
        later reads of any row are array lookups (a cold shard costs about 35 ms at 28 px)."""
        for i in range(len(self.shards)):
            self._shard(i)

    def images(self, indices: np.ndarray | list[int] | int) -> np.ndarray:
        """uint8 images of the given catalogue rows: (n, S, S) grey or (n, S, S, 3) colour."""
        idx = np.atleast_1d(np.asarray(indices, dtype=np.int64))
        if idx.size and (idx.min() < 0 or idx.max() >= self.count):
            raise IndexError(f"catalogue indices must be in 0..{self.count - 1}")
        shape = (self.image_size, self.image_size) + ((3,) if self.channels == 3 else ())
        out = np.empty((len(idx), *shape), dtype=np.uint8)
        starts = np.cumsum([0] + [int(s["count"]) for s in self.shards])
        which = np.searchsorted(starts, idx, side="right") - 1
        for shard in np.unique(which):
            sel = which == shard
            out[sel] = self._shard(int(shard))[idx[sel] - starts[shard]]
        return out

    def __len__(self) -> int:
        return self.count

    @property
    def shape(self) -> tuple[int, ...]:
        """(N, S, S) or (N, S, S, 3), as if the catalogue were one array."""
        return (self.count, self.image_size, self.image_size) + ((3,) if self.channels == 3 else ())

    def __getitem__(self, key: int | np.ndarray | list[int]) -> np.ndarray:
        """``catalogue[i]`` is one image, ``catalogue[indices]`` several: reads like the array it
        stands for (without decoding the rest)."""
        if np.ndim(key) == 0:
            return self.images([int(key)])[0]
        return self.images(key)

    def all_images(self) -> np.ndarray:
        """Every image, (N, S, S[, 3]) uint8 (decodes every shard)."""
        return self.images(np.arange(self.count))

    def original_path(self, index: int) -> Path | None:
        """The original file of catalogue row ``index`` if its folder is reachable, else None."""
        rel = self.paths[index] if 0 <= index < len(self.paths) else None
        if not rel or not self.root:
            return None
        root = Path(self.root).resolve()
        path = (root / rel).resolve()
        # only image files inside the recorded folder: a crafted catalogue.json cannot point elsewhere
        if not path.is_relative_to(root) or path.suffix.lower() not in EXTENSIONS:
            return None
        return path if path.is_file() else None


def _tile(images: np.ndarray, cols: int) -> np.ndarray:
    """(n, S, S[, 3]) -> an atlas (rows * S, cols * S[, 3]), the last row padded with black."""
    n, s = len(images), images.shape[1]
    rows = -(-n // cols)
    padded = np.zeros((rows * cols, *images.shape[1:]), dtype=np.uint8)
    padded[:n] = images
    tail = images.shape[3:]
    return padded.reshape(rows, cols, s, s, *tail).swapaxes(1, 2).reshape(rows * s, cols * s, *tail)


def catalogue_files(manifest: dict[str, Any]) -> list[str]:
    """The catalogue's file names a manifest lists (empty for a package without a catalogue)."""
    entry = manifest.get("catalogue")
    if not entry:
        return []
    return [s["file"] for s in entry.get("shards", [])] + [entry.get("index", INDEX_FILE)]
