"""Checking and unpacking an uploaded ``.zip`` of images (no streamlit here).

An upload is hostile until shown otherwise. :func:`check_zip` reads only the central directory
and refuses the whole archive when any entry is unsafe: an absolute path, a drive letter, a
``..`` component, a symbolic link, a device, FIFO or socket, an encrypted entry, more than
:attr:`ZipLimits.max_entries` entries, more than :attr:`ZipLimits.max_total` bytes once
unpacked, a single entry above :attr:`ZipLimits.max_entry`, or a compression ratio above
:attr:`ZipLimits.max_ratio` (a zip bomb); and what would fail while writing: two images at one
path, a path that is an image and a folder at once, a name over :attr:`ZipLimits.max_name` bytes
or a path over :attr:`ZipLimits.max_path`. Entries that are merely not images (``README.txt``,
``__MACOSX/``, hidden files) and top-level images beside class folders (the trainer does not use
them) are skipped and listed. :func:`extract_zip` checks again while
writing: it counts the bytes each entry really inflates to (a header may lie about its size), stops
at the declared size and the total, writes only to paths it built itself, never follows a link
and never overwrites a file.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from vae_core import InputError

from .folders import IMAGE_EXTENSIONS

MiB = 1 << 20


@dataclass(frozen=True)
class ZipLimits:
    """Bounds an upload must respect (defaults in brackets)."""

    max_upload: int = 200 * MiB  # the .zip file itself [200 MiB]
    max_total: int = 1024 * MiB  # all extracted images together [1 GiB]
    max_entry: int = 64 * MiB  # one image [64 MiB]
    max_entries: int = 50_000  # entries of any kind in the archive [50,000]
    max_images: int = 20_000  # images extracted [20,000]
    max_ratio: float = 100.0  # uncompressed / compressed size of an entry (or the whole) [100]
    ratio_floor: int = 64 * 1024  # entries smaller than this are not held to the ratio [64 KiB]
    max_name: int = 255  # bytes (UTF-8) of one file or folder name: the file system's NAME_MAX [255]
    max_path: int = 1024  # bytes of an image's path inside the upload [1,024]


@dataclass(frozen=True)
class ZipReport:
    """What an archive holds: the image entries to extract (archive name -> relative path
    inside the destination), their total size, the class folders, and the skipped entries with
    the reason for each."""

    images: dict[str, str]
    total_bytes: int
    classes: tuple[str, ...]
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _safe_parts(name: str) -> tuple[str, ...]:
    """The path components of an entry name; :class:`InputError` for an absolute path, a drive
    letter, ``..``, or control characters (backslashes count as separators)."""
    if any(ord(c) < 32 for c in name):
        raise InputError("The archive holds an entry whose name contains control characters; it was refused.")
    text = name.replace("\\", "/")
    if text.startswith("/") or (len(text) >= 2 and text[1] == ":"):
        raise InputError(f"The archive holds an absolute path ({name[:80]!r}); it was refused.")
    parts = tuple(p for p in PurePosixPath(text).parts if p not in ("", "."))
    if ".." in parts:
        raise InputError(f"The archive holds a path that climbs out of its folder ({name[:80]!r}); it was refused.")
    return parts


def _kind(info: zipfile.ZipInfo) -> str:
    """``"dir"``, ``"file"``, or the name of a refused kind (from the Unix mode bits, if any)."""
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "symbolic link"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device file"
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return "FIFO or socket"
    return "dir" if info.is_dir() else "file"


def _strip_common_folder(paths: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Drop folders that wrap everything (``collection/tops/a.png`` -> ``tops/a.png``), so a
    zipped folder of class folders reads as class folders."""
    while paths and all(len(p) > 1 for p in paths.values()) and len({p[0] for p in paths.values()}) == 1:
        paths = {k: p[1:] for k, p in paths.items()}
    return paths


def _open(source: bytes | BinaryIO | str | os.PathLike[str], limits: ZipLimits) -> zipfile.ZipFile:
    if isinstance(source, (bytes, bytearray)):
        size, source = len(source), io.BytesIO(source)
    elif isinstance(source, (str, os.PathLike)):
        size = os.path.getsize(source)
    else:
        size = source.seek(0, io.SEEK_END)
        source.seek(0)
    if size > limits.max_upload:
        raise InputError(f"The archive is {size / MiB:.0f} MiB; the limit is {limits.max_upload / MiB:.0f} MiB.")
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(f"This is not a readable .zip archive ({exc}).") from None


