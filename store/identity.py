"""A model package's identity as the store records it: its name, the fingerprint of the data it
was trained on, and a fingerprint of its exact content.

Content fingerprint: the sha256 of the package's ``checksums.sha256`` file, which lists the sha256
of every other file (weights, latents, maps, manifest), so two packages share it only if they are
byte-identical; a retrained package with the same name gets a new one. Read from two small files,
nothing verified or loaded. The one function to point elsewhere if the library grows a home for a
package's identity.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

CHECKSUMS = "checksums.sha256"  # written by vae_core.package.format (not imported: no torch here)
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class PackageIdentity:
    """``name`` (the package folder's name, as ``?package=NAME`` uses it), ``data_fingerprint``
    (the manifest's) and ``content`` (sha256 of ``checksums.sha256``; "" when unreadable)."""

    name: str
    data_fingerprint: str = ""
    content: str = ""

    def same_package(self, other: PackageIdentity) -> bool:
        """The same package content; packages without a content fingerprint compare by name and
        data fingerprint."""
        if self.content and other.content:
            return self.content == other.content
        return (self.name, self.data_fingerprint) == (other.name, other.data_fingerprint)

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "data_fingerprint": self.data_fingerprint, "content": self.content}


def package_identity(path: str | os.PathLike[str]) -> PackageIdentity:
    """The identity of the package folder at ``path`` (never raises: unreadable parts are "")."""
    root = Path(path)
    try:
        manifest = json.loads((root / MANIFEST).read_text())
        fingerprint = str(manifest.get("data_fingerprint") or "")
    except (OSError, ValueError, AttributeError):
        fingerprint = ""
    try:
        content = hashlib.sha256((root / CHECKSUMS).read_bytes()).hexdigest()
    except OSError:
        content = ""
    return PackageIdentity(name=root.name, data_fingerprint=fingerprint, content=content)
