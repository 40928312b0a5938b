"""Fashion-MNIST: find it, read it, check it, fingerprint it.

Two sources, one result (``uint8`` images ``(N, 28, 28)`` and ``uint8`` labels ``(N,)``):

* a local folder holding the four standard IDX files (``.gz`` or decompressed), given by
  ``--data DIR`` or the environment variable ``LATENT_ATELIER_DATA_DIR``; this is how tests, CI
  and offline machines run;
* otherwise torchvision downloads the data set into ``~/.cache/latent-atelier`` (once).

The files are parsed here (not through torchvision) so a folder is checked for its header magic
numbers and shapes and a problem is reported as one :class:`~vae_core.errors.DataError` that
names the files expected and how to get them.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError, display_path
from ..files import UnsafeFile, open_regular

ENV_VAR = "LATENT_ATELIER_DATA_DIR"
CLASS_NAMES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
SIZES = {"train": 60_000, "test": 10_000}
_IMAGE_MAGIC, _LABEL_MAGIC = 2051, 2049
_HOW_TO_GET = (
    "Expected the four Fashion-MNIST IDX files ({files}, each optionally .gz) in that folder. "
    "Point --data or LATENT_ATELIER_DATA_DIR at a folder holding them, or unset both on a "
    "machine with internet access and the app downloads them "
    "(https://github.com/zalandoresearch/fashion-mnist)."
)


@dataclass(frozen=True)
class Split:
    """One split of the data set: ``images`` (N, 28, 28) uint8 and ``labels`` (N,) uint8."""

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...] = CLASS_NAMES

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def as_float(self) -> np.ndarray:
        """Images scaled to [0, 1] as float32, shape (N, 1, 28, 28): the model's input."""
        return (self.images.astype(np.float32) / 255.0)[:, None, :, :]

    def fingerprint(self) -> str:
        """sha256 of the decompressed pixel and label bytes (independent of compression)."""
        h = hashlib.sha256()
        h.update(np.ascontiguousarray(self.images).tobytes())
        h.update(np.ascontiguousarray(self.labels).tobytes())
        return h.hexdigest()


def _all_names() -> str:
    return ", ".join(n for pair in FILES.values() for n in pair)


def _fail(msg: str) -> DataError:
    return DataError(f"{msg} {_HOW_TO_GET.format(files=_all_names())}")


def _find(folder: Path, stem: str) -> Path:
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.exists() or candidate.is_symlink():  # not only files: _read_idx says what else it is
            return candidate
    raise _fail(f"Fashion-MNIST file {stem}[.gz] is missing from {display_path(folder)}.")


def _read_idx(path: Path, magic: int, ndim: int, limit: int) -> np.ndarray:
    """The IDX array in ``path`` (``.gz`` or not), reading at most ``limit`` bytes of data: only a
    regular file (a FIFO would block the read, a link to ``/dev/zero`` never end it), and a gzip
    file is decompressed only as far as the split's size (a gzip bomb is not inflated in full)."""
    try:
        with open_regular(path, limit, follow_links=True) as fh:
            if path.suffix == ".gz":
                with gzip.GzipFile(fileobj=fh) as gz:
                    raw = gz.read(limit + 1)
            else:
                raw = fh.read(limit + 1)
    except UnsafeFile as exc:
        raise _fail(f"Cannot read {display_path(path)}: it {exc}.") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise _fail(f"Cannot read {display_path(path)}: {getattr(exc, 'strerror', None) or exc}.") from None
    if len(raw) > limit:
        raise _fail(f"{display_path(path)} holds more than the {limit:,} bytes this split's file has.")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise _fail(f"{display_path(path)} is too short to be an IDX file.")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise _fail(f"{display_path(path)} has IDX magic number {found}, expected {magic}.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise _fail(f"{display_path(path)} holds {len(raw) - header} data bytes; its header promises {expected}.")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def read_split(folder: str | os.PathLike[str], split: str = "train") -> Split:
    """Read one split from a folder of IDX files, checking magic numbers and shapes.

    Parameters
    ----------
    folder
        Folder holding ``{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]``.
    split
        ``"train"`` (60,000 items) or ``"test"`` (10,000 items).

    Raises
    ------
    DataError
        If the folder or a file is missing, unreadable or malformed.
    """
    if split not in FILES:
        raise DataError(f"Unknown split {split!r}; use 'train' or 'test'.")
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise _fail(f"Data folder {display_path(root)} does not exist.")
    img_stem, lab_stem = FILES[split]
    n = SIZES[split]
    images = _read_idx(_find(root, img_stem), _IMAGE_MAGIC, 3, 16 + n * 28 * 28)
    labels = _read_idx(_find(root, lab_stem), _LABEL_MAGIC, 1, 8 + n)
    if images.shape[1:] != (28, 28):
        raise _fail(f"{img_stem} holds images of shape {images.shape[1:]}, expected (28, 28).")
    if images.shape[0] != labels.shape[0] or images.shape[0] != SIZES[split]:
        raise _fail(
            f"The {split} split holds {images.shape[0]} images and {labels.shape[0]} labels; "
            f"expected {SIZES[split]} of each."
        )
    if labels.max(initial=0) >= len(CLASS_NAMES):
        raise _fail(f"{lab_stem} holds labels outside 0..{len(CLASS_NAMES) - 1}.")
    return Split(images=images, labels=labels)


def default_cache_dir() -> Path:
    """Where downloaded data is kept: ``$XDG_CACHE_HOME/latent-atelier`` or ``~/.cache/...``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "latent-atelier"


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The local folder to read from: the argument, else ``$LATENT_ATELIER_DATA_DIR``, else None."""
    chosen = data_dir if data_dir not in (None, "") else os.environ.get(ENV_VAR) or None
    return Path(chosen).expanduser() if chosen else None


def download(root: str | os.PathLike[str] | None = None) -> Path:
    """Download Fashion-MNIST with torchvision into ``root`` and return the folder of raw files."""
    root = Path(root) if root else default_cache_dir()
    raw = root / "FashionMNIST" / "raw"
    try:
        if not all((raw / n).is_file() for pair in FILES.values() for n in pair):
            from torchvision.datasets import FashionMNIST

            for train in (True, False):
                FashionMNIST(str(root), train=train, download=True)
    except Exception as exc:  # network errors come in many types; all mean the same to a user
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise _fail(f"Downloading Fashion-MNIST into {display_path(root)} failed ({reason}).") from None
    return raw


def load_split(
    split: str = "train", data_dir: str | os.PathLike[str] | None = None, allow_download: bool = True
) -> Split:
    """Load a split from ``data_dir`` / ``$LATENT_ATELIER_DATA_DIR``, or download it.

    Parameters
    ----------
    split
        ``"train"`` or ``"test"``.
    data_dir
        A folder of IDX files; when None, the environment variable is used, and when that is unset
        too the data set is downloaded (if ``allow_download``) into :func:`default_cache_dir`.
    allow_download
        If False and no folder is configured, raise :class:`DataError` instead of downloading.
    """
    folder = resolve_data_dir(data_dir)
    if folder is None:
        cached = default_cache_dir() / "FashionMNIST" / "raw"
        if cached.is_dir():
            try:
                return read_split(cached, split)
            except DataError:
                pass  # incomplete earlier download: fetch again below
        if not allow_download:
            raise _fail("No data folder is configured and downloading is switched off.")
        folder = download()
    return read_split(folder, split)