def check_zip(source: bytes | BinaryIO | str | os.PathLike[str], limits: ZipLimits = ZipLimits()) -> ZipReport:
    """Inspect an archive's directory without extracting anything; see the module docstring
    for what is refused (:class:`InputError`) and what is skipped."""
    with _open(source, limits) as zf:
        infos = zf.infolist()
        if len(infos) > limits.max_entries:
            raise InputError(f"The archive holds {len(infos):,} entries; the limit is {limits.max_entries:,}.")
        chosen: dict[str, tuple[str, ...]] = {}
        zf_sizes: dict[str, int] = {}
        skipped: list[tuple[str, str]] = []
        total = packed = 0
        for info in infos:
            parts = _safe_parts(info.filename)
            kind = _kind(info)
            if kind not in ("dir", "file"):
                raise InputError(f"The archive holds a {kind} ({info.filename[:80]!r}); it was refused.")
            if kind == "dir" or not parts:
                continue
            if info.flag_bits & 0x1:
                raise InputError(f"The archive holds an encrypted entry ({info.filename[:80]!r}); it was refused.")
            if info.file_size > limits.max_entry:
                raise InputError(
                    f"{info.filename[:80]!r} unpacks to {info.file_size / MiB:.0f} MiB; one image may be at most "
                    f"{limits.max_entry / MiB:.0f} MiB."
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size >= limits.ratio_floor and ratio > limits.max_ratio:
                raise InputError(
                    f"{info.filename[:80]!r} is compressed {ratio:,.0f} to 1, which only zip bombs are; it was refused."
                )
            if any(p.startswith(".") for p in parts) or parts[0] == "__MACOSX":
                skipped.append((info.filename, "hidden or system file"))
                continue
            if not parts[-1].lower().endswith(IMAGE_EXTENSIONS):
                skipped.append((info.filename, "not an image file"))
                continue
            total += info.file_size
            packed += info.compress_size
            zf_sizes[info.filename] = info.file_size
            if total > limits.max_total:
                raise InputError(
                    f"The images unpack to more than {limits.max_total / MiB:,.0f} MiB; that is the limit."
                )
            chosen[info.filename] = parts
        if len(chosen) > limits.max_images:
            raise InputError(f"The archive holds {len(chosen):,} images; the limit is {limits.max_images:,}.")
        if total >= limits.ratio_floor and total / max(packed, 1) > limits.max_ratio:
            raise InputError(
                f"The images are compressed {total / max(packed, 1):,.0f} to 1 in all; refused as a zip bomb."
            )
    if not chosen:
        raise InputError(f"The archive holds no image files ({', '.join(IMAGE_EXTENSIONS)}).")
    rel = _strip_common_folder(chosen)
    classes = sorted({p[0] for p in rel.values() if len(p) > 1})
    if classes:  # as the trainer reads a folder: with class folders, top-level images are not used
        for name in [n for n, p in rel.items() if len(p) == 1]:
            skipped.append((name, "outside the class folders (with class folders, top-level images are not used)"))
            total -= zf_sizes[name]
            del rel[name]
    _check_paths(rel, limits)
    paths = {name: "/".join(p) for name, p in rel.items()}
    return ZipReport(images=paths, total_bytes=total, classes=tuple(classes), skipped=skipped)


def _check_paths(rel: dict[str, tuple[str, ...]], limits: ZipLimits) -> None:
    """Refuse what would fail while writing: two images at one path, a path that is an image and
    a folder at once (``tops/x.png`` and ``tops/x.png/y.png``), names too long for the disk."""
    files: set[tuple[str, ...]] = set()
    for name, parts in rel.items():
        if parts in files:
            raise InputError("The archive holds two images with the same path; it was refused.")
        files.add(parts)
        longest = max(parts, key=lambda p: len(p.encode()))
        if len(longest.encode()) > limits.max_name:
            raise InputError(
                f"The archive holds a name of {len(longest.encode())} bytes ({longest[:40]!r}...); names may have at "
                f"most {limits.max_name}. Shorten it and upload again."
            )
        if len("/".join(parts).encode()) > limits.max_path:
            raise InputError(
                f"The archive holds a path of over {limits.max_path} bytes ({name[:60]!r}...); shorten its folders."
            )
    folders = {parts[:i] for parts in files for i in range(1, len(parts))}
    both = sorted(files & folders)
    if both:
        raise InputError(
            f"The archive holds {'/'.join(both[0])[:80]!r} both as an image and as a folder; it was refused."
        )


def _copy_limited(src: BinaryIO, dst_fd: int, declared: int, budget: int, name: str) -> int:
    """Copy ``src`` to ``dst_fd`` in chunks; refuse it past its declared size or the budget."""
    written = 0
    while chunk := src.read(1 << 16):
        written += len(chunk)
        if written > declared:
            raise InputError(f"{name[:80]!r} inflates beyond the size its header declares; the archive was refused.")
        if written > budget:
            raise InputError("The images inflate beyond the size limit; the archive was refused.")
        os.write(dst_fd, chunk)
    return written


def extract_zip(
    source: bytes | BinaryIO | str | os.PathLike[str], dest: str | os.PathLike[str], limits: ZipLimits = ZipLimits()
) -> ZipReport:
    """Check the archive (:func:`check_zip`), then write its images under ``dest`` (created,
    must be empty), counting real bytes as they inflate. On any refusal the files written so far
    stay in ``dest`` for the caller to remove with it."""
    report = check_zip(source, limits)
    Path(dest).mkdir(parents=True, exist_ok=True)
    root = Path(dest).resolve()
    if any(root.iterdir()):
        raise InputError(f"{root} is not empty.")
    budget = limits.max_total
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with _open(source, limits) as zf:
        for name, rel in report.images.items():
            target = root.joinpath(*rel.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            parent = target.parent.resolve()
            if parent != target.parent or not (parent == root or root in parent.parents):
                raise InputError(f"{name[:80]!r} would land outside the upload folder; the archive was refused.")
            info = zf.getinfo(name)
            fd = os.open(target, flags, 0o600)
            try:
                with zf.open(info) as src:
                    budget -= _copy_limited(src, fd, info.file_size, budget, name)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
                raise InputError(f"{name[:80]!r} could not be unpacked ({exc}).") from None
            finally:
                os.close(fd)
    return report
