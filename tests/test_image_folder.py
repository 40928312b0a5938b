"""Image folders: layouts, formats, fitting, colour detection, skipped files and fingerprints."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vae_core import DataError
from vae_core.model.image_folder import decode_file, fit_square, held_out, load_image_folder, scan, to_grey
from vae_core.model.synthetic import BROKEN, CLASSES, add_broken_files, make_garment_folder


def test_class_folders_and_every_broken_kind_skipped(garment_folder: Path):
    data = load_image_folder(garment_folder, image_size=32)
    assert data.class_names == CLASSES
    assert len(data) == 300 and data.images.shape == (300, 32, 32, 3) and data.images.dtype == np.uint8
    assert np.bincount(data.labels).tolist() == [100, 100, 100]
    assert all(p.startswith(CLASSES[lab] + "/") for p, lab in zip(data.paths, data.labels))
    reasons = {s.path: s.reason for s in data.skipped}
    assert set(reasons) == set(BROKEN)
    for path, start in BROKEN.items():
        assert reasons[path].startswith(start), (path, reasons[path])


def test_flat_folder_is_one_class(tmp_path: Path):
    make_garment_folder(tmp_path / "src", per_class=2, formats=("png",))
    flat = tmp_path / "shop photos"
    flat.mkdir()
    for f in (tmp_path / "src").rglob("*.png"):
        shutil.copy(f, flat / f.name)
    files, names, skipped = scan(flat)
    assert names == ("shop photos",) and len(files) == 6 and not skipped
    assert all(label == 0 for _, label in files)


def test_nothing_usable_is_one_clear_error(tmp_path: Path):
    add_broken_files(tmp_path)
    with pytest.raises(DataError, match=r"No usable image in .*decompression bomb.*\(and 4 more\)"):
        load_image_folder(tmp_path, image_size=32)


def test_grey_folder_gives_one_channel_and_forcing_works(tmp_path: Path):
    make_garment_folder(tmp_path, per_class=3, formats=("png_grey",))
    grey = load_image_folder(tmp_path, image_size=28)
    assert grey.images.shape == (9, 28, 28) and grey.channels == 1
    forced = load_image_folder(tmp_path, image_size=28, channels=3)
    assert forced.images.shape == (9, 28, 28, 3)
    np.testing.assert_array_equal(forced.images[..., 0], forced.images[..., 2])  # grey stays grey
    np.testing.assert_array_equal(to_grey(forced.images), grey.images)


def test_to_grey_matches_pillow():
    rgb = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    np.testing.assert_array_equal(to_grey(rgb), np.asarray(Image.fromarray(rgb).convert("L")))


def test_exif_orientation_is_applied(tmp_path: Path):
    img = Image.new("RGB", (40, 20), (255, 255, 255))
    img.paste((200, 0, 0), (0, 0, 20, 20))  # red on the left half
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: viewers turn it 90 degrees clockwise
    img.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "r.jpg", quality=95, exif=exif)
    img.save(tmp_path / "u.png")
    rotated, _, _ = decode_file(tmp_path / "r.jpg", 32, fit="crop")
    upright, _, _ = decode_file(tmp_path / "u.png", 32, fit="crop")
    assert np.abs(rotated.astype(int) - upright.astype(int)).mean() < 4
    assert rotated[16, 2, 0] > 150 and rotated[16, 2, 1] < 60  # red is on the left, as displayed


def test_transparency_composited_onto_background(tmp_path: Path):
    rgba = np.zeros((16, 16, 4), dtype=np.uint8)
    rgba[4:12, 4:12] = (0, 128, 255, 255)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "t.png")
    on_white, colour, _ = decode_file(tmp_path / "t.png", 32)
    on_black, _, _ = decode_file(tmp_path / "t.png", 32, background=(0, 0, 0))
    assert colour
    assert on_white[0, 0].tolist() == [255, 255, 255] and on_black[0, 0].tolist() == [0, 0, 0]
    assert on_white[16, 16].tolist() == on_black[16, 16].tolist() == [0, 128, 255]


def test_gif_first_frame(tmp_path: Path):
    frames = [Image.new("RGB", (20, 20), (250, 0, 0)), Image.new("RGB", (20, 20), (0, 0, 250))]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:])
    arr, _, _ = decode_file(tmp_path / "a.gif", 28)
    assert arr[14, 14, 0] > 200 and arr[14, 14, 2] < 50


def test_pad_and_crop():
    wide = np.zeros((10, 40, 3), dtype=np.uint8)
    wide[:, :20] = (255, 0, 0)
    wide[:, 20:] = (0, 0, 255)
    framed = wide.copy()
    framed[:3], framed[-3:], framed[:, :3], framed[:, -3:] = 9, 9, 9, 9  # border colour: the padding
    padded = fit_square(Image.fromarray(framed), 32, "pad")
    assert padded.shape == (32, 32, 3) and padded[0, 16].tolist() == [9, 9, 9] and padded[16, 8, 0] > 200
    cropped = fit_square(Image.fromarray(wide), 32, "crop")  # the centre 10 x 10: half red, half blue
    assert cropped[16, 4, 0] > 200 and cropped[16, 28, 2] > 200 and cropped[16, 4, 2] < 50


def test_fingerprint_covers_file_contents(tmp_path: Path):
    make_garment_folder(tmp_path, per_class=2, formats=("png",))
    first = load_image_folder(tmp_path, 32).fingerprint()
    assert load_image_folder(tmp_path, 32).fingerprint() == first
    target = next((tmp_path / "tops").glob("*.png"))
    img = Image.open(target).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)  # same pixels, different bytes
    target.write_bytes(buf.getvalue())
    assert load_image_folder(tmp_path, 32).fingerprint() != first
    assert load_image_folder(tmp_path, 64).fingerprint() != load_image_folder(tmp_path, 32).fingerprint()


def test_held_out_is_seeded_and_disjoint():
    tr, te = held_out(100, 0.1, seed=3)
    assert len(te) == 10 and len(tr) == 90 and not set(tr) & set(te)
    np.testing.assert_array_equal(held_out(100, 0.1, seed=3)[1], te)
    assert not np.array_equal(held_out(100, 0.1, seed=4)[1], te)
    assert len(held_out(5, 0.01, 0)[1]) == 1 and len(held_out(5, 0.0, 0)[1]) == 0
