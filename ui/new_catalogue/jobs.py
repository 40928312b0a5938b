"""Training jobs that outlive the page: start, follow, cancel, and their state (no streamlit).

A job is a folder ``<jobs>/<id>/``:

============== =============================================================================
``job.json``   what was asked: name, command, epochs, where the package goes, start time
``worker.pid`` the worker's process id, which is also its process group
``progress``   the trainer's ``--progress-jsonl`` events (:mod:`ui.new_catalogue.progress`)
``train.log``  everything the trainer and the worker printed
``images/``    the unpacked upload, if any (removed when the job ends)
``staging/``   where the trainer writes the package (removed when the job ends)
``cancel``     written before the page stops the job
``result.json`` written last: ``state`` ("done", "failed", "cancelled") and a message
============== =============================================================================

One job at a time per packages folder: :func:`start_job` takes an exclusive ``flock`` on
``<jobs>/lock`` and hands the locked file to the worker (:mod:`ui.new_catalogue.worker`), started in
its own session so page reloads and Streamlit reruns do not touch it; the kernel releases the lock
when the worker and the trainer have exited, however they end. ``<jobs>/current`` names the latest
job, so any later session finds it again.

States: a job with ``result.json`` is in that state; without one it is ``running`` while the lock is
held and it is the current job; otherwise its worker died without a word (killed, or the machine
restarted) and :func:`job_status` settles it as ``cancelled`` (if a cancel was asked) or
``failed``, removing its staging folder, so a cancelled or crashed run never leaves a package that
loads. The trainer only ever writes into ``staging/``; the worker moves the package into the
packages folder after ``ModelPackage.load`` has verified it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vae_core import LatentAtelierError
from vae_core.package.lock import process_alive

from .progress import read_events

ROOT = Path(__file__).resolve().parents[2]  # the repository root, where ``python -m ui...`` runs
LOG_TAIL_LINES = 15
RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"
_children: list[subprocess.Popen[bytes]] = []  # workers started by this process, reaped when polled


class JobError(LatentAtelierError):
    """A job cannot be started or stopped (another one runs, the folder is not writable, ...)."""


@dataclass(frozen=True)
class JobSpec:
    """What a job runs. ``command`` is the trainer's argument list; the tokens ``{out}`` (the
    staging package folder) and ``{progress}`` (the events file) are replaced by the job's own
    paths (``{images}``: the job's unpacked upload), so tests can run any script in place of
    ``python -m vae_core train``."""

    name: str
    command: list[str]
    target: str  # the package folder the finished package moves to
    epochs: int = 0
    source: str = ""  # what was trained on, for the page ("upload shop.zip", "folder tops/")
    created: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    owner: str = ""  # owner_tag() of the session that started it ("" : anyone's)


@dataclass(frozen=True)
class Job:
    """The files of one job (see the module docstring)."""

    dir: Path

    @property
    def id(self) -> str:
        return self.dir.name

    spec_file = property(lambda self: self.dir / "job.json")
    pid_file = property(lambda self: self.dir / "worker.pid")
    progress_file = property(lambda self: self.dir / "progress.jsonl")
    log_file = property(lambda self: self.dir / "train.log")
    images_dir = property(lambda self: self.dir / "images")
    staging_dir = property(lambda self: self.dir / "staging")
    cancel_file = property(lambda self: self.dir / "cancel")
    result_file = property(lambda self: self.dir / "result.json")

    @property
    def staging_package(self) -> Path:
        return self.staging_dir / "package"

    def spec(self) -> JobSpec:
        return JobSpec(**json.loads(self.spec_file.read_text()))

    def command(self) -> list[str]:
        """The trainer's command with ``{out}`` and ``{progress}`` filled in."""
        subs = {
            "{out}": str(self.staging_package),
            "{progress}": str(self.progress_file),
            "{images}": str(self.images_dir),
        }
        return [subs.get(arg, arg) for arg in self.spec().command]


@dataclass(frozen=True)
class JobStatus:
    """A job as the page shows it: ``state``, a ``message`` (for failures: what went wrong and
    the log's last lines) and the progress events so far."""

    job: Job
    spec: JobSpec
    state: str
    message: str = ""
    log_tail: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)


