"""Reading files that anyone able to write into a folder may have planted.

A package folder, a data folder or an image folder can hold a FIFO (opening it waits for a writer
forever), a link to ``/dev/zero`` (reading it never ends), a 10 GB "manifest", or JSON nested
100,000 levels deep. Every read here:

- opens without blocking (``O_NONBLOCK``: a FIFO opens at once) and, unless links are allowed,
  without following a symbolic link (``O_NOFOLLOW``);
- checks with ``fstat`` on the opened file (not the name, which could be swapped in between) that
  it is a regular file, and no larger than the caller's ``limit``;
- reads at most ``limit + 1`` bytes, so a file that grows while it is read is still refused.

:func:`parse_json` adds what ``json.loads`` lacks: no ``NaN``/``Infinity``, no number that
overflows to infinity (``1e999``), and a nesting depth limit (a deep document otherwise raises
``RecursionError`` inside the parser, or later in code that walks it).
"""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .errors import LatentAtelierError

MAX_JSON_DEPTH = 32  # containers inside containers; the deepest file the project writes has 5
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class UnsafeFile(LatentAtelierError):
    """A file is not a regular file, is a link where none is allowed, or is over its size limit.
    The message names the problem, not the path (callers say which file it was)."""


def _size_text(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB" if n >= 2**20 else f"{n:,} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


@contextmanager
def open_regular(path: str | os.PathLike[str], limit: int, *, follow_links: bool = False) -> Iterator[IO[bytes]]:
    """A binary file object for ``path`` once it is known to be a regular file of at most
    ``limit`` bytes; :class:`UnsafeFile` otherwise (``FileNotFoundError`` and other ``OSError``
    pass through). With ``follow_links=False`` a symbolic link is refused."""
    flags = os.O_RDONLY | _NONBLOCK | (0 if follow_links else _NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow_links and os.path.islink(path):
            raise UnsafeFile("is a symbolic link") from None
        raise exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFile(f"is {_kind(st.st_mode)}")
        if st.st_size > limit:
            raise UnsafeFile(f"is {_size_text(st.st_size)}; the limit is {_size_text(limit)}")
        if _NONBLOCK:
            os.set_blocking(fd, True)
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        yield fh


def read_bytes(path: str | os.PathLike[str], limit: int, *, follow_links: bool = False) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` (see :func:`open_regular`)."""
    with open_regular(path, limit, follow_links=follow_links) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # it grew after the size check
        raise UnsafeFile(f"is over the limit of {_size_text(limit)}")
    return data


def is_regular(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` itself (not a link's target) is a regular file."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _depth(value: Any, limit: int) -> int:
    """The nesting depth of containers in ``value``, counted up to ``limit + 1`` (iteratively)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, level + 1) for c in children if isinstance(c, (dict, list)))
    return deepest


def parse_json(data: bytes | str, depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` refusing what the project never writes: ``ValueError`` for invalid JSON,
    non-UTF-8 bytes, ``NaN``/``Infinity``, numbers beyond float range or over 4,300 digits, and
    containers nested deeper than ``depth``."""
    try:
        value = json.loads(data, parse_float=_finite, parse_constant=_constant)
    except RecursionError:
        raise ValueError(f"it is nested more than {depth} levels deep") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"it is not UTF-8 text ({exc.reason})") from None
    if _depth(value, depth) > depth:
        raise ValueError(f"it is nested more than {depth} levels deep")
    return value


def read_json(
    path: str | os.PathLike[str], limit: int, *, depth: int = MAX_JSON_DEPTH, follow_links: bool = False
) -> Any:
    """:func:`parse_json` of a regular file of at most ``limit`` bytes (:class:`UnsafeFile`,
    ``ValueError`` or ``OSError`` otherwise)."""
    return parse_json(read_bytes(path, limit, follow_links=follow_links), depth)


def folder_bytes(folder: str | os.PathLike[str]) -> int:
    """Bytes of the regular files directly in ``folder`` (links and special files not counted)."""
    total = 0
    with os.scandir(Path(folder)) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
    return total


__all__ = [
    "MAX_JSON_DEPTH",
    "UnsafeFile",
    "folder_bytes",
    "is_regular",
    "open_regular",
    "parse_json",
    "read_bytes",
    "read_json",
]
