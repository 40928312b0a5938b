"""Hostile package folders, round two (issue 20, items 4 and 5): one bad folder in the packages
folder is listed as broken and never stops the listing, a page or another package; FIFOs, links
to devices, huge or deeply nested JSON, numbers that overflow and text metrics are refused by
bounded reads; a catalogue index nested too deep or an atlas that is a decompression bomb (with
correct checksums) is refused when the package loads, before any pixel is decoded."""

from __future__ import annotations

import json
import os
import shutil
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from vae_core import ModelPackage, PackageError
from vae_core.cli.main import main
from vae_core.files import UnsafeFile, parse_json, read_bytes, read_json
from vae_core.package.format import CHECKSUMS, MANIFEST, sha256_file
from vae_core.package.registry import inspect_package, list_packages

ZERO = ",".join(["0"] * 10)


def resign_all(root: Path) -> None:
    """Make the manifest's file table and the checksums match every file again (catalogue too)."""
    manifest = json.loads((root / MANIFEST).read_text())
    for name in manifest["files"]:
        manifest["files"][name] = {"sha256": sha256_file(root / name), "bytes": (root / name).stat().st_size}
    (root / MANIFEST).write_text(json.dumps(manifest))
    names = [MANIFEST, *manifest["files"]]
    (root / CHECKSUMS).write_text("".join(f"{sha256_file(root / n)}  {n}\n" for n in names))


# ------------------------------------------------------------------------------ bounded reads
def test_bounded_reads_refuse_fifos_devices_links_and_size(tmp_path: Path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "zero").symlink_to("/dev/zero")
    (tmp_path / "big").write_bytes(b"x" * 101)
    (tmp_path / "ok.json").write_text('{"a": [1, 2.5]}')
    (tmp_path / "link.json").symlink_to(tmp_path / "ok.json")
    t = time.monotonic()
    with pytest.raises(UnsafeFile, match="FIFO"):
        read_bytes(tmp_path / "fifo", 100)  # opens at once, never waits for a writer
    with pytest.raises(UnsafeFile, match="symbolic link"):
        read_bytes(tmp_path / "zero", 100)
    with pytest.raises(UnsafeFile, match="a device"):
        read_bytes(tmp_path / "zero", 100, follow_links=True)
    with pytest.raises(UnsafeFile, match="the limit is 100 bytes"):
        read_bytes(tmp_path / "big", 100)
    assert time.monotonic() - t < 5
    assert read_json(tmp_path / "ok.json", 100) == {"a": [1, 2.5]}
    assert read_json(tmp_path / "link.json", 100, follow_links=True) == {"a": [1, 2.5]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested more than 32 levels"),
        ("[" * 40 + "]" * 40, "nested more than 32 levels"),
        ('{"n_items": 1e999}', "too large"),
        ('{"x": NaN}', "NaN is not a number JSON allows"),
        ('{"x": -Infinity}', "is not a number JSON allows"),
        ('{"x": ' + "9" * 5000 + "}", "digits"),
        (b'{"x": "\xff"}', "not UTF-8"),
    ],
)
def test_parse_json_refuses_what_the_project_never_writes(text, message):
    with pytest.raises(ValueError, match=message):
        parse_json(text)


# ------------------------------------------------------------------------------ the listing
def _manifest_of(good: Path) -> dict:
    return json.loads((good / MANIFEST).read_text())


def _write_manifest(text: str) -> Callable[[Path, Path], None]:
    def make(folder: Path, good: Path) -> None:
        folder.mkdir()
        (folder / MANIFEST).write_text(text)

    return make


def _text_metric(folder: Path, good: Path) -> None:
    manifest = _manifest_of(good)
    manifest["metrics"]["test_neg_elbo"] = "low"
    _write_manifest(json.dumps(manifest))(folder, good)


def _fifo(folder: Path, good: Path) -> None:
    folder.mkdir()
    os.mkfifo(folder / MANIFEST)


def _dev_zero(folder: Path, good: Path) -> None:
    folder.mkdir()
    (folder / MANIFEST).symlink_to("/dev/zero")


def _huge(folder: Path, good: Path) -> None:
    folder.mkdir()
    with open(folder / MANIFEST, "wb") as f:
        f.truncate(200 * 2**20)  # sparse: 200 MiB of zeros


def _link_out(folder: Path, good: Path) -> None:
    folder.symlink_to(good)


BROKEN = {  # folder name -> (how it is made, what the picker says)
    "deep": (_write_manifest("[" * 100_000 + "]" * 100_000), "nested more than 32 levels"),
    "overflow": (
        lambda f, g: _write_manifest(json.dumps(_manifest_of(g)).replace('"n_items": 600', '"n_items": 1e999'))(f, g),
        "too large",
    ),  # noqa: E501
    "text-metric": (_text_metric, "'test_neg_elbo' must be a finite number"),
    "fifo": (_fifo, "is a FIFO"),
    "dev-zero": (_dev_zero, "is a symbolic link"),
    "huge": (_huge, "the limit is 64.0 MiB"),
    "not-json": (_write_manifest("{"), "not valid JSON"),
    "a-list": (_write_manifest("[]"), "must be a JSON object"),
    "empty": (lambda f, g: f.mkdir(), "has no manifest.json"),
    "outside": (_link_out, "a link to a folder outside the packages folder"),
}


@pytest.fixture()
def hostile_folder(tmp_path: Path, tiny_package_dir: Path, monkeypatch) -> Path:
    """A packages folder holding one good package (``good``), one named like the shipped one,
    and one broken folder of every kind in :data:`BROKEN`."""
    folder = tmp_path / "packages"
    folder.mkdir()
    shutil.copytree(tiny_package_dir, folder / "good")
    shutil.copytree(tiny_package_dir, folder / "fashion-mnist-vae")
    outside = shutil.copytree(tiny_package_dir, tmp_path / "elsewhere")
    for name, (make, _) in BROKEN.items():
        make(folder / name, outside)
    monkeypatch.setenv("LATENT_ATELIER_PACKAGES", str(folder))
    return folder


