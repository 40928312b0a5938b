"""Which model packages there are to choose from: the shipped one and every package in the
packages folder, ``$LATENT_ATELIER_PACKAGES`` (default ``~/.cache/latent-atelier/packages``),
where the app's "New catalogue" page also puts what it trains. Read from manifests only (nothing
verified or loaded), so listing is cheap; loading a chosen one verifies it as always.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model.data import default_cache_dir
from . import DEFAULT_PACKAGE

PACKAGES_ENV_VAR = "LATENT_ATELIER_PACKAGES"


@dataclass(frozen=True)
class PackageInfo:
    """What the picker shows of a package: ``name`` (its folder's name), ``path``, image count,
    bytes on disk, image size and channels, its metrics and its health verdict."""

    name: str
    path: Path
    n_items: int
    bytes: int
    image_size: int
    channels: int
    has_images: bool
    metrics: dict[str, Any] = field(default_factory=dict)
    verdict: str = ""  # the health verdict ("healthy", "weak", "collapsed"); "" when not measured


def package_info(path: str | os.PathLike[str]) -> PackageInfo | None:
    """The picker's facts about the package at ``path``, or None if it has no readable manifest."""
    root = Path(path)
    try:
        manifest = json.loads((root / "manifest.json").read_text())
        cfg = manifest.get("model_config", {})
        return PackageInfo(
            name=root.name,
            path=root,
            n_items=int(manifest["n_items"]),
            bytes=sum(f.stat().st_size for f in root.iterdir() if f.is_file()),
            image_size=int(cfg.get("image_size", 28)),
            channels=int(cfg.get("image_channels", 1)),
            has_images=bool(manifest.get("catalogue")),
            metrics=dict(manifest.get("metrics") or {}),
            verdict=str((manifest.get("health") or {}).get("verdict", ""))[:20],
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def packages_dir() -> Path:
    """The packages folder: ``$LATENT_ATELIER_PACKAGES``, else ``<cache>/packages``."""
    configured = os.environ.get(PACKAGES_ENV_VAR)
    return Path(configured).expanduser() if configured else default_cache_dir() / "packages"


def package_folders() -> list[Path]:
    """The folders searched for packages (today one: :func:`packages_dir`)."""
    return [packages_dir()]


def list_packages(extra: list[Path] | None = None) -> list[PackageInfo]:
    """The shipped package first, then every package in :func:`package_folders` (sorted by name;
    a later package with an already listed name is left out)."""
    found: list[PackageInfo] = []
    candidates = [DEFAULT_PACKAGE, *(extra or [])]
    for folder in package_folders():
        if folder.is_dir():
            candidates += sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    seen: set[str] = set()
    for path in candidates:
        info = package_info(path)
        if info is not None and info.name not in seen:
            seen.add(info.name)
            found.append(info)
    return found
