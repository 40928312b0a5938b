"""Reading Fashion-MNIST from a folder, and the clear errors for a missing or malformed one."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from vae_core import CLASS_NAMES, DataError, load_split, read_split


def test_reads_the_real_files(data_dir):
    train = read_split(data_dir, "train")
    assert train.images.shape == (60_000, 28, 28) and train.images.dtype == np.uint8
    assert train.labels[:20].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9, 5, 5, 7, 9, 1, 0, 6, 4]
    assert abs(train.images.mean() / 255 - 0.2860) < 1e-3
    assert len(read_split(data_dir, "test")) == 10_000
    assert CLASS_NAMES[9] == "Ankle boot" and train.class_names == CLASS_NAMES


def test_environment_variable_is_used(data_dir, monkeypatch):
    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(data_dir))
    assert len(load_split("test")) == 10_000


def test_fingerprint_ignores_compression(data_dir, tmp_path):
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        with gzip.open(data_dir / f"{name}.gz") as src, open(tmp_path / name, "wb") as dst:
            dst.write(src.read())
    assert read_split(tmp_path, "test").fingerprint() == read_split(data_dir, "test").fingerprint()


def test_missing_folder_names_the_files(tmp_path):
    with pytest.raises(DataError, match="does not exist") as err:
        read_split(tmp_path / "nope", "train")
    assert "train-images-idx3-ubyte" in str(err.value) and "LATENT_ATELIER_DATA_DIR" in str(err.value)


def test_missing_file(tmp_path, data_dir):
    shutil.copy(data_dir / "t10k-images-idx3-ubyte.gz", tmp_path)
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte"):
        read_split(tmp_path, "test")


def _write(path: Path, raw: bytes) -> None:
    with gzip.open(path, "wb") as fh:
        fh.write(raw)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda raw: b"\x00\x00\x08\x01" + raw[4:], "magic number"),
        (lambda raw: raw[:-100], "data bytes"),
        (lambda raw: raw[:6], "too short"),
    ],
)
def test_malformed_image_file(tmp_path, data_dir, mutate, message):
    shutil.copy(data_dir / "t10k-labels-idx1-ubyte.gz", tmp_path)
    with gzip.open(data_dir / "t10k-images-idx3-ubyte.gz") as fh:
        raw = fh.read()
    _write(tmp_path / "t10k-images-idx3-ubyte.gz", mutate(raw))
    with pytest.raises(DataError, match=message):
        read_split(tmp_path, "test")


def test_not_gzip(tmp_path, data_dir):
    shutil.copy(data_dir / "t10k-labels-idx1-ubyte.gz", tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(b"this is not gzip data at all")
    with pytest.raises(DataError, match="Cannot read"):
        read_split(tmp_path, "test")


def test_no_download_when_switched_off(monkeypatch, tmp_path):
    monkeypatch.delenv("LATENT_ATELIER_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with pytest.raises(DataError, match="downloading is switched off"):
        load_split("test", allow_download=False)
