"""A map selection as files: the CSV (index, class, source) and the ZIP of pictures, for a package
of Fashion-MNIST (sources are rows of the training split) and one trained on an image folder
(sources are its files)."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
from PIL import Image

from ui.latent_map.export import CSV_NAME, selection_csv, selection_zip
from vae_core import ModelPackage


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_csv_of_a_fashion_mnist_selection(pkg):
    rows = _rows(selection_csv(pkg, [5, 0, 42]))
    assert rows[0] == ["index", "class", "source"]
    assert rows[1:] == [[str(i), pkg.class_names[pkg.labels[i]], f"fashion-mnist:train:{i}"] for i in (5, 0, 42)]


def test_zip_holds_the_pictures_pixel_for_pixel_and_the_csv(pkg, small_splits):
    images = small_splits[0].images  # the originals of the tiny package's 600 items
    data = selection_zip(pkg, [3, 7, 11], lambda idx: images[idx], limit=2)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert names[0] == CSV_NAME and len(_rows(zf.read(CSV_NAME))) == 4  # every garment listed
        assert names[1:] == [f"images/{i:05d}-{pkg.class_names[pkg.labels[i]].lower().replace('/', '-')}.png"
                             for i in (3, 7)]  # fmt: skip
        for name, i in zip(names[1:], (3, 7), strict=True):
            np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(zf.read(name)))), images[i])


def test_sources_of_an_image_folder_package_are_its_files(colour_package_dir):
    pkg = ModelPackage.load(colour_package_dir)
    rows = _rows(selection_csv(pkg, [0, 1]))
    assert [r[2] for r in rows[1:]] == [pkg.catalogue.paths[0], pkg.catalogue.paths[1]]
    assert rows[1][2].split("/")[0] in pkg.class_names
