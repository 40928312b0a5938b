"""Background training jobs (ui/new_catalogue/jobs.py and worker.py), run with a fake trainer:
a small script that writes progress events and then finishes, crashes, writes a broken package,
or hangs until it is cancelled. Whatever happens, only a verified package reaches the packages
folder, and a cancelled or crashed job leaves no package that loads."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from ui.new_catalogue.jobs import (
    CANCELLED,
    DONE,
    FAILED,
    RUNNING,
    JobError,
    JobSpec,
    cancel_job,
    current_job,
    job_status,
    lock_held,
    start_job,
    train_command,
)
from ui.new_catalogue.progress import snapshot
from vae_core import ModelPackage

FAKE_TRAINER = r"""
import json, shutil, signal, sys, time
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
out, progress, mode = args["--out"], args["--progress-jsonl"], args["--mode"]
def event(stage, done, total, **info):
    with open(progress, "a") as f:
        f.write(json.dumps({"t": time.time(), "stage": stage, "done": done, "total": total, "info": info}) + "\n")
event("batch", 0, 4, loss=500.0)
event("epoch", 1, 2, train_neg_elbo=300.0, test_neg_elbo=290.0)
print("fake trainer: epoch 1 of 2", flush=True)
if mode in ("hang", "stubborn"):
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    open(out + ".ready", "w").close()
    time.sleep(600)
shutil.copytree(args["--package"], out)  # a complete, loadable package in the staging folder
if mode == "corrupt":
    with open(out + "/weights.safetensors", "r+b") as f:
        f.seek(100); f.write(b"garbage")
if mode == "crash":
    print("fake trainer: out of memory, giving up", flush=True)
    sys.exit(3)
event("epoch", 2, 2, train_neg_elbo=280.0, test_neg_elbo=285.0)
event("tsne", 10, 10)
"""
TIMEOUT = 180.0  # seconds to wait for a worker on a loaded machine (it imports torch)


@pytest.fixture()
def places(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(fake trainer script, packages folder, jobs folder)."""
    script = tmp_path / "fake_trainer.py"
    script.write_text(FAKE_TRAINER)
    packages = tmp_path / "packages"
    return script, packages, packages / ".jobs"


def spec_for(script: Path, packages: Path, mode: str, package: Path, name: str = "shop") -> JobSpec:
    command = [sys.executable, str(script), "--out", "{out}", "--progress-jsonl", "{progress}", "--mode", mode]
    return JobSpec(name=name, command=[*command, "--package", str(package)], target=str(packages / name), epochs=2)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def wait_until_ended(jobs: Path, job):
    wait_for(lambda: job_status(jobs, job).state != RUNNING, "the job to end")
    return job_status(jobs, job)


def loadable_packages(root: Path) -> list[Path]:
    """Every folder under ``root`` that ModelPackage.load accepts."""
    found = []
    for manifest in root.rglob("manifest.json"):
        try:
            ModelPackage.load(manifest.parent)
            found.append(manifest.parent)
        except Exception:  # noqa: BLE001
            pass
    return found


def test_a_finished_job_publishes_a_verified_package(places, tiny_package_dir: Path):
    script, packages, jobs = places
    job = start_job(jobs, spec_for(script, packages, "ok", tiny_package_dir))
    assert current_job(jobs) == job
    status = wait_until_ended(jobs, job)
    assert status.state == DONE, (status.message, status.log_tail)
    assert len(ModelPackage.load(packages / "shop")) == len(ModelPackage.load(tiny_package_dir))
    assert not job.staging_dir.exists()
    wait_for(lambda: not lock_held(jobs), "the worker to exit")  # result.json is its last write
    assert loadable_packages(packages) == [packages / "shop"]  # nothing else loads, staging included
    stages = [e["stage"] for e in status.events]
    assert stages == ["batch", "epoch", "epoch", "tsne", "verify"]
    snap = snapshot(status.events, status.spec.created, time.time(), status.spec.epochs)
    assert snap.fraction == 1.0 and [r["test_neg_elbo"] for r in snap.epoch_rows] == [290.0, 285.0]


def test_a_crashed_trainer_leaves_no_package_and_its_log_tail(places, tiny_package_dir: Path):
    script, packages, jobs = places
    job = start_job(jobs, spec_for(script, packages, "crash", tiny_package_dir))
    status = wait_until_ended(jobs, job)
    assert status.state == FAILED
    assert "exit status 3" in status.message
    assert status.log_tail.splitlines()[-1] == "fake trainer: out of memory, giving up"
    assert "Traceback" not in status.message
    assert not (packages / "shop").exists() and not job.staging_dir.exists()
    assert loadable_packages(packages) == []


