"""A package's identity: which catalogue a garment, a link or a cached object belongs to.

``PackageIdentity(name, content)``: ``name`` is the package folder's name (what ``?package=NAME``
and the picker say); ``content`` is the sha256 of the package's ``checksums.sha256``. That file
lists the sha256 of every other file, the manifest (with its ``data_fingerprint``, the training
images' own fingerprint) included, so ``content`` changes whenever any byte of the package does:
a package retrained or rebuilt into the same folder is another identity with the same name.

Two identities *match* when both name and content are equal. The app keys its caches by the
identity of the folder it serves (a folder replaced on disk is loaded anew), and a garment handed
from one page to another carries the identity of the package it came from; the receiving page
refuses it when that is not the package it serves. Saved garments store :meth:`to_dict`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files import UnsafeFile, read_bytes

CHECKSUMS = "checksums.sha256"
MAX_CHECKSUMS_BYTES = 4 * 2**20  # about 45,000 lines; a 10-million-item package has under 5,000
SHORT = 12  # hex digits of ``content`` shown to people and put in links


@dataclass(frozen=True)
class PackageIdentity:
    """Which package, by ``name`` (its folder's name) and ``content`` (hex sha256 of its
    ``checksums.sha256``; empty when that file cannot be read). ``data`` (the manifest's
    ``data_fingerprint``, when known) is informative only and not compared."""

    name: str
    content: str
    data: str = field(default="", compare=False)

    @property
    def short(self) -> str:
        """The first :data:`SHORT` hex digits of ``content`` (what links carry)."""
        return self.content[:SHORT]

    def matches(self, other: PackageIdentity | None) -> bool:
        """Same name and same content (an unreadable content never matches)."""
        return other is not None and bool(self.content) and self.name == other.name and self.content == other.content

    def __str__(self) -> str:
        return f"{self.name} ({self.short or 'unreadable'})"

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form (for saved garments); :meth:`from_dict` reads it back."""
        return {"name": self.name, "content": self.content, "data": self.data}

    @classmethod
    def from_dict(cls, value: Any) -> PackageIdentity | None:
        """The identity a :meth:`to_dict` wrote, or None for anything else."""
        if not isinstance(value, dict):
            return None
        name, content, data = value.get("name"), value.get("content"), value.get("data", "")
        if not isinstance(name, str) or not isinstance(content, str) or not isinstance(data, str):
            return None
        return cls(name, content, data)


def content_of(sums: bytes) -> str:
    """The content fingerprint of a package whose ``checksums.sha256`` holds ``sums``."""
    return hashlib.sha256(sums).hexdigest()


def read_content(folder: str | os.PathLike[str]) -> str:
    """The content fingerprint of the package in ``folder`` ("" when its checksums file is
    missing, not a regular file or too large)."""
    try:
        return content_of(read_bytes(Path(folder) / CHECKSUMS, MAX_CHECKSUMS_BYTES))
    except (OSError, UnsafeFile):
        return ""


_memo: dict[str, tuple[tuple[int, int, int, int], str]] = {}


def current_content(folder: str | os.PathLike[str]) -> str:
    """:func:`read_content`, re-read only when the checksums file's inode, size or times change
    (one ``stat`` per call otherwise: the app asks on every rerun). A package is replaced by
    renaming a new folder into place, so its checksums file is always a new inode."""
    path = os.path.join(os.fspath(folder), CHECKSUMS)
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return ""
    key = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    seen = _memo.get(path)
    if seen is not None and seen[0] == key:
        return seen[1]
    content = read_content(folder)
    _memo[path] = (key, content)
    return content


def identity_of(folder: str | os.PathLike[str], data: str = "") -> PackageIdentity:
    """The identity of the package in ``folder`` as it is on disk now."""
    return PackageIdentity(Path(folder).name, current_content(folder), data)


__all__ = ["PackageIdentity", "content_of", "current_content", "identity_of", "read_content"]
