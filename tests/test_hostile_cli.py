"""Hostile command lines, round two (issue 20, items 6, 8 and 11): each ends in one ``error:``
line and status 2, before any training starts, and never hangs on a FIFO or inflates a gzip bomb.

What could hang runs as a user runs it (``python -m vae_core ...`` in a subprocess, with a
deadline); the rest calls the same ``main`` in-process (a subprocess costs about 10 s of imports
on a busy 2-core machine)."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import ROOT
from vae_core.model.data import FILES

ZERO = ",".join(["0"] * 10)


def cli(*args: str, timeout: float = 120, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "vae_core", *args], capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env
    )


def one_error(done: subprocess.CompletedProcess, bars: bool = False) -> str:
    """The one ``error:`` line of a command that failed as it should (status 2, nothing on stdout;
    with ``bars``, the progress bars that train draws on stderr may come before it)."""
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stdout == "" and "Traceback" not in done.stderr, done.stderr
    if bars:
        lines = [line for line in done.stderr.replace("\r", "\n").splitlines() if line.strip()]
        assert lines[-1].startswith("error: ") and sum(x.startswith("error: ") for x in lines) == 1, done.stderr
        return lines[-1] + "\n"
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    return done.stderr


def run_main(capsys, *args: str) -> subprocess.CompletedProcess:
    """``main(args)`` in-process, as a CompletedProcess (what :func:`one_error` reads)."""
    from vae_core.cli.main import main

    code = main(list(args))
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def _images(folder: Path, n: int, cls: str = "tops") -> Path:
    (folder / cls).mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.new("RGB", (16, 16), (i * 9 % 256, 40, 90)).save(folder / cls / f"{i}.png")
    return folder


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda f: _images(f, 1), "There are 1 usable image; a catalogue needs at least 10"),
        (lambda f: _images(_images(f, 10), 2, cls="x" * 101), "at most 100 characters"),
        (lambda f: _images(_images(f, 10), 2, cls=" "), "The class folder name ' ' cannot be used"),
        (lambda f: _images(_images(f, 10), 2, cls="\u202egnp.exe"), "U+202E"),
    ],
)
def test_train_refuses_a_catalogue_the_package_could_not_hold_before_training(make, message, tmp_path, capsys):
    folder = make(tmp_path / "images")
    done = run_main(capsys, "train", "--images", str(folder), "--out", str(tmp_path / "pkg"), "--epochs", "1")
    err = one_error(done, bars=True)
    assert message in err
    assert not (tmp_path / "pkg").exists() and not list(tmp_path.glob(".pkg.*"))  # nothing written


def test_train_never_reads_a_fifo_or_dev_zero_in_an_image_folder(tmp_path):
    folder = _images(tmp_path / "images", 3)
    os.mkfifo(folder / "tops" / "pipe.png")
    (folder / "tops" / "zero.png").symlink_to("/dev/zero")
    err = one_error(cli("train", "--images", str(folder), "--out", str(tmp_path / "pkg"), timeout=120), bars=True)
    assert "There are 3 usable images" in err  # the FIFO and the link were skipped, not read


def _data_folder(tmp_path: Path, data_dir: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for stems in FILES.values():
        for stem in stems:
            src = next(p for p in (data_dir / f"{stem}.gz", data_dir / stem) if p.exists())
            os.symlink(src, folder / src.name)
    return folder


def test_eval_does_not_inflate_a_gzip_bomb(tmp_path, data_dir, tiny_package_dir, capsys):
    folder = _data_folder(tmp_path, data_dir)
    for name in ("t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz"):
        (folder / name).unlink(missing_ok=True)
    with gzip.open(folder / "t10k-images-idx3-ubyte.gz", "wb", compresslevel=9) as f:
        header = (2051).to_bytes(4, "big") + (10_000).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
        f.write(header)
        chunk = bytes(1 << 20)
        for _ in range(64):  # 64 MiB of zeros (8 times the file's size) in 64 KiB on disk
            f.write(chunk)
    done = run_main(capsys, "eval", "--package", str(tiny_package_dir), "--data", str(folder), "--queries", "10")
    err = one_error(done)
    assert "t10k-images-idx3-ubyte.gz holds more than the 7,840,016 bytes" in err


def test_eval_does_not_wait_on_a_fifo_data_file(tmp_path, data_dir, tiny_package_dir):
    folder = _data_folder(tmp_path, data_dir)
    for name in ("t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz"):
        (folder / name).unlink(missing_ok=True)
    os.mkfifo(folder / "t10k-images-idx3-ubyte.gz")
    err = one_error(cli("eval", "--package", str(tiny_package_dir), "--data", str(folder), timeout=60))
    assert "it is a FIFO" in err


def test_an_empty_package_argument_says_so(capsys):
    for command in (["rank", "--z", ZERO], ["info"], ["decode", "--z", ZERO, "--out", "x.png"]):
        err = one_error(run_main(capsys, command[0], "--package", "", *command[1:]))
        assert err.startswith("error: --package is empty; give a package folder"), err
        assert "PosixPath" not in err


def test_decode_out_must_be_an_image_file(tmp_path, tiny_package_dir, capsys):
    pkg = ["decode", "--package", str(tiny_package_dir), "--z", ZERO, "--out"]
    err = one_error(run_main(capsys, *pkg, str(tmp_path)))
    assert "is a folder; give a file name such as garment.png" in err
    err = one_error(run_main(capsys, *pkg, str(tmp_path / "g")))
    assert "'g' has no image extension; end it in .png" in err
    done = run_main(capsys, *pkg, str(tmp_path / "g.png"))
    assert done.returncode == 0 and (tmp_path / "g.png").is_file()


def test_suggested_commands_quote_package_names_for_the_shell(tmp_path, tiny_package_dir, capsys, monkeypatch):
    hostile = tmp_path / "$(touch pwned) shop"
    shutil.copytree(tiny_package_dir, hostile)
    (hostile / "weights.safetensors").write_bytes(b"damaged")
    monkeypatch.chdir(tmp_path)
    err = one_error(run_main(capsys, "rank", "--package", hostile.name, "--z", ZERO))
    assert "--package '$(touch pwned) shop' --data DIR" in err and "--out '$(touch pwned) shop'" in err
    command = err.split("`")[1]  # the suggested rebuild command, pasted into a shell, makes no file
    subprocess.run(["bash", "-c", f"echo {command.split('--package ', 1)[1]}"], cwd=tmp_path, timeout=10)
    assert not (tmp_path / "pwned").exists()