def test_a_package_that_fails_verification_is_not_published(places, tiny_package_dir: Path):
    script, packages, jobs = places
    job = start_job(jobs, spec_for(script, packages, "corrupt", tiny_package_dir))
    status = wait_until_ended(jobs, job)
    assert status.state == FAILED and "does not load" in status.message
    assert not (packages / "shop").exists() and loadable_packages(packages) == []


@pytest.mark.parametrize("mode", ["hang", "stubborn"])  # stubborn ignores SIGTERM: SIGKILL follows
def test_one_job_at_a_time_and_cancel_stops_the_whole_group(places, tiny_package_dir: Path, mode: str):
    script, packages, jobs = places
    job = start_job(jobs, spec_for(script, packages, mode, tiny_package_dir))
    wait_for(lambda: Path(str(job.staging_package) + ".ready").exists(), "the fake trainer to start")
    assert job_status(jobs, current_job(jobs)).state == RUNNING  # what a reloaded page finds
    with pytest.raises(JobError, match="already being trained"):
        start_job(jobs, spec_for(script, packages, "ok", tiny_package_dir, name="other"))
    pid = int(job.pid_file.read_text())
    cancel_job(jobs, job, grace=3.0)
    status = job_status(jobs, job)
    assert status.state == CANCELLED and not lock_held(jobs)
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # no process of the group is left
    assert not job.staging_dir.exists() and loadable_packages(packages) == []
    assert len(list(jobs.iterdir())) == 3  # lock, current, the job folder: no "other" job


def test_a_worker_killed_without_a_word_is_settled_as_failed(places, tiny_package_dir: Path):
    script, packages, jobs = places
    job = start_job(jobs, spec_for(script, packages, "hang", tiny_package_dir))
    wait_for(lambda: Path(str(job.staging_package) + ".ready").exists(), "the fake trainer to start")
    os.killpg(int(job.pid_file.read_text()), signal.SIGKILL)  # no cancel asked: a crash
    wait_for(lambda: not lock_held(jobs), "the lock to be released")
    status = job_status(jobs, job)
    assert status.state == FAILED and "stopped without finishing" in status.message
    assert "fake trainer: epoch 1 of 2" in status.log_tail
    assert not job.staging_dir.exists() and job.result_file.is_file()


def test_an_upload_moves_into_the_job_and_the_command_names_its_paths(places, tiny_package_dir: Path):
    script, packages, jobs = places
    upload = jobs / ".upload-x"
    (upload / "tops").mkdir(parents=True)
    (upload / "tops" / "a.png").write_bytes(b"x")
    spec = spec_for(script, packages, "crash", tiny_package_dir)
    job = start_job(jobs, spec, images=upload)
    assert not upload.exists()
    wait_until_ended(jobs, job)
    assert not job.images_dir.exists()  # removed when the job ended
    command = train_command(Path("{images}"), 64, 3, 12)
    assert command[1:] == [
        "-m", "vae_core", "train", "--images", "{images}", "--out", "{out}", "--image-size", "64",
        "--epochs", "12", "--progress-jsonl", "{progress}", "--allow-collapsed", "--channels", "3",
    ]  # fmt: skip
    assert "--channels" not in train_command(Path("x"), 32, None, 5)


def test_the_log_tail_resolves_progress_bars_and_hides_server_paths(tmp_path: Path):
    from ui.new_catalogue.jobs import Job, log_tail

    job = Job(tmp_path / "packages" / ".jobs" / "20261127-120000-abcdef")
    job.dir.mkdir(parents=True)
    lines = [f"line {i}" for i in range(20)]
    bar = "training:  10%|#  | 1/10\rtraining:  50%|#####  | 5/10\rtraining: 100%|##########| 10/10"
    error = f"error: cannot write {job.dir}/staging/package.ckpt or {tmp_path}/packages/shop"
    job.log_file.write_text("\n".join([*lines, bar, "", error]) + "\n")
    assert log_tail(job, lines=3).splitlines() == [
        "line 19",
        "training: 100%|##########| 10/10",
        "error: cannot write <job>/staging/package.ckpt or <packages>/shop",
    ]
    assert log_tail(Job(tmp_path / "missing")) == ""
