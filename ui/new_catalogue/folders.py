"""Server folders and package names for the "New catalogue" page (no streamlit here).

A folder is only accepted inside the configured image root: the chosen path is resolved (every
symbolic link followed) and must still lie inside the resolved root, and no symbolic link inside
the folder may point out of it, so a link cannot smuggle another part of the server into a
catalogue. The package name becomes a folder name, so it is held to a small safe alphabet.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from vae_core import DEFAULT_PACKAGE, InputError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif")
MAX_SCANNED = 200_000  # directory entries looked at before a folder is refused as too big
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*")
NAME_MAX = 64


@dataclass(frozen=True)
class FolderSummary:
    """What a folder of images holds: its resolved ``path``, the number of image files, the class
    subfolders (empty when the images lie directly in the folder), and the files that training
    will skip, each with the reason."""

    path: Path
    images: int
    classes: tuple[str, ...] = field(default_factory=tuple)
    skipped: tuple[tuple[str, str], ...] = field(default_factory=tuple)


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


def _file_problem(entry: Path) -> str | None:
    """Why the trainer will skip ``entry`` although its name is an image's (None if it will not):
    only regular files are read (a FIFO would block the read, a device never end it)."""
    try:
        mode = entry.stat().st_mode  # a link inside the root is followed, as the trainer does
    except OSError as exc:
        return f"unreadable ({exc.strerror or type(exc).__name__})"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, device or socket); it is never read"
    return None


def scan_folder(root: str | os.PathLike[str], folder: Path) -> FolderSummary:
    """Count the images of ``folder`` (already resolved inside ``root``) as the trainer will read
    it (``DIR/CLASS/...`` or ``DIR/IMAGE``), list what it will skip, and check its links.

    Raises :class:`InputError` when a symbolic link inside it resolves outside ``root``, when it
    holds more than :data:`MAX_SCANNED` entries, or when it holds no image file.
    """
    base = Path(root).resolve()
    top = [e for e in sorted(folder.iterdir()) if not e.name.startswith(".")]
    class_dirs = {e.name for e in top if e.is_dir() and not e.is_symlink()}
    images, scanned = 0, 0
    classes: set[str] = set()
    skipped: list[tuple[str, str]] = []
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
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            entry = here / name
            rel = entry.relative_to(folder).as_posix()
            if here == folder and class_dirs:
                skipped.append((rel, "outside the class folders (with class folders, top-level files are not used)"))
            elif not name.lower().endswith(IMAGE_EXTENSIONS):
                skipped.append((rel, "not an image file"))
            elif (problem := _file_problem(entry)) is not None:
                skipped.append((rel, problem))
            else:
                images += 1
                if here != folder:
                    classes.add(here.relative_to(folder).parts[0])
    if images == 0:
        raise InputError(f"No image files ({', '.join(IMAGE_EXTENSIONS)}) in that folder.")
    names = tuple(sorted(class_dirs)) if class_dirs else ()
    return FolderSummary(path=folder, images=images, classes=names or tuple(sorted(classes)), skipped=tuple(skipped))


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
    if text == DEFAULT_PACKAGE.name:
        raise InputError(f"{text!r} is the shipped catalogue's name (it would hide yours); choose another name.")
    if (Path(packages) / text).exists():
        raise InputError(f"A package named {text!r} already exists; choose another name.")
    return text


def suggest_name(text: str, packages: str | os.PathLike[str]) -> str:
    """A valid, unused package name made from ``text`` (a file or folder name): unsafe characters
    become '-', and ``-2``, ``-3``, ... is appended while the name is taken."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(text or "").stem).strip("-_")[: NAME_MAX - 4] or "catalogue"
    name, n = stem, 1
    while (Path(packages) / name).exists() or name == DEFAULT_PACKAGE.name:
        n += 1
        name = f"{stem}-{n}"
    return name
