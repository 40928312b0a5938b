"""Zip uploads for the New catalogue page: traversal, absolute paths, links, devices, bombs, too
many entries, lying headers, and what is skipped (ui/new_catalogue/zips.py)."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from ui.new_catalogue.zips import ZipLimits, check_zip, extract_zip
from vae_core import InputError

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # image-like bytes (the zip check reads names only)


def make_zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in entries:
            info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name)
            info.compress_type = method
            zf.writestr(info, data)
    return buf.getvalue()


def with_mode(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix: the high 16 bits of external_attr are st_mode
    info.external_attr = mode << 16
    return info


def test_a_good_archive_lists_its_images_strips_the_wrapping_folder_and_skips_the_rest(tmp_path: Path):
    data = make_zip(
        [
            ("shop/tops/a.png", PNG),
            ("shop/tops/b.JPG", PNG),
            ("shop/shoes/c.webp", PNG),
            ("shop/README.txt", b"hello"),
            ("shop/.DS_Store", b"x"),
            ("__MACOSX/shop/tops/._a.png", b"x"),
            ("shop/shoes/", b""),
        ]
    )
    report = check_zip(data)
    assert report.images == {
        "shop/tops/a.png": "tops/a.png",
        "shop/tops/b.JPG": "tops/b.JPG",
        "shop/shoes/c.webp": "shoes/c.webp",
    }
    assert report.classes == ("shoes", "tops")
    assert report.total_bytes == 3 * len(PNG)
    assert sorted(report.skipped) == [
        ("__MACOSX/shop/tops/._a.png", "hidden or system file"),
        ("shop/.DS_Store", "hidden or system file"),
        ("shop/README.txt", "not an image file"),
    ]
    extract_zip(data, tmp_path / "out")
    files = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert files == ["shoes/c.webp", "tops/a.png", "tops/b.JPG"]
    assert (tmp_path / "out" / "tops" / "a.png").read_bytes() == PNG


def test_flat_images_are_one_class():
    report = check_zip(make_zip([("a.png", PNG), ("b.png", PNG)]))
    assert report.images == {"a.png": "a.png", "b.png": "b.png"} and report.classes == ()


@pytest.mark.parametrize(
    "name",
    ["../evil.png", "tops/../../evil.png", "..\\evil.png", "tops\\..\\..\\evil.png"],
)
def test_traversal_is_refused(name: str, tmp_path: Path):
    data = make_zip([("ok.png", PNG), (name, PNG)])
    with pytest.raises(InputError, match="climbs out"):
        check_zip(data)
    with pytest.raises(InputError):
        extract_zip(data, tmp_path / "out")
    assert not (tmp_path / "evil.png").exists() and not list((tmp_path).glob("**/evil.png"))


@pytest.mark.parametrize("name", ["/etc/evil.png", "\\evil.png", "C:/evil.png", "c:\\evil.png"])
def test_absolute_paths_are_refused(name: str):
    with pytest.raises(InputError, match="absolute path"):
        check_zip(make_zip([("ok.png", PNG), (name, PNG)]))


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        (stat.S_IFLNK | 0o777, "symbolic link"),
        (stat.S_IFCHR | 0o666, "device file"),
        (stat.S_IFBLK | 0o666, "device file"),
        (stat.S_IFIFO | 0o666, "FIFO or socket"),
    ],
)
def test_links_and_devices_are_refused(mode: int, kind: str, tmp_path: Path):
    data = make_zip([("ok.png", PNG), (with_mode("tops/link.png", mode), b"/etc/passwd")])
    with pytest.raises(InputError, match=kind):
        check_zip(data)
    with pytest.raises(InputError, match=kind):
        extract_zip(data, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_regular_unix_files_pass():
    report = check_zip(make_zip([(with_mode("a.png", stat.S_IFREG | 0o644), PNG)]))
    assert list(report.images) == ["a.png"]


def test_a_zip_bomb_is_refused_by_its_compression_ratio():
    data = make_zip([("ok.png", PNG), ("bomb.png", bytes(8 << 20))])  # 8 MiB of zeros -> about 8 KiB
    assert len(data) < 64 * 1024
    with pytest.raises(InputError, match="zip bomb"):
        check_zip(data)


def test_many_small_compressible_entries_are_refused_by_the_overall_ratio():
    entries = [(f"{i}.png", bytes(60_000)) for i in range(20)]  # each under the per-entry floor
    with pytest.raises(InputError, match="zip bomb"):
        check_zip(make_zip(entries))


def test_declared_sizes_over_the_limits_are_refused():
    data = make_zip([(f"{i}.png", PNG) for i in range(5)], method=zipfile.ZIP_STORED)
    with pytest.raises(InputError, match="unpack to more than"):
        check_zip(data, ZipLimits(max_total=3 * len(PNG)))
    with pytest.raises(InputError, match="one image may be at most"):
        check_zip(data, ZipLimits(max_entry=len(PNG) - 1))


def test_too_many_entries_and_too_many_images_are_refused():
    data = make_zip([(f"{i}.png", PNG) for i in range(11)] + [("notes.txt", b"x")])
    with pytest.raises(InputError, match="12 entries; the limit is 10"):
        check_zip(data, ZipLimits(max_entries=10))
    with pytest.raises(InputError, match="11 images; the limit is 10"):
        check_zip(data, ZipLimits(max_images=10))


def test_an_upload_over_the_size_limit_is_refused_before_it_is_opened():
    data = make_zip([("a.png", PNG)])
    with pytest.raises(InputError, match="the limit is"):
        check_zip(data, ZipLimits(max_upload=len(data) - 1))


def test_a_header_that_understates_the_size_is_caught_while_extracting(tmp_path: Path):
    """A small zip whose headers claim 1,000 bytes for an entry that inflates to 1 MiB: the
    directory checks pass, extraction stops at the claimed size and refuses the archive."""
    data = bytearray(make_zip([("a.png", bytes(1 << 20))]))
    claimed = 1000
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, claimed)  # local header: uncompressed size
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, claimed)  # central directory: uncompressed size
    report = check_zip(bytes(data))
    assert report.total_bytes == claimed
    with pytest.raises(InputError, match="could not be unpacked|inflates beyond"):
        extract_zip(bytes(data), tmp_path / "out")
    written = [p.stat().st_size for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert all(size <= claimed for size in written)


def test_encrypted_entries_and_non_zips_and_image_less_zips_are_refused():
    data = bytearray(make_zip([("a.png", PNG)]))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # general purpose flags
        at = data.index(signature) + offset
        struct.pack_into("<H", data, at, struct.unpack_from("<H", data, at)[0] | 0x1)
    with pytest.raises(InputError, match="encrypted"):
        check_zip(bytes(data))
    with pytest.raises(InputError, match="not a readable .zip"):
        check_zip(b"this is not a zip file at all")
    with pytest.raises(InputError, match="no image files"):
        check_zip(make_zip([("notes.txt", b"x"), ("doc.pdf", b"%PDF")]))


def test_duplicate_paths_after_unwrapping_are_refused():
    with pytest.raises(InputError, match="same path"):
        check_zip(make_zip([("a/x.png", PNG), ("a\\x.png", PNG)]))


def test_extraction_needs_an_empty_folder(tmp_path: Path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.png").write_bytes(b"x")
    with pytest.raises(InputError, match="not empty"):
        extract_zip(make_zip([("a.png", PNG)]), tmp_path / "out")
