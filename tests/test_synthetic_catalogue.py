"""Stand-ins for a real colour catalogue: classes, sizes, white backgrounds, colour, seeding."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

from vae_core.model.image_folder import load_image_folder
from vae_core.model.synthetic_catalogue import (
    ARTWORK_CLASSES,
    RED,
    make_artwork_folder,
    make_tinted_fashion_mnist_folder,
    red_garment,
    tint_fashion_mnist,
)


def _digest(files: list[Path]) -> str:
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()


def test_artwork_folder_has_eight_families_of_varied_sizes_on_white(tmp_path: Path):
    files = make_artwork_folder(tmp_path / "a", per_class=6, seed=4)
    assert len(files) == 48 and sorted({f.parent.name for f in files}) == sorted(ARTWORK_CLASSES)
    assert all(f.suffix == ".png" and f.parent.parent == tmp_path / "a" for f in files)
    sides = [max(Image.open(f).size) for f in files]
    assert 32 <= min(sides) and max(sides) <= 160 and max(sides) - min(sides) > 60
    for f in files:
        img = np.asarray(Image.open(f).convert("RGB"))
        border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
        assert np.mean(np.all(border == 255, axis=1)) > 0.5  # white around the garment
        assert np.mean(np.all(img == 255, axis=2)) < 0.97  # and a garment drawn
    colours = [np.asarray(Image.open(f).convert("RGB")).reshape(-1, 3) for f in files]
    spread = [int((c.max(1).astype(int) - c.min(1)).max()) for c in colours]
    assert np.mean([s > 80 for s in spread]) > 0.8  # most garments are clearly coloured
    assert _digest(make_artwork_folder(tmp_path / "b", per_class=6, seed=4)) == _digest(files)
    assert _digest(make_artwork_folder(tmp_path / "c", per_class=6, seed=5)) != _digest(files)
    data = load_image_folder(tmp_path / "a", 32)
    assert data.channels == 3 and data.class_names == tuple(sorted(ARTWORK_CLASSES)) and len(data) == 48


def test_red_garment_is_red_on_white():
    img = red_garment(64)
    assert img.shape == (64, 64, 3) and img.dtype == np.uint8
    assert np.mean(np.all(img == RED, axis=2)) > 0.1 and np.all(img[0, 0] == 255)


def test_tinted_fashion_mnist_keeps_the_garment_and_colours_it(data_dir: Path, small_splits, tmp_path: Path):
    train, _ = small_splits
    out = tint_fashion_mnist(train.images[:20], np.random.default_rng(0))
    assert out.shape == (20, 64, 64, 3) and out.dtype == np.uint8
    assert np.all(out[:, 0, 0] == 255)  # a white corner: the background
    for img in out:
        garment = img[img.min(axis=2) < 200]
        assert len(garment) > 100
        rgb = garment.mean(axis=0)
        assert rgb.max() - rgb.min() > 40  # one saturated colour, not grey
    files = make_tinted_fashion_mnist_folder(tmp_path / "fm", per_class=3, seed=1, data_dir=data_dir)
    assert len(files) == 30 and len({f.parent.name for f in files}) == 10
    assert Image.open(files[0]).size == (64, 64)
