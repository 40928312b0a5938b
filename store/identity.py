"""A model package's identity as the store records it: the library's
:class:`vae_core.package.identity.PackageIdentity` (``name``: the package folder's name;
``content``: the sha256 of its ``checksums.sha256``, which covers every file; ``data``: the
manifest's ``data_fingerprint``, informative only). Saved items and directions keep all three;
an item belongs to a package on this server when both name and content match
(:meth:`PackageIdentity.matches`). Importing that module loads neither torch nor numpy.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from vae_core.package.identity import PackageIdentity, identity_of

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 16 * 2**20


def _data_fingerprint(folder: Path) -> str:
    """The manifest's ``data_fingerprint`` ("" when it cannot be read)."""
    try:
        path = folder / MANIFEST
        if not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return ""
        value = json.loads(path.read_text()).get("data_fingerprint")
    except (OSError, ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


def package_identity(path: str | os.PathLike[str]) -> PackageIdentity:
    """The identity of the package folder at ``path`` as it is on disk now, with its data
    fingerprint (never raises: an unreadable part is ""). A loaded package has it as
    ``ModelPackage.identity``."""
    return identity_of(path, _data_fingerprint(Path(path)))


__all__ = ["PackageIdentity", "package_identity"]