def train_command(images: Path, image_size: int, channels: int | None, epochs: int | None = None) -> list[str]:
    """The trainer's command for a folder of images: ``python -m vae_core train --images ...``
    with ``{out}`` and ``{progress}`` left for the job to fill in (``channels`` None: the trainer
    decides, colour if any image is; ``epochs`` None or 0: the trainer's recipe, a fixed number
    of steps whatever the folder's size)."""
    command = [sys.executable, "-m", "vae_core", "train", "--images", str(images), "--out", "{out}"]
    command += ["--image-size", str(image_size)] + (["--epochs", str(epochs)] if epochs else [])
    command += ["--progress-jsonl", "{progress}"]
    command += ["--allow-collapsed"]  # the page shows the verdict with the package, collapsed or not
    return command + (["--channels", str(channels)] if channels else [])


def owner_tag(token: str) -> str:
    """What a job records of its owner: a hash of the starting session's secret token (the token
    itself never lands on disk, so reading job.json does not let anyone act as the owner)."""
    return hashlib.sha256(f"latent-atelier-job-owner\0{token}".encode()).hexdigest()


def may_control(spec: JobSpec, token: str | None, open_to_all: bool = False) -> bool:
    """Whether the session holding ``token`` may see a job's details and cancel it: the session
    that started it, or any session when the operator opened jobs to all (``open_to_all``) or
    the job records no owner."""
    return open_to_all or not spec.owner or (token is not None and hmac.compare_digest(spec.owner, owner_tag(token)))


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def log_tail(job: Job, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of the job's log (progress bars' carriage returns resolved)."""
    try:
        with open(job.log_file, "rb") as f:
            f.seek(max(f.seek(0, os.SEEK_END) - 64 * 1024, 0))
            text = f.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    shown = [line.rsplit("\r", 1)[-1].rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return hide_paths("\n".join([line for line in shown if line][-lines:]), job)


_ABSOLUTE = re.compile(r"(?<![\w.~<>-])/(?:[^\s/'\"(),:]+/)+(?=[^\s/'\"(),:]*)")


def hide_paths(text: str, job: Job) -> str:
    """``text`` with no server path left: the job's own folders by their role (``<job>``,
    ``<packages>``), and every other absolute path (the checkout, Python's site-packages, an
    image folder) cut to its last component behind ``.../``."""
    text = text.replace(str(job.dir), "<job>").replace(str(job.dir.parent.parent), "<packages>")
    return _ABSOLUTE.sub(".../", text)


def _lock_path(jobs: Path) -> Path:
    return jobs / "lock"


def lock_held(jobs: str | os.PathLike[str]) -> bool:
    """Whether a job holds the lock of ``jobs`` now."""
    path = _lock_path(Path(jobs))
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def current_job(jobs: str | os.PathLike[str]) -> Job | None:
    """The latest job started in ``jobs`` (None if there has been none)."""
    try:
        name = (Path(jobs) / "current").read_text().strip()
    except FileNotFoundError:
        return None
    job = Job(Path(jobs) / name)
    return job if name and "/" not in name and job.spec_file.is_file() else None


UPLOAD_PREFIX = ".upload-"
OPEN_ENV_VAR = "LATENT_ATELIER_JOBS_OPEN"  # "1": every session sees and may cancel every job


def jobs_open() -> bool:
    """Whether the operator opened jobs to every session (``$LATENT_ATELIER_JOBS_OPEN=1``, e.g. on
    a one-person machine); by default only the session that started a job controls it."""
    return os.environ.get(OPEN_ENV_VAR, "").strip() == "1"


def upload_dir(jobs: str | os.PathLike[str]) -> Path:
    """A fresh folder name for unpacking an upload: ``.upload-<pid>-<random>``, so a sweep can
    tell the uploads of a server process that is gone (killed mid-extraction) from live ones."""
    return Path(jobs) / f"{UPLOAD_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"


def sweep_uploads(jobs: str | os.PathLike[str]) -> list[Path]:
    """Remove the ``.upload-*`` folders of server processes that no longer run; returns them."""
    removed = []
    try:
        entries = list(os.scandir(jobs))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(UPLOAD_PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        pid = entry.name[len(UPLOAD_PREFIX) :].partition("-")[0]
        if pid.isdigit() and process_alive(int(pid)) and int(pid) != 0:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed


def _reap() -> None:
    """Collect workers this process started that have exited (no zombies left behind)."""
    _children[:] = [p for p in _children if p.poll() is None]


def start_job(
    jobs: str | os.PathLike[str], spec: JobSpec, images: Path | None = None, worker: Sequence[str] | None = None
) -> Job:
    """Create a job folder for ``spec`` and start its worker in a new session.

    ``images``, if given, is a folder (normally an unpacked upload, made by the caller inside
    ``jobs``) moved into the job as ``images/``. ``worker`` replaces the worker command (tests).
    Raises :class:`JobError` when another job holds the lock.
    """
    root = Path(jobs)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(_lock_path(root), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JobError("A catalogue is already being trained on this server; wait for it or cancel it.") from None
        job = Job(root / f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}")
        job.dir.mkdir()
        if images is not None:
            os.replace(images, job.images_dir)
        job.staging_dir.mkdir()
        _write_json(job.spec_file, asdict(spec) | {"created": spec.created or time.time()})
        tmp = root / f".current.{secrets.token_hex(4)}"
        tmp.write_text(job.id)
        os.replace(tmp, root / "current")
        command = list(worker) if worker else [sys.executable, "-m", "ui.new_catalogue.worker"]
        with open(job.log_file, "ab") as log:
            proc = subprocess.Popen(
                [*command, str(job.dir), str(fd)],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=(fd,),
            )
        job.pid_file.write_text(str(proc.pid))
        _children.append(proc)
        return job
    finally:
        os.close(fd)  # the worker holds the lock from here on


def _worker_alive(job: Job) -> int | None:
    """The worker's pid if the job is running and that pid is still this job's worker."""
    try:
        pid = int(job.pid_file.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    return pid if any(arg.endswith(job.id.encode()) for arg in cmdline) else None


def job_status(jobs: str | os.PathLike[str], job: Job) -> JobStatus:
    """The job's state now; a job whose worker died without a result is settled here."""
    _reap()
    spec = job.spec()
    events = read_events(job.progress_file)
    if job.result_file.is_file():
        result = json.loads(job.result_file.read_text())
        tail = log_tail(job) if result.get("state") == FAILED else ""
        return JobStatus(job, spec, result.get("state", FAILED), result.get("message", ""), tail, events)
    current = current_job(jobs)
    if lock_held(jobs) and current is not None and current.id == job.id:
        return JobStatus(job, spec, RUNNING, events=events)
    if job.result_file.is_file():  # finished between the two checks
        return job_status(jobs, job)
    if job.cancel_file.exists():
        state, message = CANCELLED, "Training was cancelled; no package was made."
    else:
        state, message = FAILED, "The training process stopped without finishing; no package was made."
    finish(job, state, message)
    return JobStatus(job, spec, state, message, log_tail(job) if state == FAILED else "", events)


