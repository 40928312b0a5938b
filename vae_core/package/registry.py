"""Which model packages there are to choose from: the shipped one and every package in the
packages folder, ``$LATENT_ATELIER_PACKAGES`` (default ``~/.cache/latent-atelier/packages``),
where the app's "New catalogue" page also puts what it trains.

Listing reads each folder's manifest and checksums file only (nothing is verified or loaded,
so listing is cheap; loading a chosen one verifies it as always), and reads them as hostile
files (:mod:`vae_core.files`): regular files only, bounded in size and JSON depth, checked
against the manifest's schema. A folder that fails is still listed, with ``problem`` saying why
(so the picker can show it as broken); one bad folder never stops the listing of the others.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files import UnsafeFile, folder_bytes, read_json
from ..model.data import default_cache_dir
from . import DEFAULT_PACKAGE
from .format import MANIFEST, MAX_MANIFEST_BYTES
from .health import VERDICTS
from .identity import PackageIdentity, read_content
from .schema import manifest_problem

PACKAGES_ENV_VAR = "LATENT_ATELIER_PACKAGES"
MAX_LISTED = 500  # folders looked at in the packages folder


@dataclass(frozen=True)
class PackageInfo:
    """What the picker shows of a package: ``name`` (its folder's name), ``path``, image count,
    bytes on disk, image size and channels, its metrics, its health verdict and its :attr:`identity`.

    ``problem`` is None for a package that looks usable; otherwise one sentence saying why it
    cannot be used (its other facts are then zeros)."""

    name: str
    path: Path
    n_items: int
    bytes: int
    image_size: int
    channels: int
    has_images: bool
    metrics: dict[str, Any] = field(default_factory=dict)
    content: str = ""
    data_fingerprint: str = ""
    problem: str | None = None
    verdict: str = ""  # the health verdict ("healthy", "weak", "collapsed"); "" when not measured

    @property
    def identity(self) -> PackageIdentity:
        """The package's identity as listed (see :mod:`vae_core.package.identity`)."""
        return PackageIdentity(self.name, self.content, self.data_fingerprint)

    @property
    def usable(self) -> bool:
        return self.problem is None


def _broken(root: Path, problem: str) -> PackageInfo:
    return PackageInfo(root.name, root, 0, 0, 0, 0, False, problem=problem)


def inspect_package(path: str | os.PathLike[str]) -> PackageInfo:
    """The picker's facts about the package at ``path``; a folder that is no usable package comes
    back with ``problem`` set (never an exception)."""
    root = Path(path)
    try:
        manifest = read_json(root / MANIFEST, MAX_MANIFEST_BYTES)
    except FileNotFoundError:
        return _broken(root, f"it has no {MANIFEST}")
    except UnsafeFile as exc:
        return _broken(root, f"its {MANIFEST} {exc}")
    except OSError as exc:
        return _broken(root, f"its {MANIFEST} cannot be read ({exc.strerror or type(exc).__name__})")
    except ValueError as exc:
        return _broken(root, f"its {MANIFEST} is not valid JSON: {str(exc)[:100]}")
    problem = manifest_problem(manifest, only=("format", "model_config", "class_names", "n_items", "metrics"))
    if problem is not None:
        return _broken(root, problem)
    cfg = manifest["model_config"]
    try:
        size = folder_bytes(root)
    except OSError as exc:
        return _broken(root, f"the folder cannot be read ({exc.strerror or type(exc).__name__})")
    fingerprint = manifest.get("data_fingerprint")
    return PackageInfo(
        name=root.name,
        path=root,
        n_items=int(manifest["n_items"]),
        bytes=size,
        image_size=int(cfg.get("image_size", 28)),
        channels=int(cfg.get("image_channels", 1)),
        has_images=bool(manifest.get("catalogue")),
        metrics=dict(manifest.get("metrics") or {}),
        content=read_content(root),
        data_fingerprint=fingerprint if isinstance(fingerprint, str) else "",
        verdict=_verdict(manifest.get("health")),
    )


def _verdict(health: Any) -> str:
    """The manifest's health verdict, if it is one of the known words ("" otherwise)."""
    verdict = health.get("verdict") if isinstance(health, dict) else None
    return verdict if verdict in VERDICTS else ""


def package_info(path: str | os.PathLike[str]) -> PackageInfo | None:
    """The picker's facts about a usable-looking package at ``path``, or None."""
    info = inspect_package(path)
    return info if info.usable else None


def packages_dir() -> Path:
    """The packages folder: ``$LATENT_ATELIER_PACKAGES``, else ``<cache>/packages``."""
    configured = os.environ.get(PACKAGES_ENV_VAR)
    return Path(configured).expanduser() if configured else default_cache_dir() / "packages"


def package_folders() -> list[Path]:
    """The folders searched for packages (today one: :func:`packages_dir`)."""
    return [packages_dir()]


def _candidates(folder: Path) -> list[tuple[Path, str | None]]:
    """The package folders inside ``folder`` (hidden ones left out), each with a problem for a
    link that leads out of ``folder`` (or None)."""
    try:
        with os.scandir(folder) as it:
            entries = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)[:MAX_LISTED]
    except OSError:
        return []
    base = folder.resolve()
    found: list[tuple[Path, str | None]] = []
    for entry in entries:
        path = Path(entry.path)
        try:
            if not entry.is_dir():  # follows a link: a link to a folder is a candidate
                continue
        except OSError:
            continue
        problem = None
        if entry.is_symlink() and base not in path.resolve().parents:
            problem = "it is a link to a folder outside the packages folder"
        found.append((path, problem))
    return found


def list_packages(extra: list[Path] | None = None) -> list[PackageInfo]:
    """The shipped package first, then every package folder in :func:`package_folders` (sorted by
    name). Broken ones are listed with their ``problem``; a folder whose name an earlier package
    already has is listed as broken too (it could never be chosen by name)."""
    found: list[PackageInfo] = []
    candidates: list[tuple[Path, str | None]] = [(DEFAULT_PACKAGE, None), *((p, None) for p in extra or [])]
    for folder in package_folders():
        candidates += _candidates(folder)
    seen: set[str] = set()
    for path, problem in candidates:
        if path.name in seen:
            taken = f"the name {path.name!r} is already taken by another catalogue; rename its folder"
            found.append(_broken(path, taken))
            continue
        info = _broken(path, problem) if problem else inspect_package(path)
        if path == DEFAULT_PACKAGE and not info.usable:
            continue  # the shipped package's problems are reported when it loads
        seen.add(path.name)
        found.append(info)
    return found


__all__ = ["PACKAGES_ENV_VAR", "PackageInfo", "inspect_package", "list_packages", "package_info", "packages_dir"]
