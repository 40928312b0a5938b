"""Server folders and package names for the "New catalogue" page (no streamlit here).

A folder is only accepted inside the configured image root: the chosen path is resolved (every
symbolic link followed) and must still lie inside the resolved root, and no symbolic link inside
the folder may point out of it, so a link cannot smuggle another part of the server into a
catalogue. The package name becomes a folder name, so it is held to a small safe alphabet.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from vae_core import InputError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif")
MAX_SCANNED = 200_000  # directory entries looked at before a folder is refused as too big
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*")
NAME_MAX = 64


@dataclass(frozen=True)
class FolderSummary:
    """What a folder of images holds: its resolved ``path``, the number of image files and the
    class subfolders (empty when the images lie directly in the folder)."""

    path: Path
    images: int
    classes: tuple[str, ...] = field(default_factory=tuple)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def resolve_in_root(root: str | os.PathLike[str], choice: str) -> Path:
    """The folder ``choice`` (relative to ``root``, or absolute) resolved, symbolic links
    followed; :class:`InputError` if it does not exist, is not a folder or lies outside ``root``."""
    base = Path(root).resolve(strict=False)
    if not base.is_dir():
        raise InputError("The image root configured on this server does not exist; ask its administrator.")
    text = (choice or "").strip()
    if "\x00" in text:
        raise InputError("That folder name contains a NUL character.")
    candidate = (base / text).resolve(strict=False)  # an absolute choice replaces base here
    if not _inside(candidate, base):
        raise InputError(f"{text!r} is outside the image root; choose a folder inside it.")
    if not candidate.is_dir():
        raise InputError(f"{text!r} is not a folder inside the image root.")
    return candidate


def subfolders(root: str | os.PathLike[str], depth: int = 2, limit: int = 500) -> list[str]:
    """Folders under ``root`` (relative paths, sorted, at most ``depth`` levels, hidden ones and
    symbolic links left out), for the page's folder list."""
    base = Path(root).resolve()
    found: list[str] = []
    level = [base]
    for _ in range(depth):
        nxt: list[Path] = []
        for folder in level:
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
                    continue
                nxt.append(Path(entry.path))
                found.append(Path(entry.path).relative_to(base).as_posix())
                if len(found) >= limit:
                    return sorted(found)
        level = nxt
    return sorted(found)


def scan_folder(root: str | os.PathLike[str], folder: Path) -> FolderSummary:
    """Count the images of ``folder`` (already resolved inside ``root``) and check its links.

    Raises :class:`InputError` when a symbolic link inside it resolves outside ``root``, when it
    holds more than :data:`MAX_SCANNED` entries, or when it holds no image file.
    """
    base = Path(root).resolve()
    images, scanned = 0, 0
    classes: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        for name in [*dirnames, *filenames]:
            scanned += 1
            if scanned > MAX_SCANNED:
                raise InputError(f"The folder holds more than {MAX_SCANNED:,} entries; choose a smaller one.")
            entry = here / name
            if entry.is_symlink() and not _inside(entry.resolve(strict=False), base):
                rel = entry.relative_to(folder).as_posix()
                raise InputError(
                    f"{rel!r} is a link that points outside the image root; remove it or choose another folder."
                )
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith(".") and name.lower().endswith(IMAGE_EXTENSIONS):
                images += 1
                if here != folder:
                    classes.add(here.relative_to(folder).parts[0])
    if images == 0:
        raise InputError(f"No image files ({', '.join(IMAGE_EXTENSIONS)}) in that folder.")
    return FolderSummary(path=folder, images=images, classes=tuple(sorted(classes)))


def validate_name(name: str, packages: str | os.PathLike[str]) -> str:
    """``name`` stripped, if it is safe as a folder name and no package of that name exists in
    ``packages``; otherwise :class:`InputError` saying what is allowed."""
    text = (name or "").strip()
    if not text:
        raise InputError("Give the catalogue a name.")
    if len(text) > NAME_MAX or not NAME_PATTERN.fullmatch(text):
        raise InputError(
            f"Names use letters, digits, '-', '_' and inner dots, start with a letter or digit and "
            f"have at most {NAME_MAX} characters; {text[:80]!r} does not."
        )
    if (Path(packages) / text).exists():
        raise InputError(f"A package named {text!r} already exists; choose another name.")
    return text


def suggest_name(text: str, packages: str | os.PathLike[str]) -> str:
    """A valid, unused package name made from ``text`` (a file or folder name): unsafe characters
    become '-', and ``-2``, ``-3``, ... is appended while the name is taken."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(text or "").stem).strip("-_")[: NAME_MAX - 4] or "catalogue"
    name, n = stem, 1
    while (Path(packages) / name).exists():
        n += 1
        name = f"{stem}-{n}"
    return name