def finish(job: Job, state: str, message: str, package: str = "") -> None:
    """Record the job's end and remove its staging and images folders."""
    shutil.rmtree(job.staging_dir, ignore_errors=True)
    shutil.rmtree(job.images_dir, ignore_errors=True)
    _write_json(job.result_file, {"state": state, "message": message, "package": package, "ended": time.time()})


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_for_lock(jobs: str | os.PathLike[str], grace: float) -> None:
    """Reap finished workers until nothing holds the jobs' lock, or ``grace`` seconds pass."""
    deadline = time.monotonic() + grace
    while lock_held(jobs) and time.monotonic() < deadline:
        _reap()
        time.sleep(0.1)


def cancel_job(jobs: str | os.PathLike[str], job: Job, grace: float = 5.0) -> None:
    """Stop a running job: mark it cancelled, send its process group SIGTERM, and SIGKILL after
    ``grace`` seconds if anything is still holding the lock. A job that is not running is left
    as it is."""
    job.cancel_file.write_text(str(time.time()))
    pid = _worker_alive(job)
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    _wait_for_lock(jobs, grace)
    if lock_held(jobs):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        _wait_for_lock(jobs, grace)
    deadline = time.monotonic() + grace  # return once no process of the group is left
    while _group_alive(pid) and time.monotonic() < deadline:
        _reap()
        time.sleep(0.05)
    job_status(jobs, job)  # settles the job if the worker had no time to
