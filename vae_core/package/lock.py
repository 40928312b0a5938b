"""One writer per package folder: a lock file, the sweep of stale temporaries, and swap recovery.

A package at ``dir/name`` is written by building ``dir/.name.XXXX`` (a temporary sibling) and
swapping it in: ``name`` -> ``.name.old``, then ``.name.XXXX`` -> ``name``, then ``.name.old`` is
removed. Around this:

- :class:`FolderLock` holds ``dir/.name.lock`` (created exclusively; it records the holder's pid,
  host, start time and command) for a whole training or build, so a second run into the same
  folder stops at once and says who holds it. A lock whose process is gone (same host, pid no
  longer alive) is stale and is taken over. The lock is re-entrant within one process.
- :func:`sweep` removes temporaries that killed writers left behind (only while holding the lock,
  so no live writer's folder is touched).
- :func:`recover` puts ``.name.old`` back at ``name`` when a kill struck between the two renames
  (no live writer holds the lock and ``name`` is missing), so the previous package survives until
  the new one is in place. Loading and building call it first.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import time
from pathlib import Path
from types import TracebackType

from ..errors import PackageError, display_path

_HELD: dict[Path, int] = {}  # lock file -> nesting depth, for this process


def lock_path(target: str | os.PathLike[str]) -> Path:
    """The lock file of the package folder ``target``."""
    t = _named(target)
    return t.with_name(f".{t.name}.lock")


def old_path(target: str | os.PathLike[str]) -> Path:
    """Where the previous package waits during a swap."""
    t = _named(target)
    return t.with_name(f".{t.name}.old")


def _named(target: str | os.PathLike[str]) -> Path:
    """``target`` with a last component (``.`` and ``""`` name the working folder by its name)."""
    t = Path(target)
    return t if t.name else t.absolute()


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs (one of another user counts)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_holder(target: str | os.PathLike[str]) -> dict | None:
    """What the lock file of ``target`` says (pid, host, started, command), or None if unlocked.
    A lock file that cannot be parsed (a writer killed while writing it) reads as ``{}``."""
    try:
        text = lock_path(target).read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return {}
    try:
        info = json.loads(text)
    except ValueError:
        return {}
    return info if isinstance(info, dict) else {}


def holder_is_live(info: dict | None) -> bool:
    """Whether a lock's holder may still be running (another host's pids cannot be checked)."""
    if info is None:
        return False
    pid = info.get("pid")
    if not isinstance(pid, int):
        return False  # unreadable lock: its writer died before finishing the file
    if info.get("host") != socket.gethostname():
        return True
    return process_alive(pid)


def describe_holder(info: dict) -> str:
    started = info.get("started")
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)) if isinstance(started, (int, float)) else "?"
    return f"pid {info.get('pid', '?')} on {info.get('host', '?')} since {when} ({info.get('command', '?')})"


class FolderLock:
    """Exclusive use of a package folder by this process (a context manager; re-entrant).

    Raises
    ------
    PackageError
        When a live process holds the folder (naming its pid, host, start time and command), or
        the folder's parent is missing or not writable.
    """

    def __init__(self, target: str | os.PathLike[str], command: str | None = None) -> None:
        self.target = Path(target).absolute()
        self.path = lock_path(self.target)
        self.command = command or " ".join(["python -m vae_core", *sys.argv[1:]])[:200]

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()

    def acquire(self) -> None:
        if _HELD.get(self.path):
            _HELD[self.path] += 1
            return
        parent = self.target.parent
        shown = display_path(self.target)
        if not parent.is_dir():
            raise PackageError(
                f"Cannot write {shown}: the folder {display_path(parent)} does not exist; create it first."
            )
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(), "command": self.command}
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                holder = read_holder(self.target)
                if holder_is_live(holder):
                    raise PackageError(
                        f"{shown} is being written by {describe_holder(holder or {})}. Wait for it to finish; "
                        f"if that process is gone, delete {display_path(self.path)}."
                    ) from None
                self.path.unlink(missing_ok=True)  # stale: its holder is dead
                continue
            except PermissionError:
                raise PackageError(
                    f"Cannot write {shown}: the folder {display_path(parent)} is not writable."
                ) from None
            except OSError as exc:
                raise PackageError(f"Cannot write {shown}: {exc.strerror or exc}.") from None
            with os.fdopen(fd, "w") as fh:
                fh.write(json.dumps(info))
            _HELD[self.path] = 1
            return
        raise PackageError(f"Cannot take the lock {display_path(self.path)}; another run keeps taking it.")

    def release(self) -> None:
        depth = _HELD.get(self.path, 0)
        if depth > 1:
            _HELD[self.path] = depth - 1
            return
        _HELD.pop(self.path, None)
        if (read_holder(self.target) or {}).get("pid") == os.getpid():
            self.path.unlink(missing_ok=True)


def holds_lock(target: str | os.PathLike[str]) -> bool:
    """Whether this process holds the lock of ``target``."""
    return bool(_HELD.get(lock_path(Path(target).absolute())))


def sweep(target: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary folders (``.name.*``) that killed writers left beside ``target``; only
    while this process holds its lock. Returns what was removed."""
    t = Path(target).absolute()
    if not holds_lock(t) or not t.parent.is_dir():
        return []
    keep = {lock_path(t).name, old_path(t).name}
    removed = []
    for p in t.parent.glob(f".{t.name}.*"):
        if p.name not in keep and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def recover(target: str | os.PathLike[str]) -> bool:
    """Finish a swap that a kill interrupted: with ``target`` missing, no live writer and the
    previous package waiting at ``.name.old``, move it back. Returns whether it did."""
    t = Path(target)
    old = old_path(t)
    if t.exists() or not old.is_dir():
        return False
    if not holds_lock(t) and holder_is_live(read_holder(t)):
        return False  # a live writer is between its two renames: leave its swap alone
    try:
        os.replace(old, t)
    except FileNotFoundError:  # another process recovered it first
        return t.exists()
    except OSError:
        return False
    return True


def swap_in(tmp: Path, target: Path) -> None:
    """Replace ``target`` by the complete folder ``tmp`` (see the module docstring)."""
    old = old_path(target)
    recover(target)
    if old.exists():
        shutil.rmtree(old)  # a swap finished its renames but was killed before this cleanup
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


__all__ = [
    "FolderLock",
    "describe_holder",
    "holds_lock",
    "lock_path",
    "old_path",
    "read_holder",
    "recover",
    "sweep",
    "swap_in",
]
