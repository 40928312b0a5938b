"""Model package: save/load round trip, verification of every file, atomic writes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vae_core import FORMAT_VERSION, ModelPackage, PackageError, verify
from vae_core.package.format import ARRAY_FILES, CHECKSUMS, MANIFEST
from vae_core.package.held_out import ATLAS, INDEX

ALL_FILES = (MANIFEST, CHECKSUMS, *ARRAY_FILES, ATLAS, INDEX)


def test_round_trip(tiny_package_dir, tmp_path):
    pkg = ModelPackage.load(tiny_package_dir)
    assert len(pkg) == 600 and pkg.mu.shape == pkg.logvar.shape == (600, 10)
    assert pkg.mu.dtype == np.float32 and pkg.labels.dtype == np.uint8
    assert pkg.class_names[0] == "T-shirt/top"
    copy = ModelPackage.load(pkg.save(tmp_path / "again"))
    for name in ("mu", "logvar", "labels", "pca_xy", "tsne_xy", "kl_per_dim", "typicality_ref"):
        np.testing.assert_array_equal(getattr(copy, name), getattr(pkg, name))
    z = np.linspace(-1, 1, 10)
    np.testing.assert_array_equal(copy.decode(z), pkg.decode(z))
    assert copy.metrics == pkg.metrics and copy.history == pkg.history
    assert copy.manifest()["format_version"] == FORMAT_VERSION


def test_manifest_contents(tiny_package_dir):
    manifest = verify(tiny_package_dir)
    assert manifest["n_items"] == 600 and len(manifest["data_fingerprint"]) == 64
    assert set(manifest["files"]) == {*ARRAY_FILES, ATLAS, INDEX}
    assert {"test_neg_elbo", "knn5_accuracy", "retrieval_top10_same_class_log_q"} <= set(manifest["metrics"])
    assert len(manifest["history"]) == 2 and manifest["history"][-1]["epoch"] == 2


def test_encode_matches_stored_means(tiny_package_dir, small_splits):
    pkg = ModelPackage.load(tiny_package_dir)
    mu, logvar = pkg.encode(small_splits[0].images[:50])
    np.testing.assert_allclose(mu, pkg.mu[:50], atol=1e-5)
    np.testing.assert_allclose(logvar, pkg.logvar[:50], atol=1e-5)


def test_rank_and_place(tiny_package_dir):
    pkg = ModelPackage.load(tiny_package_dir)
    ranking = pkg.rank(pkg.mu[7], 5)
    assert len(ranking.indices) == 5 and np.all(np.diff(ranking.scores) <= 0)
    np.testing.assert_allclose(pkg.place(pkg.mu[7], "pca"), pkg.pca_xy[7], atol=1e-4)
    xy = pkg.place(pkg.mu[7], "tsne")
    assert pkg.tsne_xy[:, 0].min() <= xy[0] <= pkg.tsne_xy[:, 0].max()
    assert 0.0 <= pkg.typicality(pkg.mu[7]) <= 100.0
    assert pkg.typicality(np.full(10, 40.0)) == 0.0  # absurdly far: below every real garment
    z = pkg.mu[7] + 0.3
    ranking = pkg.rank(z, 12)  # one ranking reused for both gives the same answers
    assert pkg.typicality(z, ranking=ranking) == pkg.typicality(z)
    np.testing.assert_array_equal(pkg.place(z, "tsne", 12, ranking=ranking), pkg.place(z, "tsne", 12))


def test_model_calls_apply_torch_threads_in_the_calling_thread(tiny_package_dir, small_splits, monkeypatch):
    import threading

    import torch

    pkg = ModelPackage.load(tiny_package_dir)
    calls: list[tuple[str, int]] = []
    monkeypatch.setattr(torch, "set_num_threads", lambda n: calls.append((threading.current_thread().name, n)))
    pkg.decode(np.zeros(10))
    assert calls == []  # 0: torch's own setting is left alone
    pkg.torch_threads = 3

    def work() -> None:
        pkg.decode(np.zeros(10))
        pkg.encode(small_splits[1].images[:2])

    worker = threading.Thread(target=work, name="rerun-7")
    worker.start()
    worker.join()
    assert calls == [("rerun-7", 3), ("rerun-7", 3)]


def test_arrays_are_read_only(tiny_package_dir):
    pkg = ModelPackage.load(tiny_package_dir)
    with pytest.raises(ValueError):
        pkg.mu[0, 0] = 1.0


@pytest.mark.parametrize("name", ALL_FILES)
def test_corrupted_byte_is_detected(tiny_package_copy, name):
    path = tiny_package_copy / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(PackageError, match="python -m vae_core build"):
        ModelPackage.load(tiny_package_copy)


@pytest.mark.parametrize("name", ALL_FILES)
def test_truncated_file_is_detected(tiny_package_copy, name):
    path = tiny_package_copy / name
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(PackageError):
        ModelPackage.load(tiny_package_copy)


@pytest.mark.parametrize("name", ALL_FILES)
def test_missing_file_is_detected(tiny_package_copy, name):
    (tiny_package_copy / name).unlink()
    with pytest.raises(PackageError, match="missing"):
        ModelPackage.load(tiny_package_copy)


def test_other_format_version_is_refused(tiny_package_copy):
    from vae_core.package.format import sha256_file

    manifest = json.loads((tiny_package_copy / MANIFEST).read_text())
    manifest["format_version"] = FORMAT_VERSION + 1
    (tiny_package_copy / MANIFEST).write_text(json.dumps(manifest))
    sums = (tiny_package_copy / CHECKSUMS).read_text().splitlines()
    sums = [f"{sha256_file(tiny_package_copy / MANIFEST)}  {MANIFEST}" if s.endswith(MANIFEST) else s for s in sums]
    (tiny_package_copy / CHECKSUMS).write_text("\n".join(sums) + "\n")
    with pytest.raises(PackageError, match="format version"):
        ModelPackage.load(tiny_package_copy)


def test_missing_package(tmp_path):
    with pytest.raises(PackageError, match="no such folder"):
        ModelPackage.load(tmp_path / "absent")


def test_save_is_atomic_when_writing_fails(tiny_package_dir, tmp_path, monkeypatch):
    pkg = ModelPackage.load(tiny_package_dir)
    target = pkg.save(tmp_path / "pkg")
    before = {n: (target / n).read_bytes() for n in ALL_FILES}

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("vae_core.package.format.save_arrays", boom)
    with pytest.raises(OSError, match="disk full"):
        pkg.save(target)
    assert {n: (target / n).read_bytes() for n in ALL_FILES} == before  # old package intact
    assert [p.name for p in tmp_path.iterdir()] == ["pkg"]  # no temporary folder left behind
