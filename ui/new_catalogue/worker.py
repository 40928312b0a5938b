"""The process that runs one training job: ``python -m ui.new_catalogue.worker JOB_DIR LOCK_FD``.

Started by :func:`ui.new_catalogue.jobs.start_job` in a session of its own, holding the job lock
(``LOCK_FD``, inherited and passed on to the trainer). It runs the trainer's command, and only
when that exits with status 0 does it load the staging package with ``ModelPackage.load``
(format and every checksum) and rename it into the packages folder. Whatever happens it writes
``result.json`` last and removes the staging and upload folders. SIGTERM (the page's cancel, sent
to the whole process group) stops the trainer and ends the job as cancelled.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .jobs import CANCELLED, DONE, FAILED, Job, finish, hide_paths, log_tail

_cancelled = False


def _on_term(signum: int, frame: object) -> None:
    global _cancelled
    _cancelled = True


def _publish(job: Job, target: Path) -> str:
    """Verify the staging package and move it to ``target``; returns a failure message or ""."""
    from vae_core import LatentAtelierError, ModelPackage

    if not job.staging_package.is_dir():
        return "The trainer finished but wrote no package."
    try:
        pkg = ModelPackage.load(job.staging_package)
    except LatentAtelierError as exc:
        return f"The package the trainer wrote does not load: {hide_paths(str(exc), job)}"
    if target.exists():
        return f"A package named {target.name!r} appeared meanwhile; nothing was replaced."
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(job.staging_package, target)
    print(f"package {target.name}: {len(pkg):,} images, moved into the packages folder", flush=True)
    return ""


def trainer_error(job: Job) -> str:
    """The trainer's own one-line error (its last ``error: ...`` line, server paths hidden), or ""."""
    lines = [line for line in log_tail(job, lines=200).splitlines() if line.startswith("error: ")]
    return lines[-1].removeprefix("error: ") if lines else ""


def run(job_dir: str, lock_fd: int) -> int:
    """Run the job in ``job_dir``; returns the worker's exit status (0 when a package was made)."""
    signal.signal(signal.SIGTERM, _on_term)
    job = Job(Path(job_dir))
    try:
        return _run(job, lock_fd)
    except Exception as exc:  # noqa: BLE001 (whatever breaks, the job ends with a message)
        finish(job, FAILED, f"The training job failed: {type(exc).__name__}: {hide_paths(str(exc), job)}")
        return 1


def _run(job: Job, lock_fd: int) -> int:
    spec = job.spec()
    print(f"worker {os.getpid()}: training {spec.name}", flush=True)
    try:
        proc = subprocess.Popen(job.command(), stdin=subprocess.DEVNULL, pass_fds=(lock_fd,))
    except OSError as exc:
        finish(job, FAILED, f"The trainer could not be started: {exc}")
        return 1
    code = proc.wait()  # SIGTERM reaches the trainer too (same process group)
    if _cancelled or job.cancel_file.exists():
        finish(job, CANCELLED, "Training was cancelled; no package was made.")
        return 1
    if code != 0:
        said = trainer_error(job)
        finish(job, FAILED, f"Training stopped: {said}" if said else f"Training stopped with exit status {code}.")
        return 1
    with open(job.progress_file, "a", encoding="utf-8") as f:
        f.write(json.dumps({"t": time.time(), "stage": "verify", "done": 0, "total": 1, "info": {}}) + "\n")
    problem = _publish(job, Path(spec.target))
    if problem:
        finish(job, FAILED, problem)
        return 1
    finish(job, DONE, f"The package {spec.name!r} is ready.", package=spec.target)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1], int(sys.argv[2])))