def test_one_bad_folder_is_listed_as_broken_and_never_stops_the_listing(hostile_folder: Path):
    t = time.monotonic()
    listed: dict = {}
    for p in list_packages():
        listed.setdefault(p.name, p)
    assert time.monotonic() - t < 10  # no read waits on a FIFO or reads /dev/zero
    assert listed["fashion-mnist-vae"].usable and listed["fashion-mnist-vae"].path.parent.name == "assets"
    assert listed["good"].usable and listed["good"].n_items == 600 and len(listed["good"].content) == 64
    for name, (_, message) in BROKEN.items():
        assert not listed[name].usable, name
        assert message in listed[name].problem, (name, listed[name].problem)
    shadowed = [p for p in list_packages() if p.path == hostile_folder / "fashion-mnist-vae"]
    assert shadowed and "already taken" in shadowed[0].problem
    assert inspect_package(hostile_folder / "good").usable


def test_every_page_works_beside_broken_folders(hostile_folder: Path, data_dir: Path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    from ui.common.text import plain

    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["package"] = "good"
    at.run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="app.package").options == ["fashion-mnist-vae", "good"]
    marked = " ".join(plain(c.value) for c in at.sidebar.caption)
    for name, (_, message) in BROKEN.items():
        assert f"{name}: " in marked and message in marked, name
    for page in ("latent_map", "model", "interpolate", "new_catalogue"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert not [e.value for e in at.error if "could not be loaded" in e.value], page


# ------------------------------------------------------------------------------ files of a package
@pytest.mark.parametrize("kind", ["fifo", "dev-zero link", "link to a copy"])
def test_a_package_file_that_is_no_regular_file_is_refused_at_once(kind, tiny_package_copy: Path, capsys):
    target = tiny_package_copy / "maps.safetensors"
    copy = tiny_package_copy.parent / "maps-copy.safetensors"
    shutil.copyfile(target, copy)
    target.unlink()
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "dev-zero link":
        target.symlink_to("/dev/zero")
    else:
        target.symlink_to(copy)  # even with the right bytes: nothing is read through a link
    t = time.monotonic()
    with pytest.raises(PackageError, match="maps.safetensors cannot be read: it is a (FIFO|symbolic link)"):
        ModelPackage.load(tiny_package_copy)
    assert main(["rank", "--package", str(tiny_package_copy), "--z", ZERO]) == 2
    assert "maps.safetensors cannot be read" in capsys.readouterr().err
    assert time.monotonic() - t < 10


@pytest.fixture()
def colour_copy(colour_package_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(colour_package_dir, tmp_path / "shop"))


def _deep_index(root: Path) -> None:
    (root / "catalogue.json").write_text('{"root": null, "paths": ' + "[" * 100_000 + "]" * 100_000 + "}")


def _png_claiming(width: int, height: int, bit_depth: int = 8) -> bytes:
    """A grey PNG whose header claims ``width`` x ``height`` pixels, followed by one tiny
    compressed row and the end: what a decompression bomb's header looks like, without the
    seconds it takes to encode one."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def _atlas(size: tuple[int, int], mode: str = "L") -> Callable[[Path], None]:
    def craft(root: Path) -> None:
        if size[0] * size[1] > 10**7:
            (root / "catalogue-000.png").write_bytes(_png_claiming(*size, bit_depth=1 if mode == "1" else 8))
        else:
            Image.new(mode, size).save(root / "catalogue-000.png", format="PNG")

    return craft


CATALOGUES = {  # case -> (craft, what the message says)
    "catalogue.json nested 100,000 deep": (_deep_index, "nested more than 32 levels"),
    "catalogue.json paths of numbers": (
        lambda r: (r / "catalogue.json").write_text('{"root": null, "paths": [1, 2]}'),
        "paths must be a list of texts",
    ),
    "a 400-megapixel atlas": (
        _atlas((20_000, 20_000), "1"),
        "decompression bomb (far too many pixels); the package needs 2048 x 160 RGB",
    ),  # noqa: E501
    "a 169-megapixel atlas": (_atlas((13_000, 13_000)), "is a 13000 x 13000 L image; the package needs 2048 x 160 RGB"),  # noqa: E501
    "an atlas of the wrong mode": (_atlas((64 * 32, 5 * 32), "L"), "the package needs 2048 x 160 RGB"),
}


@pytest.mark.parametrize("case", list(CATALOGUES))
def test_a_hostile_catalogue_is_refused_at_load(case, colour_copy: Path, capsys, monkeypatch):
    craft, message = CATALOGUES[case]
    craft(colour_copy)
    resign_all(colour_copy)
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self.size) or pytest.fail("decoded"))
    with pytest.raises(PackageError, match="catalogue|Catalogue") as caught:
        ModelPackage.load(colour_copy)
    assert message in str(caught.value) and str(colour_copy.parent) not in str(caught.value)
    assert not decoded  # refused from the header, before any pixel
    monkeypatch.undo()
    for argv in (["rank", "--z", ZERO], ["info"]):
        assert main([argv[0], "--package", str(colour_copy), *argv[1:]]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_an_atlas_changed_after_the_load_is_checked_before_decoding(colour_copy: Path):
    pkg = ModelPackage.load(colour_copy)
    _atlas((20_000, 20_000), "1")(colour_copy)
    pkg.catalogue._cache.clear()
    with pytest.raises(PackageError, match="decompression bomb"):
        pkg.images([0])
