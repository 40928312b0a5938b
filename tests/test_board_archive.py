"""The board's contact sheet and ZIP (``ui.board.archive``): a round trip keeps every item
exactly, and an import refuses what it cannot trust, saying why."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timezone

import numpy as np
import pytest
from PIL import Image

from store import Item, PackageIdentity
from ui.board import archive
from ui.board.archive import Picture, board_zip, contact_sheet, read_board_zip
from vae_core import InputError

GREY = PackageIdentity("tiny-package", content="c" * 64, data="f" * 16)
COLOUR = PackageIdentity("my-garments", content="d" * 64, data="e" * 16)
GONE = PackageIdentity("deleted", content="b" * 64, data="a" * 16)
DIMS = {GREY.content: 4, COLOUR.content: 6}
AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def dim_of(identity: PackageIdentity) -> int | None:
    return DIMS.get(identity.content)


def make_item(i: int, package: PackageIdentity, dim: int) -> Item:
    z = tuple(float(v) for v in np.random.default_rng(i).standard_normal(dim))
    lineage = {"origin": {"kind": "item", "index": i, "label": f"catalogue item #{i}", "z": list(z)}, "edits_total": i}
    return Item(i, i, f"Garment {i}/é ../x", f"note {i}", z, package, lineage, AT, AT)


@pytest.fixture()
def pictures() -> list[Picture]:
    rng = np.random.default_rng(0)
    return [
        Picture(make_item(1, GREY, 4), rng.integers(0, 256, (28, 28), dtype=np.uint8)),
        Picture(make_item(2, COLOUR, 6), rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)),
        Picture(make_item(3, GONE, 8), None),  # its package is not on this server
        Picture(make_item(4, GREY, 4), rng.integers(0, 256, (28, 28), dtype=np.uint8)),
    ]


def test_round_trip_keeps_every_item(pictures: list[Picture]):
    data = board_zip("Spring ideas", pictures)
    imported = read_board_zip(data, dim_of)
    assert imported.name == "Spring ideas"
    assert imported.missing_packages == ["deleted"]
    assert len(imported.drafts) == 4
    for pic, draft in zip(pictures, imported.drafts, strict=True):
        it = pic.item
        assert tuple(draft.z) == it.z  # exactly, not approximately
        assert (draft.name, draft.note, draft.package, draft.lineage) == (it.name, it.note, it.package, it.lineage)


def test_zip_pictures_and_manifest(pictures: list[Picture]):
    with zipfile.ZipFile(io.BytesIO(board_zip("b", pictures))) as zf:
        manifest = json.loads(zf.read(archive.MANIFEST))
        files = [e["file"] for e in manifest["items"]]
        assert files[2] is None  # no picture without its package
        assert all(f.startswith("items/") and ".." not in f for f in files if f)
        assert sorted(zf.namelist()) == sorted([archive.MANIFEST, archive.SHEET, *[f for f in files if f]])
        for pic, file in zip(pictures, files):
            if file is None:
                continue
            img = Image.open(io.BytesIO(zf.read(file)))
            side = pic.image.shape[0] * archive.ITEM_SCALE
            assert img.size == (side, side) and img.mode == ("L" if pic.image.ndim == 2 else "RGB")
            back = np.asarray(img)[:: archive.ITEM_SCALE, :: archive.ITEM_SCALE]
            np.testing.assert_array_equal(back, pic.image)  # pixel-exact upscaling
        sheet = Image.open(io.BytesIO(zf.read(archive.SHEET)))
        assert sheet.format == "PNG"
    assert manifest["format"] == archive.FORMAT and manifest["version"] == archive.FORMAT_VERSION
    assert manifest["items"][1]["package"] == COLOUR.to_dict()


def test_contact_sheet_layout(pictures: list[Picture], monkeypatch: pytest.MonkeyPatch):
    sheet = Image.open(io.BytesIO(contact_sheet("Board", pictures, columns=2))).convert("RGB")
    rows = 2
    assert sheet.size == (12 + 2 * (archive.TILE + 48 + 12), 44 + rows * (archive.TILE + 40 + 12) + 12)
    arr = np.asarray(sheet)
    # the first garment is drawn pixel-exact at 4x (112 / 28) in its box
    x0, y0 = 12 + 24, 44
    tile = arr[y0 : y0 + archive.TILE, x0 : x0 + archive.TILE, 0]
    np.testing.assert_array_equal(tile[::4, ::4], pictures[0].image)
    # the missing one is a grey box
    x2, y2 = 12 + 24, 44 + archive.TILE + 40 + 12
    assert tuple(arr[y2 + 5, x2 + 50]) == (225, 225, 225)
    monkeypatch.setattr(archive, "SHEET_MAX_ITEMS", 10)  # only the first ones are drawn
    many = Image.open(io.BytesIO(contact_sheet("many", [pictures[0]] * 25, columns=5)))
    assert many.size[1] == 44 + 2 * (archive.TILE + 40 + 12) + 12


def _zip(members: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _manifest(items: list, **extra) -> str:
    return json.dumps({"format": archive.FORMAT, "version": 1, "board": {"name": "b"}, "items": items, **extra})


def _entry(z: list, package: PackageIdentity = GREY, **extra) -> dict:
    return {"name": "x", "note": "", "z": z, "package": package.to_dict(), "lineage": {}, **extra}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip at all", "not a ZIP file"),
        (_zip({"readme.txt": "hi"}), "no manifest.json"),
        (_zip({"../evil.txt": "x", "manifest.json": _manifest([])}), "outside its own folder"),
        (_zip({"/etc/passwd": "x", "manifest.json": _manifest([])}), "outside its own folder"),
        (_zip({"a\\..\\b.txt": "x", "manifest.json": _manifest([])}), "outside its own folder"),
        (_zip({"manifest.json": "{not json"}), "not valid JSON"),
        (_zip({"manifest.json": json.dumps({"format": "other"})}), "not a Latent Atelier board"),
        (_zip({"manifest.json": _manifest([], version=2)}), "board format 2; this app reads up to 1"),
        (_zip({"manifest.json": json.dumps({"format": archive.FORMAT, "version": 1})}), "lists no items"),
        (_zip({"manifest.json": _manifest([_entry([0.0] * 3)])}), "item 1 ('x'): the z has 3 values; this package's"),
        (_zip({"manifest.json": _manifest([_entry([0.0] * 4), _entry(["a"] * 4)])}), "item 2 ('x'): the z must be"),
        (_zip({"manifest.json": _manifest([_entry([1e400] * 4)])}), "not finite"),
        (_zip({"manifest.json": _manifest([_entry([0.0] * 4, name="n" * 300)])}), "at most 200"),
        (_zip({"manifest.json": _manifest([{**_entry([0.0] * 4), "package": None}])}), "package is not named"),
        (_zip({"manifest.json": _manifest([{**_entry([0.0] * 4), "lineage": []}])}), "lineage is missing"),
        (_zip({"manifest.json": _manifest([_entry([0.0] * 4)] * (archive.MAX_ITEMS + 1))}), "at most 2,000"),
    ],
)
def test_import_refuses_with_a_reason(data: bytes, message: str):
    with pytest.raises(InputError, match="cannot be imported") as err:
        read_board_zip(data, dim_of)
    assert message in str(err.value)


def test_import_lists_several_problems_and_bounds():
    items = [_entry([0.0] * 5) for _ in range(archive.MAX_PROBLEMS + 3)]
    with pytest.raises(InputError) as err:
        read_board_zip(_zip({"manifest.json": _manifest(items)}), dim_of)
    text = str(err.value)
    assert "item 1 " in text and f"item {archive.MAX_PROBLEMS} " in text and "(and 3 more)" in text
    assert text.endswith("Nothing was imported.")
    with pytest.raises(InputError, match="at most 64 MiB"):
        read_board_zip(b"\0" * (archive.MAX_ZIP_BYTES + 1), dim_of)


def test_import_reads_no_more_than_the_limit(monkeypatch: pytest.MonkeyPatch):
    """A manifest larger than the limit is refused, whatever the ZIP's header claims about it."""
    monkeypatch.setattr(archive, "MAX_MANIFEST_BYTES", 1000)
    big = _manifest([_entry([0.0] * 4, note="n" * 2000)])
    with pytest.raises(InputError, match="manifest.json is"):
        read_board_zip(_zip({"manifest.json": big}), dim_of)
    data = bytearray(_zip({"manifest.json": big}))
    # rewrite the declared sizes (local header and central directory) to lie: 10 bytes
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(sig)
        data[at + off : at + off + 4] = (10).to_bytes(4, "little")
    with pytest.raises(InputError, match="manifest.json cannot be read"):
        read_board_zip(bytes(data), dim_of)  # read up to the declared 10 bytes, which fail their CRC


def test_import_of_unknown_package_keeps_any_length():
    imported = read_board_zip(_zip({"manifest.json": _manifest([_entry([0.5] * 9, GONE)])}), dim_of)
    assert imported.missing_packages == ["deleted"] and imported.drafts[0].z == [0.5] * 9
