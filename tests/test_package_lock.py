"""One writer per package folder: the lock, stale locks, the sweep of killed writers' temporaries,
and the recovery of a swap killed between its two renames (real kills, in subprocesses)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vae_core import ModelPackage, PackageError
from vae_core.cli.main import main
from vae_core.package.lock import FolderLock, holds_lock, lock_path, old_path, read_holder, recover

ROOT = Path(__file__).resolve().parent.parent


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python with the repository importable."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300)


def test_lock_records_its_holder_and_is_reentrant(tmp_path):
    target = tmp_path / "pkg"
    with FolderLock(target, command="train --out pkg"):
        info = read_holder(target)
        assert info["pid"] == os.getpid() and info["host"] == socket.gethostname()
        assert info["command"] == "train --out pkg" and isinstance(info["started"], float)
        with FolderLock(target):  # the same process may nest (train -> save)
            assert holds_lock(target)
        assert lock_path(target).exists()
    assert not lock_path(target).exists() and not holds_lock(target)


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    target = tmp_path / "pkg"
    stale = {"pid": _dead_pid(), "host": socket.gethostname(), "started": 1.0, "command": "killed"}
    lock_path(target).write_text(json.dumps(stale))
    with FolderLock(target):
        assert read_holder(target)["pid"] == os.getpid()


def test_a_half_written_lock_file_is_stale(tmp_path):
    lock_path(tmp_path / "pkg").write_text('{"pid": 12')  # its writer died mid-write
    with FolderLock(tmp_path / "pkg"):
        assert read_holder(tmp_path / "pkg")["pid"] == os.getpid()


def test_a_second_run_is_told_who_holds_the_folder_and_a_killed_holder_frees_it(tiny_package_copy, capsys):
    code = (
        "import sys, time\nfrom vae_core.package.lock import FolderLock\n"
        "FolderLock(sys.argv[1], command='python -m vae_core train --out pkg').acquire()\n"
        "print('held', flush=True)\ntime.sleep(120)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(tiny_package_copy)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["build", "--package", str(tiny_package_copy), "--typicality-only"]) == 2
        err = capsys.readouterr().err
        assert f"copy is being written by pid {holder.pid} on {socket.gethostname()} since " in err
        assert "(python -m vae_core train --out pkg)" in err and err.count("\n") == 1
        with pytest.raises(PackageError, match=f"pid {holder.pid}"):
            FolderLock(tiny_package_copy).acquire()
    finally:
        holder.kill()
        holder.wait()
    with FolderLock(tiny_package_copy):  # the killed holder's lock is stale now
        assert read_holder(tiny_package_copy)["pid"] == os.getpid()


def test_save_sweeps_temporaries_that_killed_writers_left(tiny_package_copy):
    parent = tiny_package_copy.parent
    for name in (".copy.k1ll3d", ".copy.old-4242"):
        (parent / name).mkdir()
        (parent / name / "weights.safetensors").write_bytes(b"\0" * 1024)
    (parent / ".other.x1").mkdir()  # another package's temporary is not ours to remove
    ModelPackage.load(tiny_package_copy).save(tiny_package_copy)
    assert sorted(p.name for p in parent.iterdir()) == [".other.x1", "copy"]


_KILL_BETWEEN_RENAMES = """
import os, sys
import vae_core.package.lock as lock
from vae_core import ModelPackage
pkg = ModelPackage.load(sys.argv[1])
pkg.metrics = {**pkg.metrics, "marker": 2.0}
real = os.replace
calls = []
def replace(src, dst):
    calls.append(dst)
    real(src, dst)
    if len(calls) == 1:  # the old package has moved aside; the new one is not in place yet
        os.kill(os.getpid(), 9)
lock.os.replace = replace
pkg.save(sys.argv[1])
"""


def test_a_kill_between_the_two_renames_is_recovered_at_the_next_load(tiny_package_copy):
    before = ModelPackage.load(tiny_package_copy)
    done = _run(_KILL_BETWEEN_RENAMES, str(tiny_package_copy))
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert not tiny_package_copy.exists() and old_path(tiny_package_copy).is_dir()  # the gap the kill left
    assert lock_path(tiny_package_copy).exists()  # the dead writer's lock
    after = ModelPackage.load(tiny_package_copy)  # recovers: the previous package is back
    assert "marker" not in after.metrics and after.metrics == before.metrics
    np.testing.assert_array_equal(after.mu, before.mu)
    assert not old_path(tiny_package_copy).exists()


def test_a_kill_between_the_renames_is_recovered_by_the_next_build(tiny_package_copy, capsys, monkeypatch):
    assert _run(_KILL_BETWEEN_RENAMES, str(tiny_package_copy)).returncode == -signal.SIGKILL
    from vae_core.model.data import Split, load_split

    te = load_split("test")
    monkeypatch.setattr(
        "vae_core.model.data.load_split", lambda split, data=None: Split(te.images[:300], te.labels[:300])
    )
    assert main(["build", "--package", str(tiny_package_copy), "--typicality-only"]) == 0, capsys.readouterr().err
    leftovers = [p.name for p in tiny_package_copy.parent.iterdir() if p.name != "copy"]
    assert leftovers == []  # old package restored then replaced, the killed writer's temporary swept
    assert len(ModelPackage.load(tiny_package_copy).typicality_ref) == 300


def test_a_live_writer_between_its_renames_is_left_alone(tiny_package_copy):
    os.replace(tiny_package_copy, old_path(tiny_package_copy))
    code = (
        "import sys, time\nfrom vae_core.package.lock import FolderLock\n"
        "FolderLock(sys.argv[1]).acquire()\nprint('held', flush=True)\ntime.sleep(60)\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", code, str(tiny_package_copy)], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert writer.stdout.readline().strip() == "held"
        assert recover(tiny_package_copy) is False
        with pytest.raises(PackageError, match="no such folder"):
            ModelPackage.load(tiny_package_copy)
        assert old_path(tiny_package_copy).is_dir()
    finally:
        writer.kill()
        writer.wait()
    assert recover(tiny_package_copy) is True and (tiny_package_copy / "manifest.json").is_file()


def test_a_kill_while_writing_keeps_the_previous_package(tiny_package_copy):
    code = (
        "import os, sys\nimport vae_core.package.format as p\nfrom vae_core import ModelPackage\n"
        "pkg = ModelPackage.load(sys.argv[1])\n"
        "p.save_arrays = lambda *a, **k: os.kill(os.getpid(), 9)\npkg.save(sys.argv[1])\n"
    )
    before = (tiny_package_copy / "manifest.json").read_bytes()
    assert _run(code, str(tiny_package_copy)).returncode == -signal.SIGKILL
    temps = [p for p in tiny_package_copy.parent.iterdir() if p.name.startswith(".copy.") and p.is_dir()]
    assert len(temps) == 1  # the killed writer's half-written folder
    assert (tiny_package_copy / "manifest.json").read_bytes() == before
    ModelPackage.load(tiny_package_copy).save(tiny_package_copy)
    assert not temps[0].exists()


def test_read_only_parent_is_refused(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(PackageError, match="not writable"):
            FolderLock(ro / "pkg").acquire()
    finally:
        ro.chmod(0o755)
        shutil.rmtree(ro)
